//! Malformed frames: each is reported as its typed error, consumed whole, and the frame after
//! it still decodes.

use chat_harness::fuzz_targets::{decode_in_chunks, decode_whole, Decoded};
use chat_harness::protocol::{ClientFrame, Frame, FrameError, ServerFrame};

/// A valid frame to put after each malformed one.
fn after() -> Vec<u8> {
    ClientFrame::Text("still in sync".into())
        .to_bytes()
        .unwrap()
}

/// Decodes `bad` followed by a valid text, whole and byte by byte, and checks the items.
fn assert_client_error(bad: &[u8], error: FrameError, skipped_body: u32) {
    let mut stream = bad.to_vec();
    let raw_len = bad.len() - skipped_body as usize;
    stream.extend_from_slice(&after());
    let expected = vec![
        Decoded::Error(error, bad[..raw_len].to_vec(), skipped_body),
        Decoded::Frame(ClientFrame::Text("still in sync".into())),
    ];
    assert_eq!(decode_whole::<ClientFrame>(&stream), expected);
    assert_eq!(decode_in_chunks::<ClientFrame>(&stream, &[1]), expected);
}

#[test]
fn unknown_type() {
    assert_client_error(b"\x00\x03\x07ab", FrameError::UnknownType(0x07), 0);
}

#[test]
fn zero_length() {
    assert_client_error(b"\x00\x00", FrameError::Empty, 0);
}

#[test]
fn invalid_utf8_text() {
    let error = FrameError::InvalidUtf8 {
        frame_type: 3,
        field: "message",
    };
    assert_client_error(b"\x00\x03\x03\xc3\x28", error, 0);
}

#[test]
fn invalid_utf8_auth_and_rename() {
    let auth = FrameError::InvalidUtf8 {
        frame_type: 0,
        field: "auth payload",
    };
    assert_client_error(b"\x00\x02\x00\xff", auth, 0);
    let rename = FrameError::InvalidUtf8 {
        frame_type: 4,
        field: "rename payload",
    };
    assert_client_error(b"\x00\x02\x04\x80", rename, 0);
}

#[test]
fn file_header_too_short_for_its_size() {
    // The original client's empty-file bug writes no size at all; a 2-byte payload cannot
    // even be misread as one.
    let error = FrameError::Truncated {
        frame_type: 2,
        field: "u32 file size",
    };
    assert_client_error(b"\x00\x03\x02ab", error, 0);
}

#[test]
fn file_header_with_invalid_filename_skips_its_body() {
    let error = FrameError::InvalidUtf8 {
        frame_type: 2,
        field: "filename",
    };
    // size 3, filename 0xFE, then 3 body bytes that must not be read as a frame.
    assert_client_error(b"\x00\x06\x02\x00\x00\x00\x03\xfe\x00\x01\x03", error, 3);
}

#[test]
fn server_file_header_shape_errors() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"<12:00> [bob] no separator",
            "no 0xFF separator after the sender",
        ),
        (
            b"12:00 [bob]\xff\x00\x00\x00\x00f",
            "no <HH:MM> prefix before the sender",
        ),
        (
            b"<12:00> bob\xff\x00\x00\x00\x00f",
            "the sender is not in [brackets]",
        ),
    ];
    for (payload, problem) in cases {
        let mut bad = u16::try_from(payload.len() + 1)
            .unwrap()
            .to_be_bytes()
            .to_vec();
        bad.push(2);
        bad.extend_from_slice(payload);
        let mut stream = bad.clone();
        let next = ServerFrame::reply("next");
        next.encode(&mut stream).unwrap();
        let error = FrameError::Malformed {
            frame_type: 2,
            problem,
        };
        assert_eq!(
            decode_whole::<ServerFrame>(&stream),
            vec![Decoded::Error(error, bad, 0), Decoded::Frame(next)],
            "{problem}"
        );
    }
}

#[test]
fn server_file_header_truncated_size() {
    let stream = b"\x00\x0e\x02<12:00> [b]\xff\x00\x00\x04\x03hey";
    let error = FrameError::Truncated {
        frame_type: 2,
        field: "u32 file size",
    };
    assert_eq!(
        decode_whole::<ServerFrame>(stream),
        vec![
            Decoded::Error(error, stream[..16].to_vec(), 0),
            Decoded::Frame(ServerFrame::reply("hey")),
        ]
    );
}

#[test]
fn server_direction_rejects_client_only_types() {
    let stream = b"\x00\x09\x01>>exit<<\x00\x04\x03hey";
    assert_eq!(
        decode_whole::<ServerFrame>(stream),
        vec![
            Decoded::Error(FrameError::UnknownType(1), stream[..11].to_vec(), 0),
            Decoded::Frame(ServerFrame::reply("hey")),
        ]
    );
}

#[test]
fn a_huge_announced_file_costs_nothing_until_bytes_arrive() {
    let header = b"\x00\x08\x02\xff\xff\xff\xffbig";
    let mut decoder = chat_harness::protocol::StreamDecoder::<ClientFrame>::new();
    decoder.feed(header);
    decoder.feed(&[7; 1000]);
    let mut body = 0;
    while let Some(item) = decoder.next_item() {
        if let Ok(chat_harness::protocol::Item::FileBody(chunk)) = item {
            body += chunk.len();
        }
    }
    assert_eq!(body, 1000, "body bytes come out as they arrive");
    assert_eq!(
        decoder.buffered(),
        0,
        "nothing is held back waiting for the rest"
    );
}
