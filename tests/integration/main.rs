//! The integration tests: one binary, one module per area.

/// Malformed frames: each yields its typed error and the stream stays in sync.
mod codec_errors;
/// Exact wire bytes of every frame type, from the protocol notes.
mod codec_golden;
/// Chunking independence: every split of a valid stream decodes the same.
mod codec_streaming;
/// The tokio adapter decodes the same items as the blocking decoder.
mod codec_tokio;
/// The committed fuzz corpora, replayed through the fuzz target bodies.
mod fuzz_corpus;
/// Shared helpers.
mod support;
