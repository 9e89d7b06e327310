//! Helpers shared by the integration tests.

use chat_harness::fuzzing::{decode_whole, Decoded};
use chat_harness::protocol::Frame;

/// Encodes frames back to back, panicking on frames that cannot be encoded.
pub fn encode_all<F: Frame + std::fmt::Debug>(frames: &[F]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        frame
            .encode(&mut out)
            .unwrap_or_else(|e| panic!("{frame:?}: {e}"));
    }
    out
}

/// Decodes a complete stream and returns only the frames, asserting nothing else came out.
pub fn frames_of<F: Frame + Clone + std::fmt::Debug>(stream: &[u8]) -> Vec<F> {
    decode_whole::<F>(stream)
        .into_iter()
        .map(|item| match item {
            Decoded::Frame(frame) => frame,
            other => panic!("expected only frames, got {other:?}"),
        })
        .collect()
}
