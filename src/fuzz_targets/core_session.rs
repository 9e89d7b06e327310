//! `core_session`: arbitrary operations — connect, bytes from connection k in arbitrary chunks
//! (typed frames, chosen names and filenames, raw bytes, file bodies), disconnect, bytes
//! written, time passing — drive a [`Core`] over a [`MemorySpool`]. After every step the
//! invariants are checked: no panic; names unique and consistent; nothing but replies and the
//! greeting reaches an unauthenticated connection; every output decodes with the project
//! decoder, whole frames and contiguous file bodies; nobody receives their own broadcast;
//! queues within the limit and accounted exactly; stored names safe; no partial upload left
//! behind by a departed connection.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};

use crate::core::{ConnId, Core, Limits, MemorySpool, Now, Output};
use crate::protocol::{ClientFileHeader, ClientFrame, Frame, Item, ServerFrame, StreamDecoder};
use crate::safe_name::is_safe_name;

/// Names to log in and rename with: valid ones that collide, and invalid ones.
const NAMES: [&str; 8] = [
    "alice",
    "bob",
    "carol",
    "dave",
    "a b",
    "[x]",
    "",
    "0123456789abcdef0123456789abcdef!",
];
/// Offsets: in range, at the edges, and just outside.
const OFFSETS: [i32; 6] = [0, 10_800, -18_000, 50_400, 50_401, -50_401];
/// Filenames, hostile ones included.
const FILENAMES: [&str; 7] = [
    "f.txt",
    "../../etc/passwd",
    "/abs",
    "a\0b",
    "..",
    ".hidden",
    "",
];
const LIMITS: Limits = Limits {
    max_clients: 5,
    auth_timeout: Duration::from_secs(30),
    max_file_size: 2048,
    queue_limit: 96 * 1024,
    stall_timeout: Duration::from_secs(2),
    spool_limit: 64 * 1024,
};
/// How far past its queue limit a connection may be charged: nothing is dropped, so each
/// paused sender may add one step's worth (a relayed text, or a file header and body cost and
/// its notice), plus the notices nobody sent.
const OVERSHOOT: u64 = (MAX_PEERS as u64 + 1) * 2 * 65_540;
const MAX_PEERS: usize = 8;
const MAX_OPS: usize = 256;

#[derive(Debug, Arbitrary)]
enum Op {
    Connect,
    Login {
        conn: u8,
        name: u8,
        offset: u8,
    },
    Rename {
        conn: u8,
        name: u8,
    },
    Say {
        conn: u8,
        len: u16,
    },
    Upload {
        conn: u8,
        filename: u8,
        size: u16,
    },
    Frames {
        conn: u8,
        frames: Vec<ClientFrame>,
        chunk: u8,
    },
    Raw {
        conn: u8,
        bytes: Vec<u8>,
    },
    Body {
        conn: u8,
        len: u16,
        fill: u8,
    },
    Disconnect {
        conn: u8,
    },
    Written {
        conn: u8,
        cost: u16,
    },
    WrittenAll {
        conn: u8,
    },
    Advance {
        secs: u8,
    },
}

/// The harness's view of one connection, built only from what the core sent it.
struct Peer {
    decoder: StreamDecoder<ServerFrame>,
    authenticated: bool,
    /// Queue cost sent and not yet reported written.
    owed: u64,
}

struct Harness {
    core: Core<MemorySpool>,
    now: Now,
    peers: BTreeMap<ConnId, Peer>,
    next: u64,
}

/// Runs the `core_session` target on one input.
pub fn core_session(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut h = Harness {
        core: Core::new(LIMITS, MemorySpool::new()),
        now: Now {
            unix_secs: 1_717_273_740,
            elapsed: Duration::ZERO,
        },
        peers: BTreeMap::new(),
        next: 0,
    };
    for _ in 0..MAX_OPS {
        let Ok(op) = Op::arbitrary(&mut u) else {
            break;
        };
        h.apply(op);
        if u.is_empty() {
            break;
        }
    }
    h.core.handle_shutdown();
    h.drain(None);
    assert!(h.peers.is_empty(), "shutdown closes every connection");
    assert!(
        h.core.spool().partial().is_empty(),
        "shutdown removes partial uploads"
    );
}

impl Harness {
    fn pick(&self, conn: u8) -> Option<ConnId> {
        let n = self.peers.len();
        (n > 0).then(|| self.peers.keys().nth(usize::from(conn) % n).copied())?
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Connect if self.peers.len() < MAX_PEERS => {
                let id = ConnId(self.next);
                self.next += 1;
                self.peers.insert(
                    id,
                    Peer {
                        decoder: StreamDecoder::new(),
                        authenticated: false,
                        owed: 0,
                    },
                );
                self.core.handle_connect(id, self.now);
                self.drain(Some(id));
            }
            Op::Connect => {}
            Op::Login { conn, name, offset } => {
                let frame = ClientFrame::Auth {
                    name: NAMES[usize::from(name) % NAMES.len()].to_owned(),
                    offset: Some(OFFSETS[usize::from(offset) % OFFSETS.len()]),
                };
                self.frames(conn, &[frame], usize::MAX);
            }
            Op::Rename { conn, name } => {
                let frame = ClientFrame::rename(NAMES[usize::from(name) % NAMES.len()]);
                self.frames(conn, &[frame], usize::MAX);
            }
            Op::Say { conn, len } => {
                // Mostly short; one in four up to the largest frame, past what a relay can
                // carry (long texts are what make queues overflow, but they are slow).
                let len = if len % 4 == 0 {
                    usize::from(len)
                } else {
                    usize::from(len) % 512
                };
                let text = "m".repeat(len.min(65_534));
                self.frames(conn, &[ClientFrame::Text(text)], usize::MAX);
            }
            Op::Upload {
                conn,
                filename,
                size,
            } => {
                let frame = ClientFrame::File(ClientFileHeader {
                    size: u32::from(size % 4096),
                    filename: FILENAMES[usize::from(filename) % FILENAMES.len()].to_owned(),
                    caption: None,
                });
                self.frames(conn, &[frame], usize::MAX);
            }
            Op::Frames {
                conn,
                frames,
                chunk,
            } => self.frames(conn, &frames, usize::from(chunk).max(1)),
            Op::Raw { conn, bytes } => self.bytes(conn, &bytes, usize::MAX),
            Op::Body { conn, len, fill } => {
                self.bytes(conn, &vec![fill; usize::from(len) % 4096], usize::MAX)
            }
            Op::Disconnect { conn } => {
                if let Some(id) = self.pick(conn) {
                    self.peers.remove(&id);
                    self.core.handle_disconnect(id, self.now);
                    self.drain(None);
                }
            }
            Op::Written { conn, cost } => self.written(conn, u64::from(cost)),
            Op::WrittenAll { conn } => self.written(conn, u64::MAX),
            Op::Advance { secs } => {
                self.now.elapsed += Duration::from_secs(u64::from(secs));
                self.now.unix_secs += i64::from(secs);
                self.core.handle_tick(self.now);
                self.drain(None);
            }
        }
    }

    fn frames(&mut self, conn: u8, frames: &[ClientFrame], chunk: usize) {
        let mut bytes = Vec::new();
        for frame in frames {
            // Frames the encoder refuses would be a different test (the decoder's).
            let _ = frame.encode(&mut bytes);
        }
        self.bytes(conn, &bytes, chunk);
    }

    /// Feeds `bytes` from one connection in chunks; every chunk is a step.
    fn bytes(&mut self, conn: u8, bytes: &[u8], chunk: usize) {
        let Some(id) = self.pick(conn) else {
            return;
        };
        for piece in bytes.chunks(chunk.max(1)) {
            if !self.peers.contains_key(&id) {
                return;
            }
            self.core.handle_bytes(id, piece, self.now);
            self.drain(Some(id));
        }
    }

    fn written(&mut self, conn: u8, cost: u64) {
        let Some(id) = self.pick(conn) else {
            return;
        };
        if let Some(peer) = self.peers.get_mut(&id) {
            let cost = cost.min(peer.owed);
            peer.owed -= cost;
            self.core.handle_written(id, cost, self.now);
            self.drain(None);
            self.check();
        }
    }

    /// Takes every output of the step (whose input came from `active`) and checks it.
    fn drain(&mut self, active: Option<ConnId>) {
        while let Some(output) = self.core.poll_output() {
            let cost = output.queue_cost();
            let (to, bytes) = match output {
                Output::Close { id, .. } => {
                    assert!(self.peers.remove(&id).is_some(), "close of unknown {id}");
                    continue;
                }
                Output::ResumeReading { id } => {
                    assert!(self.peers.contains_key(&id), "resume of unknown {id}");
                    assert!(!self.core.is_paused(id), "{id} resumed but still paused");
                    continue;
                }
                Output::Send { to, bytes } => (to, bytes),
                Output::SendFile { to, body } => (to, body),
            };
            let peer = self
                .peers
                .get_mut(&to)
                .unwrap_or_else(|| panic!("output to unknown or closed {to}"));
            peer.owed += cost;
            peer.decoder.feed(&bytes);
            while let Some(item) = peer.decoder.next_item() {
                let item = item.unwrap_or_else(|e| panic!("{to} got a malformed frame: {e}"));
                let Item::Frame(frame) = item else { continue };
                if !peer.authenticated {
                    match &frame {
                        ServerFrame::AuthOk(_) => peer.authenticated = true,
                        ServerFrame::Text(t) if t.time.is_none() => {}
                        other => panic!("unauthenticated {to} received {other:?}"),
                    }
                    continue;
                }
                let sender = match &frame {
                    ServerFrame::AuthOk(_) => panic!("{to} greeted twice"),
                    ServerFrame::Text(t) if t.time.is_some() => t.chat_line().map(|(s, _)| s),
                    ServerFrame::File(h) => {
                        assert!(is_safe_name(&h.filename), "relayed {:?}", h.filename);
                        Some(h.sender.as_str())
                    }
                    _ => None,
                };
                if let Some(sender) = sender {
                    assert_ne!(Some(to), active, "{to} received its own broadcast");
                    assert_ne!(self.core.name_of(to), Some(sender), "{to} got its own line");
                }
            }
        }
        self.check();
    }

    /// The invariants between steps.
    fn check(&self) {
        assert_eq!(
            self.core.connections(),
            self.peers.len(),
            "core and harness agree"
        );
        let mut names = HashSet::new();
        for (&id, peer) in &self.peers {
            assert!(peer.decoder.is_idle(), "{id} holds a partial frame or body");
            assert!(
                peer.owed <= LIMITS.queue_limit + OVERSHOOT,
                "{id} owed {}",
                peer.owed
            );
            assert_eq!(
                self.core.queued(id),
                Some(peer.owed),
                "{id} queue accounting"
            );
            let name = self.core.name_of(id);
            assert_eq!(name.is_some(), peer.authenticated, "{id} auth state");
            if let Some(name) = name {
                assert!(names.insert(name), "name {name} held twice");
            }
        }
        assert_eq!(self.core.names().count(), names.len());
        assert!(self
            .core
            .names()
            .all(|(n, id)| self.core.name_of(id) == Some(n)));
        let spool = self.core.spool();
        assert!(
            spool.partial().len() <= self.peers.len(),
            "orphaned partial upload"
        );
        for name in spool.stored().keys().chain(spool.partial()) {
            assert!(is_safe_name(name), "stored as {name:?}");
        }
        assert!(spool
            .stored()
            .values()
            .all(|f| f.len() as u64 <= LIMITS.max_file_size));
    }
}
