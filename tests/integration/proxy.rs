//! `chat-harness proxy` between the built-in server and two scripted clients: forwarding is
//! unchanged, and the live output names every frame of each connection and direction in order,
//! with segments, split frames and malformed frames shown as such.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chat_harness::core::wording;
use chat_harness::protocol::{ClientFileHeader, ClientFrame, Frame, Item, ServerFrame};
use chat_harness::proxy::{render, Direction, Event, EventKind, Perturb, ProxyConfig, ProxyHandle};
use chat_harness::server::Mode;

use crate::server_support::{Client, TestServer, DEADLINE};

fn proxy(server: &TestServer, perturb: Perturb) -> (ProxyHandle, mpsc::Receiver<Event>) {
    let (tx, rx) = mpsc::channel();
    let config = ProxyConfig {
        upstream: server.addr().to_string(),
        perturb,
    };
    (ProxyHandle::spawn(config, tx).expect("proxy starts"), rx)
}

/// Events until `closed` directions have ended, within the deadline.
fn events_until_closed(rx: &mpsc::Receiver<Event>, closed: usize) -> Vec<Event> {
    let start = Instant::now();
    let mut events = Vec::new();
    let mut ended = 0;
    while ended < closed {
        let left = DEADLINE.saturating_sub(start.elapsed());
        let event = rx
            .recv_timeout(left.max(Duration::from_millis(1)))
            .unwrap_or_else(|_| panic!("{ended} of {closed} directions closed; saw {events:#?}"));
        if matches!(event.kind, EventKind::Closed { .. }) {
            ended += 1;
        }
        events.push(event);
    }
    events
}

/// The rendered lines of one connection and direction, without the time and connection.
fn lines(events: &[Event], conn: u64, dir: Direction) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            e.conn == conn && matches!(&e.kind, EventKind::Seen { dir: d, .. } if *d == dir)
        })
        .map(|e| {
            let line = render::human(e);
            let cut = line.find(dir.arrow()).expect("arrow in line");
            line[cut + dir.arrow().len()..].trim().to_owned()
        })
        .collect()
}

/// A chat, a rename, a file with a caption and an exit, through the proxy; every frame is
/// asserted in the live output; returns the events.
pub fn conversation(mode: Mode, perturb: Perturb) -> Vec<Event> {
    let server = TestServer::start(mode);
    let (proxy, rx) = proxy(&server, perturb);
    let mut alice = Client::connect(proxy.addr(), "alice");
    alice.send(&ClientFrame::auth("alice", 0));
    alice.expect_greeting();
    let mut bob = Client::connect(proxy.addr(), "bob");
    bob.send(&ClientFrame::auth("bob", 0));
    bob.expect_greeting();
    alice.expect_notice(&wording::connected("bob"));
    alice.say("hello bob");
    bob.expect_chat("alice", "hello bob");
    bob.send(&ClientFrame::Rename(">>chname<< robert".into()));
    assert!(matches!(bob.frame(), ServerFrame::Renamed(_)));
    alice.expect_notice("User [bob] changed username to [robert]");
    let header = ClientFrame::File(ClientFileHeader {
        size: 5,
        filename: "notes.txt".into(),
        caption: Some("for you".into()),
    });
    let mut wire = header.to_bytes().expect("encodes");
    wire.extend_from_slice(b"12345");
    alice.send_raw(&wire);
    assert!(matches!(bob.item(), Item::Frame(ServerFrame::File(_))));
    let mut body = Vec::new();
    loop {
        match bob.item() {
            Item::FileBody(chunk) => body.extend_from_slice(&chunk),
            Item::FileEnd => break,
            other => panic!("bob: {other:?} inside a body"),
        }
    }
    assert_eq!(body, b"12345", "the body crossed the proxy unchanged");
    bob.expect_notice("User alice uploaded file notes.txt");
    alice.send(&ClientFrame::Exit(">>exit<<".into()));
    bob.expect_notice("User alice disconnected");
    assert!(alice.until_closed().is_empty());
    bob.send(&ClientFrame::Exit(">>exit<<".into()));
    assert!(bob.until_closed().is_empty());
    drop((alice, bob));

    let events = events_until_closed(&rx, 4);
    let greeting = format!("0x00 auth-ok {:?}", wording::GREETING);
    assert_eq!(
        lines(&events, 1, Direction::ToServer),
        [
            "0x00 auth \"alice\" offset 0".to_owned(),
            "0x03 text \"hello bob\"".to_owned(),
            "0x02 file \"notes.txt\" size 5 caption \"for you\"".to_owned(),
            format!("file body: 5 bytes, fnv1a64 {}", fnv("12345")),
            "0x01 exit \">>exit<<\"".to_owned(),
        ]
    );
    let alice_got = lines(&events, 1, Direction::ToClient);
    assert_eq!(alice_got.len(), 3, "{alice_got:#?}");
    assert_eq!(alice_got[0], greeting);
    assert!(alice_got[1].ends_with(" bob connected\""), "{alice_got:#?}");
    assert!(alice_got[2].ends_with("User [bob] changed username to [robert]\""));
    assert_eq!(
        lines(&events, 2, Direction::ToServer),
        [
            "0x00 auth \"bob\" offset 0",
            "0x04 rename \">>chname<< robert\"",
            "0x01 exit \">>exit<<\"",
        ]
    );
    let bob_got = lines(&events, 2, Direction::ToClient);
    assert_eq!(bob_got.len(), 7, "{bob_got:#?}");
    assert_eq!(bob_got[0], greeting);
    assert!(bob_got[1].ends_with("[alice] hello bob\""), "{bob_got:#?}");
    assert_eq!(bob_got[2], "0x04 renamed \"Username changed to robert\"");
    assert!(bob_got[3].contains("[alice] \"notes.txt\" size 5 caption \"for you\""));
    assert_eq!(
        bob_got[4],
        format!("file body: 5 bytes, fnv1a64 {}", fnv("12345"))
    );
    assert!(bob_got[5].ends_with("User alice uploaded file notes.txt\""));
    assert!(bob_got[6].ends_with("User alice disconnected\""));
    proxy.shutdown().expect("proxy stops");
    events
}

fn fnv(text: &str) -> String {
    let mut digest = chat_harness::record::Digest::empty();
    digest.push(text.as_bytes());
    format!("{:016x}", digest.hash)
}

#[test]
fn the_live_output_names_every_frame_in_order() {
    conversation(Mode::Polling, Perturb::default());
}

#[test]
fn sliced_into_single_bytes_the_same_conversation_goes_through() {
    conversation(
        Mode::Threaded,
        Perturb {
            slice: Some(1),
            ..Perturb::default()
        },
    );
}

#[test]
fn frames_of_one_segment_split_frames_and_malformed_frames_are_shown_as_such() {
    let server = TestServer::start(Mode::Polling);
    let (proxy, rx) = proxy(&server, Perturb::default());
    let mut alice = Client::connect(proxy.addr(), "alice");
    let mut three = ClientFrame::auth("alice", 0).to_bytes().expect("encodes");
    three.extend(ClientFrame::Text("one".into()).to_bytes().expect("encodes"));
    three.extend(ClientFrame::Text("two".into()).to_bytes().expect("encodes"));
    alice.send_raw(&three);
    alice.expect_greeting();
    let split = ClientFrame::Text("split in two".into())
        .to_bytes()
        .expect("encodes");
    alice.send_raw(&split[..4]);
    // The second piece is written once the proxy has read the first on its own.
    let mut events = Vec::new();
    while !matches!(
        events.last(),
        Some(Event {
            kind: EventKind::Pending { buffered: 4, .. },
            ..
        })
    ) {
        events.push(
            rx.recv_timeout(DEADLINE)
                .expect("the first piece seen as pending"),
        );
    }
    alice.send_raw(&split[4..]);
    // An unknown type: the decoder's error, a hex dump, and the next frame still decoded.
    alice.send_raw(&[0, 2, 0x09, 0x41]);
    alice.send(&ClientFrame::Exit(">>exit<<".into()));
    alice.until_closed();
    drop(alice);
    events.extend(events_until_closed(&rx, 2));
    let segment = events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Segment { .. } => Some(render::human(e)),
            _ => None,
        })
        .expect("a segment line");
    assert!(
        segment.ends_with("c→s 3 frames in one segment (22 bytes):"),
        "{segment}"
    );
    let sent = lines(&events, 1, Direction::ToServer);
    assert_eq!(
        sent[3], "0x03 text \"split in two\"  (split over 2 reads)",
        "{sent:#?}"
    );
    assert!(sent[4].starts_with("malformed frame: "), "{sent:#?}");
    assert!(sent[4].contains("0000  00 02 09 41"), "hex dump: {sent:#?}");
    assert_eq!(sent[5], "0x01 exit \">>exit<<\"");
}
