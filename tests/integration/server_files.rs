//! Store-then-forward uploads over real sockets, in both modes: a 10 MiB relay checked by
//! sha256 at three receivers and on disk, a sender reset mid-file, oversized and early uploads
//! drained and refused, and shutdown removing a partial upload.

use std::time::Duration;

use chat_harness::core::{wording, Limits};
use chat_harness::protocol::{
    ClientFileHeader, ClientFrame, Frame, Item, ServerFileHeader, ServerFrame,
};
use chat_harness::server::Mode;
use sha2::{Digest, Sha256};

use crate::server_support::{list, test_limits, wait_for, Client, TestServer};

both_modes!(
    a_10_mib_file_reaches_three_receivers_intact,
    a_sender_reset_mid_file_leaves_no_trace,
    an_oversized_file_is_drained_and_refused,
    a_file_before_auth_is_drained_and_refused,
    shutdown_closes_connections_and_removes_partial_uploads,
);

fn header(size: u32, filename: &str) -> ClientFrame {
    ClientFrame::File(ClientFileHeader {
        size,
        filename: filename.to_owned(),
        caption: Some("have a look".to_owned()),
    })
}

/// Deterministic pseudo-random bytes.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Reads a relayed file: its header, then the sha256 and length of its body.
fn receive_file(client: &mut Client) -> (ServerFileHeader, Vec<u8>, u64) {
    let Item::Frame(ServerFrame::File(header)) = client.item() else {
        panic!("{}: expected a file header", client.name)
    };
    let mut hasher = Sha256::new();
    let mut len = 0;
    loop {
        match client.item() {
            Item::FileBody(chunk) => {
                len += chunk.len() as u64;
                hasher.update(&chunk);
            }
            Item::FileEnd => return (header, hasher.finalize().to_vec(), len),
            Item::Frame(frame) => panic!("{}: {frame:?} inside a file body", client.name),
        }
    }
}

fn a_10_mib_file_reaches_three_receivers_intact(mode: Mode) {
    let server = TestServer::start(mode);
    let [sender, r1, r2, r3] = server.login_all(["sender", "r1", "r2", "r3"]);
    let body = noise(10 << 20);
    let digest = Sha256::digest(&body).to_vec();
    let mut sender = sender;
    sender.send(&header(body.len() as u32, "big.bin"));
    std::thread::scope(|scope| {
        let receivers: Vec<_> = [r1, r2, r3]
            .into_iter()
            .map(|mut r| {
                scope.spawn(move || {
                    let (header, got, len) = receive_file(&mut r);
                    assert_eq!(
                        (
                            header.sender.as_str(),
                            header.filename.as_str(),
                            header.size
                        ),
                        ("sender", "big.bin", 10 << 20)
                    );
                    assert_eq!(header.caption.as_deref(), Some("have a look"));
                    assert_eq!(len, 10 << 20, "{}", r.name);
                    r.expect_notice("User sender uploaded file big.bin");
                    (got, r)
                })
            })
            .collect();
        sender.send_raw(&body);
        for receiver in receivers {
            let (got, _) = receiver.join().expect("receiver thread");
            assert!(got == digest, "body digest differs at a receiver");
        }
    });
    let on_disk = std::fs::read(server.files.join("big.bin")).expect("stored");
    assert!(
        Sha256::digest(&on_disk).to_vec() == digest,
        "stored file differs"
    );
}

fn a_sender_reset_mid_file_leaves_no_trace(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, mut bob, mut carol] = server.login_all(["alice", "bob", "carol"]);
    bob.send(&header(1 << 20, "partial.bin"));
    bob.send_raw(&[7; 100_000]);
    let path = server.files.join("partial.bin");
    wait_for("the partial upload on disk", || {
        std::fs::metadata(&path).is_ok_and(|m| m.len() == 100_000)
    });
    socket2::SockRef::from(bob.stream())
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER 0");
    drop(bob);
    // The first thing the others hear about bob is that he left: no header, no body.
    alice.expect_notice("User bob disconnected");
    carol.expect_notice("User bob disconnected");
    assert_eq!(
        server.stored(),
        Vec::<String>::new(),
        "partial file removed"
    );
    alice.expect_nothing_before_marker(&mut carol);
}

fn an_oversized_file_is_drained_and_refused(mode: Mode) {
    let limits = Limits {
        max_file_size: 64 * 1024,
        ..test_limits()
    };
    let server = TestServer::with_limits(mode, limits);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    bob.send(&header(100_000, "big.bin"));
    // The body holds bytes that would be frames if the server were not draining it.
    let mut body = ClientFrame::Text("not a frame".into())
        .to_bytes()
        .expect("encodes");
    body.resize(100_000, 0);
    bob.send_raw(&body);
    bob.expect_reply(&wording::file_too_large(64 * 1024));
    bob.say("after the refusal");
    alice.expect_chat("bob", "after the refusal");
    alice.expect_nothing_before_marker(&mut bob);
    assert_eq!(server.stored(), Vec::<String>::new());
}

fn a_file_before_auth_is_drained_and_refused(mode: Mode) {
    let server = TestServer::start(mode);
    let mut alice = server.login("alice");
    let mut early = server.connect("early");
    early.send(&header(3, "f.txt"));
    early.send_raw(b"\x00\x01\x01");
    early.expect_reply(wording::LOGIN_FIRST);
    early.send(&ClientFrame::auth("early", 0));
    early.expect_greeting();
    alice.expect_notice("early connected");
    assert_eq!(server.stored(), Vec::<String>::new());
}

fn shutdown_closes_connections_and_removes_partial_uploads(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    let mut lurker = server.connect("lurker");
    bob.send(&header(1 << 20, "partial.bin"));
    bob.send_raw(&[1; 5000]);
    let path = server.files.join("partial.bin");
    wait_for("the partial upload on disk", || {
        std::fs::metadata(&path).is_ok_and(|m| m.len() == 5000)
    });
    let TestServer {
        handle,
        root: _root,
        files,
    } = server;
    handle.shutdown().expect("clean shutdown");
    for client in [&mut alice, &mut bob, &mut lurker] {
        assert_eq!(client.until_closed(), [], "{}", client.name);
    }
    assert_eq!(list(&files), Vec::<String>::new());
}
