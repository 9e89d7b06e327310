//! Hostile input over real sockets, in both modes: malformed frames, text before auth, second
//! auth, texts too long to relay, and filenames that try to leave the files directory. Each
//! gets a reply, and the connection and everyone else carry on.

use chat_harness::core::wording;
use chat_harness::protocol::{ClientFileHeader, ClientFrame, FrameError, Item, ServerFrame};
use chat_harness::server::Mode;

use crate::server_support::{list, Client, TestServer};

both_modes!(
    malformed_frames_are_answered_and_skipped,
    text_before_auth_and_a_second_auth_are_refused,
    a_65534_byte_text_is_refused_and_the_longest_relayable_one_passes,
    hostile_filenames_stay_inside_the_files_directory,
);

fn malformed_frames_are_answered_and_skipped(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    let cases: [(&[u8], FrameError); 4] = [
        (b"\x00\x03\x07zz", FrameError::UnknownType(7)),
        (b"\x00\x00", FrameError::Empty),
        (
            b"\x00\x03\x03\xc3\x28",
            FrameError::InvalidUtf8 {
                frame_type: 3,
                field: "message",
            },
        ),
        (
            b"\x00\x03\x02ab",
            FrameError::Truncated {
                frame_type: 2,
                field: "u32 file size",
            },
        ),
    ];
    for (bytes, error) in &cases {
        bob.send_raw(bytes);
        bob.expect_reply(&wording::frame_ignored(error));
    }
    // A file header with an invalid name: its body is skipped too, then the stream goes on.
    bob.send_raw(b"\x00\x06\x02\x00\x00\x00\x03\xfe\x00\x01\x03");
    bob.expect_reply(&wording::frame_ignored(&FrameError::InvalidUtf8 {
        frame_type: 2,
        field: "filename",
    }));
    bob.say("still in sync");
    alice.expect_chat("bob", "still in sync");
    alice.expect_nothing_before_marker(&mut bob);
}

fn text_before_auth_and_a_second_auth_are_refused(mode: Mode) {
    let server = TestServer::start(mode);
    let mut alice = server.login("alice");
    let mut early = server.connect("early");
    early.say("hello?");
    early.expect_reply(wording::LOGIN_FIRST);
    early.send(&ClientFrame::rename("x"));
    early.expect_reply(wording::LOGIN_FIRST);
    early.send(&ClientFrame::auth("early", 0));
    early.expect_greeting();
    alice.expect_notice("early connected");
    early.send(&ClientFrame::auth("other", 0));
    early.expect_reply(wording::ALREADY_AUTHENTICATED);
    early.say("still early");
    alice.expect_chat("early", "still early");
}

fn a_65534_byte_text_is_refused_and_the_longest_relayable_one_passes(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    let max = 65_523 - "bob".len();
    bob.say(&"x".repeat(65_534));
    bob.expect_reply(&wording::text_too_long(max));
    bob.say(&"y".repeat(max + 1));
    bob.expect_reply(&wording::text_too_long(max));
    let longest = "z".repeat(max);
    bob.say(&longest);
    let text = alice.text();
    assert_eq!(text.chat_line(), Some(("bob", longest.as_str())));
    alice.expect_nothing_before_marker(&mut bob);
}

fn upload(client: &mut Client, filename: &str, body: &[u8]) {
    client.send(&ClientFrame::File(ClientFileHeader {
        size: body.len() as u32,
        filename: filename.to_owned(),
        caption: None,
    }));
    client.send_raw(body);
}

fn hostile_filenames_stay_inside_the_files_directory(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    let cases = [
        ("../../etc/passwd", Some("etc_passwd")),
        ("/abs", Some("abs")),
        ("a\0b", Some("a_b")),
        ("..", None),
    ];
    for (i, (raw, stored)) in cases.iter().enumerate() {
        let body = format!("body {i}");
        upload(&mut bob, raw, body.as_bytes());
        match stored {
            Some(stored) => {
                let Item::Frame(ServerFrame::File(header)) = alice.item() else {
                    panic!("{raw:?}: expected a file header")
                };
                assert_eq!(header.filename, *stored, "{raw:?}");
                assert_eq!(alice.item(), Item::FileBody(body.clone().into()));
                assert_eq!(alice.item(), Item::FileEnd);
                alice.expect_notice(&format!("User bob uploaded file {stored}"));
                let on_disk = std::fs::read(server.files.join(stored)).expect("stored inside");
                assert_eq!(on_disk, body.as_bytes());
            }
            None => bob.expect_reply(wording::FILE_NAME_INVALID),
        }
    }
    alice.expect_nothing_before_marker(&mut bob);
    assert_eq!(server.stored(), ["a_b", "abs", "etc_passwd"]);
    // Nothing next to the files directory either.
    assert_eq!(list(server.root.path()), ["files"]);
}
