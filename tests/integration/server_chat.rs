//! Part 1 behaviour over real sockets, in both modes: auth with and without offset, per-recipient
//! time prefixes, broadcast to the others only, rename, exit, abrupt disconnect, and framing
//! that survives coalesced and byte-by-byte writes.

use chat_harness::core::wording;
use chat_harness::protocol::{ClientFileHeader, ClientFrame, Frame, Item, ServerFrame};
use chat_harness::server::Mode;

use crate::server_support::{wire, TestServer};

both_modes!(
    greeting_comes_first_and_notices_use_each_recipients_offset,
    names_are_unique_and_refusals_keep_the_connection_open,
    rename_takes_the_first_word_and_frees_the_old_name,
    exit_closes_the_connection_and_tells_the_others,
    an_abrupt_disconnect_tells_the_others_and_frees_the_name,
    unauthenticated_connections_receive_no_broadcasts,
    coalesced_frames_in_one_write_are_all_handled,
    frames_split_byte_by_byte_are_reassembled,
);

fn greeting_comes_first_and_notices_use_each_recipients_offset(mode: Mode) {
    let server = TestServer::start(mode);
    let mut carol = server.login_at("carol", 10800);
    let mut bob = server.login_at("bob", -18000);
    carol.expect_notice("bob connected");
    // No offset at all: UTC.
    let mut dave = server.connect("dave");
    dave.send_raw(&wire(0, b"dave"));
    dave.expect_greeting();
    carol.expect_notice("dave connected");
    bob.expect_notice("dave connected");
    dave.say("hi all");
    carol.expect_chat("dave", "hi all");
    bob.expect_chat("dave", "hi all");
    // The sender never gets its own line: the next thing it receives is carol's marker.
    dave.expect_nothing_before_marker(&mut carol);
    bob.expect_chat("carol", "marker for dave");
}

fn names_are_unique_and_refusals_keep_the_connection_open(mode: Mode) {
    let server = TestServer::start(mode);
    let mut alice = server.login("alice");
    let mut other = server.connect("other");
    other.send(&ClientFrame::auth("alice", 0));
    other.expect_reply(wording::NAME_TAKEN);
    for (payload, reply) in [
        (&b"al ice 0"[..], wording::NAME_INVALID),
        (b"[alice] 0", wording::NAME_INVALID),
        (
            b"0123456789012345678901234567890123 0",
            wording::NAME_INVALID,
        ),
        (b"alice2 50401", wording::OFFSET_INVALID),
        (b"alice2 soon", wording::OFFSET_INVALID),
    ] {
        other.send_raw(&wire(0, payload));
        other.expect_reply(reply);
    }
    other.send(&ClientFrame::auth("alice2", -50400));
    other.expect_greeting();
    alice.expect_notice("alice2 connected");
}

fn rename_takes_the_first_word_and_frees_the_old_name(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    alice.send(&ClientFrame::Rename(">>chname<< carol the great".into()));
    assert_eq!(
        alice.frame(),
        ServerFrame::Renamed("Username changed to carol".into())
    );
    bob.expect_notice("User [alice] changed username to [carol]");
    bob.send(&ClientFrame::rename("carol"));
    bob.expect_reply(wording::NAME_TAKEN);
    bob.send(&ClientFrame::rename("alice"));
    assert_eq!(
        bob.frame(),
        ServerFrame::Renamed("Username changed to alice".into())
    );
    alice.expect_notice("User [bob] changed username to [alice]");
    alice.name = "carol".into();
    alice.say("from carol");
    bob.expect_chat("carol", "from carol");
}

fn exit_closes_the_connection_and_tells_the_others(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    bob.send(&ClientFrame::exit());
    assert_eq!(bob.until_closed(), [], "nothing after exit, then EOF");
    alice.expect_notice("User bob disconnected");
    let mut bob_again = server.login("bob");
    alice.expect_notice("bob connected");
    bob_again.say("back");
    alice.expect_chat("bob", "back");
}

fn an_abrupt_disconnect_tells_the_others_and_frees_the_name(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut alice, bob, mut carol] = server.login_all(["alice", "bob", "carol"]);
    drop(bob);
    alice.expect_notice("User bob disconnected");
    carol.expect_notice("User bob disconnected");
    // Later broadcasts do not trip over the dead entry (the original's flaw).
    alice.say("still here");
    carol.expect_chat("alice", "still here");
    server.login("bob");
    alice.expect_notice("bob connected");
}

fn unauthenticated_connections_receive_no_broadcasts(mode: Mode) {
    let server = TestServer::start(mode);
    let mut lurker = server.connect("lurker");
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    alice.say("not for lurkers");
    bob.expect_chat("alice", "not for lurkers");
    // Replies come in order, so a broadcast queued earlier would arrive before this reply.
    lurker.say("anyone?");
    lurker.expect_reply(wording::LOGIN_FIRST);
    lurker.send(&ClientFrame::auth("lurker", 0));
    lurker.expect_greeting();
    alice.expect_notice("lurker connected");
}

/// Auth, two texts, a rename, a file with its body, and exit, as one write.
fn session_bytes() -> Vec<u8> {
    let mut bytes = Vec::new();
    for frame in [
        ClientFrame::auth("zed", 3600),
        ClientFrame::Text("one".into()),
        ClientFrame::Text("two".into()),
        ClientFrame::rename("zoe"),
        ClientFrame::File(ClientFileHeader {
            size: 5,
            filename: "f.txt".into(),
            caption: None,
        }),
    ] {
        frame.encode(&mut bytes).expect("encodes");
    }
    bytes.extend_from_slice(b"body!");
    ClientFrame::Text("after the file".into())
        .encode(&mut bytes)
        .expect("encodes");
    ClientFrame::exit().encode(&mut bytes).expect("encodes");
    bytes
}

fn expect_session(server: &TestServer, watcher: &mut crate::server_support::Client) {
    watcher.expect_notice("zed connected");
    watcher.expect_chat("zed", "one");
    watcher.expect_chat("zed", "two");
    watcher.expect_notice("User [zed] changed username to [zoe]");
    let Item::Frame(ServerFrame::File(header)) = watcher.item() else {
        panic!("expected the file header")
    };
    assert_eq!((header.sender.as_str(), header.size), ("zoe", 5));
    assert_eq!(
        watcher.item(),
        Item::FileBody(bytes::Bytes::from_static(b"body!"))
    );
    assert_eq!(watcher.item(), Item::FileEnd);
    watcher.expect_notice("User zoe uploaded file f.txt");
    watcher.expect_chat("zoe", "after the file");
    watcher.expect_notice("User zoe disconnected");
    assert_eq!(server.stored(), ["f.txt"]);
}

fn coalesced_frames_in_one_write_are_all_handled(mode: Mode) {
    let server = TestServer::start(mode);
    let mut watcher = server.login("watcher");
    let mut zed = server.connect("zed");
    zed.send_raw(&session_bytes());
    expect_session(&server, &mut watcher);
    let frames = zed.until_closed();
    assert_eq!(
        frames.len(),
        2,
        "greeting and rename confirmation: {frames:?}"
    );
}

fn frames_split_byte_by_byte_are_reassembled(mode: Mode) {
    let server = TestServer::start(mode);
    let mut watcher = server.login("watcher");
    let mut zed = server.connect("zed");
    for byte in session_bytes() {
        zed.send_raw(&[byte]);
    }
    expect_session(&server, &mut watcher);
}
