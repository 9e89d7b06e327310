//! Golden bytes: each frame type against the exact bytes the original puts on the wire.

use chat_harness::fuzz_targets::{decode_whole, Decoded};
use chat_harness::protocol::{
    ClientFileHeader, ClientFrame, Frame, HhMm, ServerFileHeader, ServerFrame, ServerText,
};

use crate::support::frames_of;

/// Frame bytes: big-endian length of type + payload, type, payload.
fn wire(frame_type: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 1).expect("test payload fits");
    let mut out = len.to_be_bytes().to_vec();
    out.push(frame_type);
    out.extend_from_slice(payload);
    out
}

/// Asserts both directions: the frame encodes to `bytes` and `bytes` decode to the frame.
fn assert_golden<F: Frame + Clone + PartialEq + std::fmt::Debug>(frame: F, bytes: &[u8]) {
    assert_eq!(
        frame.to_bytes().expect("encodes"),
        bytes,
        "encoding {frame:?}"
    );
    assert_eq!(frames_of::<F>(bytes), vec![frame], "decoding {bytes:02x?}");
}

fn t(h: u8, m: u8) -> HhMm {
    HhMm::new(h, m).expect("valid time")
}

#[test]
fn client_auth_with_and_without_offset() {
    assert_golden(ClientFrame::auth("alice", 10800), &wire(0, b"alice 10800"));
    assert_golden(ClientFrame::auth("bob", -18000), &wire(0, b"bob -18000"));
    // The exact bytes, length prefix included.
    assert_eq!(
        ClientFrame::auth("alice", 10800).to_bytes().unwrap(),
        b"\x00\x0c\x00alice 10800"
    );
    let bare = ClientFrame::Auth {
        name: "alice".into(),
        offset: None,
    };
    assert_golden(bare, &wire(0, b"alice"));
}

#[test]
fn client_exit_text_rename() {
    assert_golden(ClientFrame::exit(), b"\x00\x09\x01>>exit<<");
    assert_golden(ClientFrame::Text("hi there".into()), &wire(3, b"hi there"));
    assert_golden(ClientFrame::rename("bob"), &wire(4, b">>chname<< bob"));
    assert_golden(ClientFrame::Rename("bob".into()), &wire(4, b"bob"));
}

#[test]
fn client_file_header_then_body() {
    let header = ClientFrame::File(ClientFileHeader {
        size: 5,
        filename: "pic.png".into(),
        caption: Some("hello".into()),
    });
    let mut stream = wire(2, b"\x00\x00\x00\x05pic.png hello");
    assert_eq!(header.to_bytes().unwrap(), stream);
    stream.extend_from_slice(b"\x89PNG\x00");
    stream.extend_from_slice(&wire(3, b"after"));
    assert_eq!(
        decode_whole::<ClientFrame>(&stream),
        vec![
            Decoded::Frame(header),
            Decoded::Body(b"\x89PNG\x00".to_vec()),
            Decoded::FileEnd,
            Decoded::Frame(ClientFrame::Text("after".into())),
        ]
    );
}

#[test]
fn client_file_header_without_caption_and_empty_file() {
    let header = ClientFrame::File(ClientFileHeader {
        size: 0,
        filename: "empty.txt".into(),
        caption: None,
    });
    let stream = wire(2, b"\x00\x00\x00\x00empty.txt");
    assert_eq!(header.to_bytes().unwrap(), stream);
    assert_eq!(
        decode_whole::<ClientFrame>(&stream),
        vec![Decoded::Frame(header), Decoded::FileEnd]
    );
}

#[test]
fn server_auth_ok_and_renamed() {
    let greeting = "Commands: >>exit<<, >>sendfile<< 'filename', >>chname<< 'name'";
    assert_golden(
        ServerFrame::AuthOk(greeting.into()),
        &wire(0, greeting.as_bytes()),
    );
    assert_golden(
        ServerFrame::Renamed("Username changed to newname".into()),
        &wire(4, b"Username changed to newname"),
    );
}

#[test]
fn server_texts_chat_notices_and_replies() {
    let chat = ServerFrame::timed_text(t(23, 29), "[alice] hello");
    assert_golden(chat.clone(), &wire(3, b"<23:29> [alice] hello"));
    let ServerFrame::Text(text) = chat else {
        unreachable!()
    };
    assert_eq!(text.chat_line(), Some(("alice", "hello")));

    for notice in [
        "alice connected",
        "User alice disconnected",
        "User [alice] changed username to [bob]",
        "User alice uploaded file f.png",
    ] {
        let mut payload = b"<20:29> ".to_vec();
        payload.extend_from_slice(notice.as_bytes());
        assert_golden(
            ServerFrame::timed_text(t(20, 29), notice),
            &wire(3, &payload),
        );
    }
    assert_golden(
        ServerFrame::reply("The name is already in use"),
        &wire(3, b"The name is already in use"),
    );
}

#[test]
fn server_file_header_with_separator_and_size() {
    let header = ServerFrame::File(ServerFileHeader {
        time: t(23, 29),
        sender: "alice".into(),
        size: 1234,
        filename: "pic.png".into(),
        caption: Some("hello".into()),
    });
    assert_golden(
        header,
        &wire(2, b"<23:29> [alice]\xff\x00\x00\x04\xd2pic.png hello"),
    );
}

#[test]
fn server_text_with_invalid_time_keeps_it_in_the_body() {
    let frames = frames_of::<ServerFrame>(&wire(3, b"<24:00> late"));
    assert_eq!(
        frames,
        vec![ServerFrame::Text(ServerText {
            time: None,
            body: "<24:00> late".into()
        })]
    );
}

#[test]
fn largest_payload_encodes_and_one_more_byte_does_not() {
    let max = ClientFrame::Text("x".repeat(65_534));
    let bytes = max.to_bytes().unwrap();
    assert_eq!(&bytes[..3], b"\xff\xff\x03");
    assert_eq!(frames_of::<ClientFrame>(&bytes), vec![max]);
    let too_long = ClientFrame::Text("x".repeat(65_535));
    let mut out = Vec::new();
    assert!(too_long.encode(&mut out).is_err());
    assert!(out.is_empty(), "nothing is written on error");
}

#[test]
fn ambiguous_frames_are_refused_by_the_encoder() {
    let auth = ClientFrame::Auth {
        name: "alice 5".into(),
        offset: None,
    };
    assert!(auth.to_bytes().is_err());
    let spaced = ClientFrame::File(ClientFileHeader {
        size: 1,
        filename: "a b".into(),
        caption: None,
    });
    assert!(spaced.to_bytes().is_err());
    assert!(ServerFrame::reply("<12:00> x").to_bytes().is_err());
}
