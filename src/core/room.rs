//! Membership and fan-out: the sessions by connection, the names in use, the output queue the
//! driver drains, and per-recipient queue accounting.
//!
//! Every byte the core addresses to a connection goes through [`Room::send`] (or
//! [`Room::send_file`], or [`Room::broadcast`]), which charges its queue cost. Nothing is
//! dropped: a charge that leaves a connection over the limit is listed in [`Room::filled`],
//! and the core pauses the sender of the step (see `flow`).

use std::collections::{BTreeMap, HashMap, VecDeque};

use bytes::{Bytes, BytesMut};

use super::session::Session;
use super::{ConnId, Output, FILE_QUEUE_COST};
use crate::protocol::{Frame, HhMm, ServerFrame};

/// Everyone connected, what they are owed, and who went over the limit this step.
#[derive(Debug)]
pub(super) struct Room<U, B> {
    pub sessions: BTreeMap<ConnId, Session<U>>,
    pub names: HashMap<String, ConnId>,
    pub outputs: VecDeque<Output<B>>,
    /// Connections charged past the limit since the core last looked (repeats possible).
    pub filled: Vec<ConnId>,
    pub queue_limit: u64,
    /// Broadcasts' render cache, kept between them so its list is not reallocated each time.
    render: RenderCache,
}

impl<U, B> Room<U, B> {
    pub fn new(queue_limit: u64) -> Self {
        Self {
            sessions: BTreeMap::new(),
            names: HashMap::new(),
            outputs: VecDeque::new(),
            filled: Vec::new(),
            queue_limit,
            render: RenderCache::default(),
        }
    }

    /// Charges `cost` to `to`'s queue, listing `to` in `filled` when that takes it over the
    /// limit; false when `to` is gone.
    fn charge(&mut self, to: ConnId, cost: u64) -> bool {
        let Some(session) = self.sessions.get_mut(&to) else {
            return false;
        };
        session.queued = session.queued.saturating_add(cost);
        if session.queued > self.queue_limit {
            self.filled.push(to);
        }
        true
    }

    /// Queues encoded frame bytes for `to`.
    pub fn send(&mut self, to: ConnId, bytes: Bytes) {
        if self.charge(to, bytes.len() as u64) {
            self.outputs.push_back(Output::Send { to, bytes });
        }
    }

    /// Queues a relayed file header and its stored body for `to`, as one unit: both or neither.
    pub fn send_file(&mut self, to: ConnId, header: Bytes, body: B, empty: bool) {
        let cost = header.len() as u64 + if empty { 0 } else { FILE_QUEUE_COST };
        if self.charge(to, cost) {
            self.outputs.push_back(Output::Send { to, bytes: header });
            if !empty {
                self.outputs.push_back(Output::SendFile { to, body });
            }
        }
    }

    /// Queues one frame for `to`.
    pub fn send_frame(&mut self, to: ConnId, frame: &ServerFrame) {
        if let Some(bytes) = encode(frame) {
            self.send(to, bytes);
        }
    }

    /// Queues an untimed 0x03 reply for `to`.
    pub fn reply(&mut self, to: ConnId, text: impl Into<String>) {
        self.send_frame(to, &ServerFrame::reply(text));
    }

    /// The authenticated connections other than `except`, with their offsets, in id order.
    pub fn recipients(&self, except: Option<ConnId>) -> Vec<(ConnId, i32)> {
        self.sessions
            .iter()
            .filter(|(id, s)| s.name.is_some() && Some(**id) != except)
            .map(|(id, s)| (*id, s.offset))
            .collect()
    }

    /// Sends `render(time)` to every authenticated connection but `except`, with `time` in the
    /// recipient's offset. Each distinct `<HH:MM>` is encoded once and shared. One pass over
    /// the sessions charges each recipient as it goes (the same rule as [`Room::send`]), with
    /// no list of recipients built first.
    pub fn broadcast(&mut self, except: Option<ConnId>, unix_secs: i64, body: &str) {
        let Room {
            sessions,
            outputs,
            filled,
            queue_limit,
            render: rendered,
            ..
        } = self;
        rendered.clear();
        for (&to, session) in sessions.iter_mut() {
            if session.name.is_none() || Some(to) == except {
                continue;
            }
            let time = HhMm::from_unix(unix_secs, session.offset);
            let Some(bytes) = rendered.get(time, || ServerFrame::timed_text(time, body.to_owned()))
            else {
                continue;
            };
            session.queued = session.queued.saturating_add(bytes.len() as u64);
            if session.queued > *queue_limit {
                filled.push(to);
            }
            outputs.push_back(Output::Send { to, bytes });
        }
    }
}

/// Encodes a frame the core built. The core only builds frames that fit, so an error is a bug
/// worth a log line, never a panic or a corrupt frame.
pub(super) fn encode(frame: &ServerFrame) -> Option<Bytes> {
    // Sized up front: one allocation, no regrowth (the prefix is 2 bytes, the type 1).
    let mut out = BytesMut::with_capacity(frame.payload_len().map_or(0, |n| n + 3));
    match frame.encode(&mut out) {
        Ok(_) => Some(out.freeze()),
        Err(error) => {
            tracing::error!(%error, ?frame, "dropped a frame that does not encode");
            None
        }
    }
}

/// Distinct time prefixes kept in a list before the cache switches to a map (most rooms
/// share one or a few offsets, and a short list beats hashing for those).
const RENDER_LIST: usize = 8;

/// One encoding per distinct time prefix during a fan-out (at most 1 440 of them).
#[derive(Debug, Default)]
pub(super) struct RenderCache {
    list: Vec<(HhMm, Option<Bytes>)>,
    by_time: HashMap<HhMm, Option<Bytes>>,
}

impl RenderCache {
    /// Forgets every encoding, keeping the list's memory.
    pub fn clear(&mut self) {
        self.list.clear();
        if !self.by_time.is_empty() {
            self.by_time = HashMap::new();
        }
    }

    /// The encoding for `time`, built by `frame` the first time it is asked for.
    pub fn get(&mut self, time: HhMm, frame: impl FnOnce() -> ServerFrame) -> Option<Bytes> {
        if let Some((_, bytes)) = self.list.iter().find(|(t, _)| *t == time) {
            return bytes.clone();
        }
        if self.list.len() < RENDER_LIST {
            let bytes = encode(&frame());
            self.list.push((time, bytes.clone()));
            return bytes;
        }
        self.by_time
            .entry(time)
            .or_insert_with(|| encode(&frame()))
            .clone()
    }
}
