//! `proxy --check`: the reference core, as the network fuzzer's model oracle
//! ([`crate::netfuzz::oracle_core::Model`]) runs it, fed the frames each client sent through the
//! proxy, predicts what each client must receive; each frame the real server sent is checked
//! against that prediction with the runner's matcher, and every difference is a [`Deviation`].
//! Time prefixes are checked against the recipient's declared offset (±1 min), greeting and
//! reply wording are free, as in the fuzzer. Frames of different senders that race may be
//! reported in the reference's order only; the checker reports what it saw.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::event::{Direction, Event, EventKind};
use super::summary::frame_summary;
use super::watch::{AnyFrame, Seen};
use crate::language::model::{Action, Expectation, FrameMatch, Part};
use crate::language::writer;
use crate::netfuzz::oracle_core::{Model, Profile};
use crate::protocol::{ClientFrame, ServerFrame};
use crate::record::{check_frame, Body, Incoming, Received};

/// One way the real server differed from the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// The connection.
    pub conn: u64,
    /// In words: what arrived and what the reference sends.
    pub text: String,
}

#[derive(Debug, Default)]
struct Conn {
    name: Option<String>,
    offset: i32,
    authenticated: bool,
    predicted: VecDeque<Expectation>,
}

/// The model and each connection's predicted frames.
pub struct Checker {
    model: Model,
    conns: BTreeMap<u64, Conn>,
    /// Deviations so far.
    pub count: usize,
}

impl Default for Checker {
    fn default() -> Self {
        Self {
            model: Model::new(Profile::Robust),
            conns: BTreeMap::new(),
            count: 0,
        }
    }
}

fn key(conn: u64) -> String {
    format!("#{conn}")
}

/// An expected pattern in the scenario language (`notice "bob connected"`).
fn shown(expected: &Expectation) -> String {
    format!("`{}`", writer::expectation(expected))
}

impl Checker {
    /// A checker with nobody connected.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one event in; returns the deviations it shows.
    pub fn add(&mut self, event: &Event) -> Vec<Deviation> {
        let id = event.conn;
        let mut found = Vec::new();
        match &event.kind {
            EventKind::Opened { .. } => {
                self.conns.insert(id, Conn::default());
                self.model.connect(&key(id));
                self.collect();
            }
            EventKind::Seen {
                dir: Direction::ToServer,
                seen,
            } => {
                let part = match seen {
                    Seen::Frame {
                        frame: AnyFrame::Client(frame),
                        ..
                    } => {
                        if let ClientFrame::Auth { name, offset } = frame {
                            let conn = self.conns.entry(id).or_default();
                            conn.name = Some(name.clone());
                            conn.offset = offset.unwrap_or(0);
                        }
                        Some(Part::Frame(frame.clone()))
                    }
                    Seen::FileBody { digest, kept } => {
                        let mut body = kept.to_vec();
                        body.resize(usize::try_from(digest.len).unwrap_or(body.len()), 0);
                        Some(Part::Raw(body))
                    }
                    Seen::Malformed { error, .. } => Some(Part::Raw(error.raw.to_vec())),
                    Seen::Frame { .. } => None,
                };
                if let Some(part) = part {
                    self.model.send(&key(id), &[part]);
                    self.collect();
                }
            }
            EventKind::Seen {
                dir: Direction::ToClient,
                seen:
                    Seen::Frame {
                        frame: AnyFrame::Server(frame),
                        ..
                    },
            } => {
                if let Some(text) = self.check(id, event, frame) {
                    found.push(Deviation { conn: id, text });
                }
            }
            EventKind::Closed {
                dir: Direction::ToServer,
                ..
            } => {
                self.model.leave(&key(id));
                self.collect();
            }
            EventKind::Closed {
                dir: Direction::ToClient,
                ..
            } => {
                let conn = self.conns.entry(id).or_default();
                let missing: Vec<String> = conn
                    .predicted
                    .drain(..)
                    .filter(|e| !matches!(e, Expectation::Closed))
                    .map(|e| shown(&e))
                    .collect();
                if !missing.is_empty() {
                    found.push(Deviation {
                        conn: id,
                        text: format!(
                            "{} closed before it got {} that the reference sends",
                            who(id, conn),
                            missing.join(", ")
                        ),
                    });
                }
            }
            _ => {}
        }
        self.count += found.len();
        found
    }

    /// Moves what the model owes every client into their predicted queues.
    fn collect(&mut self) {
        let keys: Vec<String> = self.conns.keys().map(|id| key(*id)).collect();
        let clients: Vec<&str> = keys.iter().map(String::as_str).collect();
        for action in self.model.expect(&clients) {
            let Action::Expect(expect) = action else {
                continue;
            };
            let Some(id) = expect.client.strip_prefix('#').and_then(|n| n.parse().ok()) else {
                continue;
            };
            let conn = self.conns.entry(id).or_default();
            for expectation in expect.alternatives.into_iter().flatten() {
                if matches!(expectation, Expectation::Frame(FrameMatch::AuthOk(_))) {
                    conn.authenticated = true;
                }
                conn.predicted.push_back(expectation);
            }
        }
    }

    fn check(&mut self, id: u64, event: &Event, frame: &ServerFrame) -> Option<String> {
        let conn = self.conns.entry(id).or_default();
        let received = Received {
            at: event.at,
            incoming: match frame {
                // Only the header is compared: the body is the sender's, checked by nobody here.
                ServerFrame::File(header) => Incoming::File {
                    header: header.clone(),
                    body: Arc::new(Body::new()),
                    complete: true,
                },
                other => Incoming::Frame(other.clone()),
            },
        };
        let offset = conn.offset;
        let fits = |expected: &Expectation| match expected {
            Expectation::Frame(FrameMatch::File(file)) => {
                let mut header_only = file.clone();
                header_only.body = None;
                check_frame(&FrameMatch::File(header_only), &received, offset).is_ok()
            }
            Expectation::Frame(pattern) => check_frame(pattern, &received, offset).is_ok(),
            _ => false,
        };
        let got = format!("`{}`", frame_summary(&AnyFrame::Server(frame.clone())));
        let Some(front) = conn.predicted.front() else {
            let why = if conn.authenticated {
                "the reference sends nothing here"
            } else {
                "the reference sends nothing to a connection that has not authenticated"
            };
            return Some(format!("{} got {got}; {why}", who(id, conn)));
        };
        if fits(front) {
            conn.predicted.pop_front();
            return None;
        }
        let first = shown(front);
        if let Some(later) = conn.predicted.iter().position(fits) {
            conn.predicted.remove(later);
            return Some(format!(
                "{} got {got} before {first}; the reference sends {first} first",
                who(id, conn)
            ));
        }
        conn.predicted.pop_front();
        Some(format!(
            "{} got {got}; the reference sends {first}",
            who(id, conn)
        ))
    }
}

fn who(id: u64, conn: &Conn) -> String {
    match &conn.name {
        Some(name) => format!("#{id} ({name})"),
        None => format!("#{id}"),
    }
}
