//! The core without sockets: every rule driven through `handle_*`, replies read back with the
//! project decoder. This file holds the harness and the chat rules; `files` the uploads.

mod files;
mod flow;

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::protocol::{
    ClientFileHeader, ClientFrame, Frame, HhMm, Item, ServerFrame, StreamDecoder,
};

/// 2024-06-01 20:29:00 UTC.
const T0: i64 = 1_717_273_740;

pub(super) struct Harness {
    pub(super) core: Core<MemorySpool>,
    pub(super) now: Now,
    next: u64,
    inbox: HashMap<ConnId, StreamDecoder<ServerFrame>>,
    pub(super) closed: HashMap<ConnId, CloseReason>,
    /// Every `ResumeReading`, in order.
    pub(super) resumed: Vec<ConnId>,
    sends: Vec<(ConnId, Bytes)>,
}

impl Harness {
    pub(super) fn new(limits: Limits) -> Self {
        Self {
            core: Core::new(limits, MemorySpool::new()),
            now: Now {
                unix_secs: T0,
                elapsed: Duration::ZERO,
            },
            next: 0,
            inbox: HashMap::new(),
            closed: HashMap::new(),
            resumed: Vec::new(),
            sends: Vec::new(),
        }
    }

    pub(super) fn connect(&mut self) -> ConnId {
        let id = ConnId(self.next);
        self.next += 1;
        self.inbox.insert(id, StreamDecoder::new());
        self.core.handle_connect(id, self.now);
        self.drain();
        id
    }

    pub(super) fn bytes(&mut self, id: ConnId, bytes: &[u8]) {
        self.core.handle_bytes(id, bytes, self.now);
        self.drain();
    }

    pub(super) fn send(&mut self, id: ConnId, frame: ClientFrame) {
        self.bytes(id, &frame.to_bytes().unwrap());
    }

    pub(super) fn login(&mut self, name: &str, offset: i32) -> ConnId {
        let id = self.connect();
        self.send(id, ClientFrame::auth(name, offset));
        assert!(matches!(self.frames(id)[..], [ServerFrame::AuthOk(_)]));
        id
    }

    pub(super) fn drain(&mut self) {
        while let Some(output) = self.core.poll_output() {
            match output {
                Output::Send { to, bytes } => {
                    assert!(!self.closed.contains_key(&to), "send after close");
                    self.inbox.get_mut(&to).unwrap().feed(&bytes);
                    self.sends.push((to, bytes));
                }
                Output::SendFile { to, body } => self.inbox.get_mut(&to).unwrap().feed(&body),
                Output::Close { id, reason } => {
                    assert!(self.closed.insert(id, reason).is_none(), "closed twice");
                }
                Output::ResumeReading { id } => {
                    assert!(!self.closed.contains_key(&id), "resume after close");
                    self.resumed.push(id);
                }
            }
        }
    }

    /// The driver reports everything queued for `id` written.
    pub(super) fn written_all(&mut self, id: ConnId) {
        let queued = self.core.queued(id).unwrap_or(0);
        self.core.handle_written(id, queued, self.now);
        self.drain();
    }

    /// Everything `id` received since last asked: frames, with file bodies checked.
    pub(super) fn items(&mut self, id: ConnId) -> Vec<Item<ServerFrame>> {
        let decoder = self.inbox.get_mut(&id).unwrap();
        let items: Vec<_> = decoder.by_ref().map(|i| i.expect("decodes")).collect();
        assert!(decoder.is_idle(), "a partial frame or body was left");
        items
    }

    pub(super) fn frames(&mut self, id: ConnId) -> Vec<ServerFrame> {
        self.items(id)
            .into_iter()
            .map(|item| match item {
                Item::Frame(frame) => frame,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    /// The texts `id` received, rendered as on the wire (`<HH:MM> ` included when timed).
    pub(super) fn texts(&mut self, id: ConnId) -> Vec<String> {
        self.frames(id)
            .into_iter()
            .map(|frame| match frame {
                ServerFrame::Text(t) => match t.time {
                    Some(time) => format!("<{time}> {}", t.body),
                    None => t.body,
                },
                other => panic!("expected a text, got {other:?}"),
            })
            .collect()
    }
}

pub(super) fn harness() -> Harness {
    Harness::new(Limits::default())
}

#[test]
fn auth_greets_first_then_tells_the_others_in_their_own_offsets() {
    let mut h = harness();
    let carol = h.login("carol", 10800);
    let bob = h.login("bob", -18000);
    assert_eq!(h.texts(carol), ["<23:29> bob connected"]);
    let dave = h.connect();
    h.send(
        dave,
        ClientFrame::Auth {
            name: "dave".into(),
            offset: None,
        },
    );
    assert_eq!(
        h.frames(dave),
        [ServerFrame::AuthOk(wording::GREETING.into())]
    );
    assert_eq!(h.texts(carol), ["<23:29> dave connected"]);
    assert_eq!(h.texts(bob), ["<15:29> dave connected"]);
    h.send(dave, ClientFrame::Text("hi all".into()));
    assert_eq!(h.texts(carol), ["<23:29> [dave] hi all"]);
    assert_eq!(h.texts(bob), ["<15:29> [dave] hi all"]);
    assert!(h.texts(dave).is_empty(), "no echo to the sender");
}

#[test]
fn a_relay_is_encoded_once_per_distinct_time_prefix() {
    let mut h = harness();
    let ids: Vec<_> = (0..4)
        .map(|i| h.login(&format!("u{i}"), if i % 2 == 0 { 0 } else { 3600 }))
        .collect();
    h.sends.clear();
    h.send(ids[0], ClientFrame::Text("x".into()));
    let mut pointers: Vec<_> = h.sends.iter().map(|(_, b)| b.as_ptr()).collect();
    assert_eq!(pointers.len(), 3);
    pointers.sort();
    pointers.dedup();
    assert_eq!(pointers.len(), 2, "two offsets, two encodings");
}

#[test]
fn a_burst_in_one_read_reaches_each_recipient_as_one_output_in_order() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    let carol = h.login("carol", 3600);
    h.texts(alice);
    h.texts(bob);
    h.sends.clear();
    let mut burst = Vec::new();
    for i in 0..100 {
        burst.extend(ClientFrame::Text(format!("line {i}")).to_bytes().unwrap());
    }
    h.bytes(alice, &burst);
    let per_recipient = |to| h.sends.iter().filter(|(id, _)| *id == to).count();
    assert_eq!((per_recipient(bob), per_recipient(carol)), (1, 1));
    let bob_saw = h.texts(bob);
    let carol_saw = h.texts(carol);
    assert_eq!(bob_saw.len(), 100);
    for (i, (b, c)) in bob_saw.iter().zip(&carol_saw).enumerate() {
        assert_eq!(b, &format!("<20:29> [alice] line {i}"));
        assert_eq!(c, &format!("<21:29> [alice] line {i}"));
    }
    // Something else queued in the middle of a burst (here a reply to the sender) ends the
    // batch; a notice from the server (no sender to skip) starts a new one: order holds.
    let mut mixed = ClientFrame::Text("before".into()).to_bytes().unwrap();
    mixed.extend(wire(0x09, b"?"));
    mixed.extend(ClientFrame::Text("after".into()).to_bytes().unwrap());
    h.bytes(alice, &mixed);
    assert_eq!(
        h.texts(bob),
        ["<20:29> [alice] before", "<20:29> [alice] after"]
    );
    assert_eq!(h.texts(alice).len(), 1, "the malformed frame's reply");
}

#[test]
fn names_are_unique_and_refusals_keep_the_connection() {
    let mut h = harness();
    h.login("alice", 0);
    let other = h.connect();
    h.send(other, ClientFrame::auth("alice", 0));
    assert_eq!(h.texts(other), [wording::NAME_TAKEN]);
    for bad in ["a b 0", "[x] 0", "x 50401", "x nope"] {
        h.bytes(other, &wire(0, bad.as_bytes()));
    }
    assert_eq!(
        h.texts(other),
        [
            wording::NAME_INVALID,
            wording::NAME_INVALID,
            wording::OFFSET_INVALID,
            wording::OFFSET_INVALID
        ]
    );
    h.send(other, ClientFrame::auth("alice2", 0));
    assert!(matches!(h.frames(other)[..], [ServerFrame::AuthOk(_)]));
    assert!(h.closed.is_empty());
}

#[test]
fn rename_takes_the_first_word_and_frees_the_old_name() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    h.send(
        alice,
        ClientFrame::Rename(">>chname<< carol the great".into()),
    );
    assert_eq!(
        h.frames(alice),
        [ServerFrame::Renamed("Username changed to carol".into())]
    );
    assert_eq!(
        h.texts(bob),
        ["<20:29> User [alice] changed username to [carol]"]
    );
    h.send(bob, ClientFrame::rename("carol"));
    assert_eq!(h.texts(bob), [wording::NAME_TAKEN]);
    h.send(bob, ClientFrame::rename("alice"));
    assert_eq!(
        h.frames(bob),
        [ServerFrame::Renamed("Username changed to alice".into())]
    );
    h.send(bob, ClientFrame::Rename(">>chname<<".into()));
    h.send(bob, ClientFrame::rename("a]b"));
    assert_eq!(h.texts(bob), [wording::RENAME_USAGE, wording::NAME_INVALID]);
}

#[test]
fn exit_and_drop_free_the_name_and_tell_the_others() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    let lurker = h.connect();
    h.texts(alice);
    h.send(bob, ClientFrame::exit());
    assert_eq!(h.closed.get(&bob), Some(&CloseReason::Exit));
    assert_eq!(h.texts(alice), ["<20:29> User bob disconnected"]);
    h.core.handle_disconnect(lurker, h.now);
    h.drain();
    assert!(
        h.texts(alice).is_empty(),
        "no notice for the unauthenticated"
    );
    let bob2 = h.login("bob", 0);
    h.core.handle_disconnect(bob2, h.now);
    h.drain();
    assert_eq!(
        h.texts(alice),
        ["<20:29> bob connected", "<20:29> User bob disconnected"]
    );
    assert_eq!(h.core.connections(), 1);
}

#[test]
fn before_auth_only_auth_and_exit_count_and_nothing_is_broadcast_to_it() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let lurker = h.connect();
    h.send(lurker, ClientFrame::Text("hello?".into()));
    h.send(lurker, ClientFrame::rename("x"));
    h.send(alice, ClientFrame::Text("secret".into()));
    assert_eq!(
        h.texts(lurker),
        [wording::LOGIN_FIRST, wording::LOGIN_FIRST]
    );
    assert!(h.texts(alice).is_empty());
    h.send(lurker, ClientFrame::exit());
    assert_eq!(h.closed.get(&lurker), Some(&CloseReason::Exit));
}

#[test]
fn malformed_frames_get_a_reply_and_the_stream_stays_in_sync() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    let mut stream = b"\x00\x00".to_vec();
    stream.extend_from_slice(&wire(7, b"zz"));
    stream.extend_from_slice(&wire(3, b"\xc3\x28"));
    stream.extend_from_slice(&wire(2, b"ab"));
    stream.extend_from_slice(&ClientFrame::auth("again", 0).to_bytes().unwrap());
    stream.extend_from_slice(&ClientFrame::Text("still here".into()).to_bytes().unwrap());
    h.bytes(bob, &stream);
    let replies = h.texts(bob);
    assert_eq!(replies.len(), 5);
    assert!(replies[..4]
        .iter()
        .all(|r| r.starts_with("Frame ignored: ")));
    assert_eq!(replies[4], wording::ALREADY_AUTHENTICATED);
    assert_eq!(h.texts(alice), ["<20:29> [bob] still here"]);
}

#[test]
fn the_longest_relayable_text_passes_and_one_byte_more_is_refused() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    let max = 65_523 - "bob".len();
    h.send(bob, ClientFrame::Text("x".repeat(max)));
    let got = h.frames(alice);
    assert!(matches!(&got[..], [ServerFrame::Text(t)] if t.body.len() == max + 6));
    h.send(bob, ClientFrame::Text("x".repeat(max + 1)));
    h.send(bob, ClientFrame::Text("x".repeat(65_534)));
    assert!(h.frames(alice).is_empty());
    assert_eq!(
        h.texts(bob),
        [wording::text_too_long(max), wording::text_too_long(max)]
    );
}

#[test]
fn max_clients_and_auth_timeout() {
    let mut h = Harness::new(Limits {
        max_clients: 2,
        auth_timeout: Duration::from_secs(5),
        ..Limits::default()
    });
    let alice = h.login("alice", 0);
    let idle = h.connect();
    let third = h.connect();
    assert_eq!(h.texts(third), [wording::SERVER_FULL]);
    assert_eq!(h.closed.get(&third), Some(&CloseReason::ServerFull));
    assert_eq!(h.core.next_deadline(), Some(Duration::from_secs(5)));
    h.now.elapsed = Duration::from_secs(4);
    h.core.handle_tick(h.now);
    h.drain();
    assert!(!h.closed.contains_key(&idle));
    h.now.elapsed = Duration::from_secs(5);
    h.core.handle_tick(h.now);
    h.drain();
    assert_eq!(h.texts(idle), [wording::AUTH_TIMEOUT]);
    assert_eq!(h.closed.get(&idle), Some(&CloseReason::AuthTimeout));
    assert!(!h.closed.contains_key(&alice));
    assert_eq!(h.core.next_deadline(), None);
}

/// A frame by hand: length, type, payload (for payloads the encoder would refuse).
pub(super) fn wire(frame_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(payload.len() + 1)
        .unwrap()
        .to_be_bytes()
        .to_vec();
    out.push(frame_type);
    out.extend_from_slice(payload);
    out
}
