//! Chunking independence: a stream decodes to the same items however it is cut, owned or
//! borrowed.

use chat_harness::fuzz_targets::{
    decode_borrowed_in_chunks, decode_in_chunks, decode_whole, Decoded,
};
use chat_harness::protocol::{
    ClientFileHeader, ClientFrame, Frame, HhMm, ServerFileHeader, ServerFrame,
};

use crate::support::encode_all;

/// One of every client frame, a file with a body, an empty file, and a malformed frame.
fn client_stream() -> Vec<u8> {
    let mut stream = encode_all(&[
        ClientFrame::auth("alice", 10800),
        ClientFrame::Text("hello, world".into()),
        ClientFrame::File(ClientFileHeader {
            size: 6,
            filename: "a.bin".into(),
            caption: Some("six bytes".into()),
        }),
    ]);
    stream.extend_from_slice(b"\x00\x03\x00\x00\x01");
    stream.extend_from_slice(b"\x00\x00\x00\x03\x07zz");
    stream.extend_from_slice(&encode_all(&[
        ClientFrame::File(ClientFileHeader {
            size: 0,
            filename: "empty".into(),
            caption: None,
        }),
        ClientFrame::rename("bob"),
        ClientFrame::exit(),
    ]));
    stream
}

fn server_stream() -> Vec<u8> {
    let time = HhMm::new(23, 29).unwrap();
    let mut stream = encode_all(&[
        ServerFrame::AuthOk("welcome".into()),
        ServerFrame::timed_text(time, "[bob] hi"),
        ServerFrame::File(ServerFileHeader {
            time,
            sender: "bob".into(),
            size: 4,
            filename: "x".into(),
            caption: None,
        }),
    ]);
    stream.extend_from_slice(b"\xff\xfe\x00\x01");
    stream.extend_from_slice(&encode_all(&[
        ServerFrame::reply("The name is already in use"),
        ServerFrame::Renamed("Username changed to bob".into()),
    ]));
    stream
}

fn assert_every_split<F: Frame + PartialEq + std::fmt::Debug>(stream: &[u8]) {
    let whole = decode_whole::<F>(stream);
    assert!(whole.len() > 5, "the stream exercises something");
    for cut in 1..stream.len() {
        let (a, b) = stream.split_at(cut);
        assert_eq!(
            decode_in_chunks::<F>(stream, &[a.len(), b.len()]),
            whole,
            "cut at {cut}"
        );
        assert_eq!(
            decode_borrowed_in_chunks::<F>(stream, &[a.len(), b.len()]),
            whole,
            "borrowed, cut at {cut}"
        );
    }
    assert_eq!(decode_in_chunks::<F>(stream, &[1]), whole, "byte by byte");
    assert_eq!(
        decode_borrowed_in_chunks::<F>(stream, &[1]),
        whole,
        "borrowed, byte by byte"
    );
    // Deterministic pseudo-random chunkings.
    let mut state = 0x2545_f491_u32;
    for _ in 0..200 {
        let sizes: Vec<usize> = (0..16)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 9) as usize + 1
            })
            .collect();
        assert_eq!(
            decode_in_chunks::<F>(stream, &sizes),
            whole,
            "chunks {sizes:?}"
        );
    }
}

#[test]
fn client_stream_splits() {
    let stream = client_stream();
    assert_every_split::<ClientFrame>(&stream);
    assert!(decode_whole::<ClientFrame>(&stream)
        .iter()
        .any(|item| matches!(item, Decoded::Body(body) if body == b"\x00\x03\x00\x00\x01\x00")));
}

#[test]
fn server_stream_splits() {
    assert_every_split::<ServerFrame>(&server_stream());
}

#[test]
fn every_frame_round_trips_through_the_decoder() {
    chat_harness::fuzz_targets::check_reencode::<ClientFrame>(&client_stream());
    chat_harness::fuzz_targets::check_reencode::<ServerFrame>(&server_stream());
}
