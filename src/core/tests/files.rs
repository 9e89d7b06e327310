//! Uploads in the core: store then forward, hostile names, refusals, failures, aborts.

use bytes::Bytes;

use super::*;

fn file(size: u32, filename: &str) -> ClientFrame {
    ClientFrame::File(ClientFileHeader {
        size,
        filename: filename.into(),
        caption: Some("a caption".into()),
    })
}

#[test]
fn a_file_is_announced_only_when_complete_then_body_then_notice() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 7200);
    h.texts(alice);
    h.send(bob, file(10, "../../etc/passwd"));
    h.bytes(bob, b"01234");
    assert!(h.items(alice).is_empty(), "nothing before the last byte");
    h.bytes(bob, b"56789");
    let items = h.items(alice);
    let Item::Frame(ServerFrame::File(header)) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(
        (
            header.sender.as_str(),
            header.filename.as_str(),
            header.size
        ),
        ("bob", "etc_passwd", 10)
    );
    assert_eq!(items[1], Item::FileBody(Bytes::from_static(b"0123456789")));
    assert_eq!(items[2], Item::FileEnd);
    assert_eq!(
        items[3],
        Item::Frame(ServerFrame::timed_text(
            HhMm::from_unix(T0, 0),
            "User bob uploaded file etc_passwd"
        ))
    );
    assert!(h.items(bob).is_empty());
    assert_eq!(
        h.core.spool().stored().get("etc_passwd"),
        Some(&Bytes::from_static(b"0123456789"))
    );
    // An empty file: header, no body, notice.
    h.send(bob, file(0, "empty"));
    let items = h.items(alice);
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[1], Item::FileEnd);
}

#[test]
fn a_sender_dying_mid_file_leaves_no_trace() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    h.send(bob, file(100, "half.bin"));
    h.bytes(bob, &[1; 50]);
    assert_eq!(h.core.spool().partial().len(), 1);
    h.core.handle_disconnect(bob, h.now);
    h.drain();
    assert_eq!(h.texts(alice), ["<20:29> User bob disconnected"]);
    assert!(h.core.spool().partial().is_empty());
    assert!(h.core.spool().stored().is_empty());
}

#[test]
fn refused_files_are_drained_then_answered() {
    let mut h = Harness::new(Limits {
        max_file_size: 8,
        ..Limits::default()
    });
    let alice = h.login("alice", 0);
    let lurker = h.connect();
    // Not logged in, too large, unusable name, header too long to relay: all drained.
    h.send(lurker, file(3, "x"));
    h.bytes(lurker, b"\x00\x00\x03");
    assert_eq!(h.texts(lurker), [wording::LOGIN_FIRST]);
    let bob = h.login("bob", 0);
    h.texts(alice);
    h.send(bob, file(9, "big"));
    h.bytes(bob, &[0; 9]);
    h.send(bob, file(1, ".."));
    h.bytes(bob, b"\x00");
    let long = ClientFrame::File(ClientFileHeader {
        size: 2,
        filename: "f".into(),
        caption: Some("c".repeat(65_519 - 3 - 1)),
    });
    h.send(bob, long);
    h.bytes(bob, b"zz");
    h.send(bob, ClientFrame::Text("in sync".into()));
    assert_eq!(
        h.texts(bob),
        [
            wording::file_too_large(8),
            wording::FILE_NAME_INVALID.to_owned(),
            wording::FILE_HEADER_TOO_LONG.to_owned()
        ]
    );
    assert_eq!(h.texts(alice), ["<20:29> [bob] in sync"]);
    assert!(h.core.spool().stored().is_empty() && h.core.spool().partial().is_empty());
}

#[test]
fn a_spool_that_fails_is_a_refusal_not_a_relay() {
    let mut spool = MemorySpool::new();
    spool.fail_writes = true;
    let mut h = harness();
    h.core = Core::new(Limits::default(), spool);
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    h.send(bob, file(4, "f"));
    h.bytes(bob, b"abcd");
    assert_eq!(h.texts(bob), [wording::FILE_NOT_STORED]);
    assert!(h.items(alice).is_empty());
    assert!(h.core.spool().partial().is_empty());
}

#[test]
fn shutdown_closes_everyone_and_removes_partial_uploads() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let lurker = h.connect();
    h.send(alice, file(10, "f"));
    h.bytes(alice, b"abc");
    h.core.handle_shutdown();
    h.drain();
    assert_eq!(h.closed.len(), 2);
    assert_eq!(h.closed.get(&lurker), Some(&CloseReason::Shutdown));
    assert!(h.core.spool().partial().is_empty());
    assert_eq!(h.core.connections(), 0);
}
