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

/// An address where nothing listens, for as long as the returned socket lives: it is bound but
/// not listening, so connections are refused and no other test can be handed the port.
pub fn refusing_address() -> (socket2::Socket, std::net::SocketAddr) {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let any_port = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&any_port.into()).expect("bind");
    let addr = socket
        .local_addr()
        .expect("local address")
        .as_socket()
        .expect("an IP address");
    (socket, addr)
}
