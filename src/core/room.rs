//! Membership and fan-out: the sessions by connection, the names in use, the output queue the
//! driver drains, and per-recipient queue accounting.
//!
//! Every byte the core addresses to a connection goes through [`Room::send`] (or
//! [`Room::send_file`], [`Room::broadcast`], [`Room::relay_line`]), which charges its queue
//! cost: the fields are private, so nothing else can queue an output. Nothing is dropped: a
//! charge that leaves a connection over the limit is listed in the room's `filled` list
//! ([`Room::take_filled`]), and the core pauses the sender of the step (see `flow`).
//! Broadcasts in a row are batched (`batch`); the batch in progress is handed out before
//! anything else charges a queue, queues an output or changes who is in the room.

use std::collections::{BTreeMap, HashMap, VecDeque};

use bytes::{Bytes, BytesMut};

use super::batch::Batch;
use super::session::Session;
use super::{ConnId, Output, FILE_QUEUE_COST};
use crate::protocol::{Frame, HhMm, ServerFrame};

/// Everyone connected, what they are owed, and who went over the limit this step.
#[derive(Debug)]
pub(super) struct Room<U, B> {
    sessions: BTreeMap<ConnId, Session<U>>,
    names: HashMap<String, ConnId>,
    outputs: VecDeque<Output<B>>,
    /// Connections charged past the limit since the core last looked (repeats possible).
    filled: Vec<ConnId>,
    queue_limit: u64,
    /// Consecutive broadcasts rendered together (see `batch`).
    batch: Batch,
}

impl<U, B> Room<U, B> {
    pub fn new(queue_limit: u64) -> Self {
        Self {
            sessions: BTreeMap::new(),
            names: HashMap::new(),
            outputs: VecDeque::new(),
            filled: Vec::new(),
            queue_limit,
            batch: Batch::default(),
        }
    }

    /// The session of `id`, if it is connected.
    pub fn session(&self, id: ConnId) -> Option<&Session<U>> {
        self.sessions.get(&id)
    }

    /// The session of `id`, to change, if it is connected.
    pub fn session_mut(&mut self, id: ConnId) -> Option<&mut Session<U>> {
        self.sessions.get_mut(&id)
    }

    /// Whether `id` is connected.
    pub fn contains(&self, id: ConnId) -> bool {
        self.sessions.contains_key(&id)
    }

    /// Connections (authenticated or not).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// A new connection, not yet authenticated.
    pub fn admit(&mut self, id: ConnId, session: Session<U>) {
        self.end_batch();
        self.sessions.insert(id, session);
    }

    /// Forgets `id` and frees its name; returns its session.
    pub fn leave(&mut self, id: ConnId) -> Option<Session<U>> {
        self.end_batch();
        let session = self.sessions.remove(&id)?;
        if let Some(name) = &session.name {
            self.names.remove(name);
        }
        Some(session)
    }

    /// Forgets everyone (the server stops); returns their sessions, in id order.
    pub fn empty(&mut self) -> Vec<(ConnId, Session<U>)> {
        self.end_batch();
        self.names.clear();
        self.filled.clear();
        std::mem::take(&mut self.sessions).into_iter().collect()
    }

    /// Whether someone uses `name`.
    pub fn name_taken(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    /// The names in use, with their connections.
    pub fn names(&self) -> impl Iterator<Item = (&str, ConnId)> {
        self.names.iter().map(|(name, id)| (name.as_str(), *id))
    }

    /// Gives `id` the (free) `name`, and sets its offset: it is authenticated. False when
    /// `id` is gone.
    pub fn authenticate(&mut self, id: ConnId, name: &str, offset: i32) -> bool {
        self.end_batch();
        let Some(session) = self.sessions.get_mut(&id) else {
            return false;
        };
        session.name = Some(name.to_owned());
        session.offset = offset;
        self.names.insert(name.to_owned(), id);
        true
    }

    /// Gives authenticated `id` the (free) name `new`; returns its old name.
    pub fn rename(&mut self, id: ConnId, new: &str) -> Option<String> {
        self.end_batch();
        let old = self.sessions.get_mut(&id)?.name.replace(new.to_owned())?;
        self.names.remove(&old);
        self.names.insert(new.to_owned(), id);
        Some(old)
    }

    /// Asks the driver to close `id` (already forgotten, or never admitted).
    pub fn close(&mut self, id: ConnId, reason: super::CloseReason) {
        self.queue(Output::Close { id, reason });
    }

    /// Tells a connection the room will not admit why, and asks the driver to close it (it
    /// has no queue to charge).
    pub fn refuse(&mut self, id: ConnId, reply: &str, reason: super::CloseReason) {
        if let Some(bytes) = encode(&ServerFrame::reply(reply)) {
            self.queue(Output::Send { to: id, bytes });
        }
        self.close(id, reason);
    }

    /// Asks the driver to read `id` again.
    pub fn resume_reading(&mut self, id: ConnId) {
        self.queue(Output::ResumeReading { id });
    }

    /// The next output for the driver, in order.
    pub fn next_output(&mut self) -> Option<Output<B>> {
        self.end_batch();
        self.outputs.pop_front()
    }

    /// The connections charged past the limit since last asked (give the list back with
    /// [`Room::give_back_filled`], emptied, to keep its memory).
    pub fn take_filled(&mut self) -> Vec<ConnId> {
        std::mem::take(&mut self.filled)
    }

    /// Returns the (emptied) list [`Room::take_filled`] gave out.
    pub fn give_back_filled(&mut self, mut list: Vec<ConnId>) {
        list.clear();
        list.append(&mut self.filled);
        self.filled = list;
    }

    /// Appends an output for the driver, after the broadcast batch in progress.
    fn queue(&mut self, output: Output<B>) {
        self.end_batch();
        self.outputs.push_back(output);
    }

    /// Charges `cost` to `to`'s queue, listing `to` in `filled` when that takes it over the
    /// limit; false when `to` is gone.
    fn charge(&mut self, to: ConnId, cost: u64) -> bool {
        self.end_batch();
        let Some(session) = self.sessions.get_mut(&to) else {
            return false;
        };
        if add_cost(session, cost, self.queue_limit) {
            self.filled.push(to);
        }
        true
    }

    /// Queues encoded frame bytes for `to`.
    pub fn send(&mut self, to: ConnId, bytes: Bytes) {
        if self.charge(to, bytes.len() as u64) {
            self.queue(Output::Send { to, bytes });
        }
    }

    /// Queues a relayed file header and its stored body for `to`, as one unit: both or neither.
    pub fn send_file(&mut self, to: ConnId, header: Bytes, body: B, empty: bool) {
        let cost = header.len() as u64 + if empty { 0 } else { FILE_QUEUE_COST };
        if self.charge(to, cost) {
            self.queue(Output::Send { to, bytes: header });
            if !empty {
                self.queue(Output::SendFile { to, body });
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

    /// Sends the notice `text` to every authenticated connection but `except`, with its
    /// `<HH:MM>` in the recipient's offset. Broadcasts in a row that skip the same connection
    /// join one [`Batch`]: rendered once per distinct offset, handed out (and charged) when
    /// the batch ends, at the latest when the core's step ends ([`Room::end_batch`]) or
    /// anything else is queued.
    pub fn broadcast(&mut self, except: Option<ConnId>, unix_secs: i64, text: &str) {
        if self.join_batch(except) && self.batch.render(unix_secs, &[text]) {
            self.end_batch();
        }
    }

    /// Relays authenticated `from`'s chat line `[name] message` to everyone else, as
    /// [`Room::broadcast`] does (no line is built: `<HH:MM> [name] ` is rendered once per
    /// batch and offset, and the message copied behind it).
    pub fn relay_line(&mut self, from: ConnId, unix_secs: i64, message: &str) {
        if !self.join_batch(Some(from)) {
            return;
        }
        if !self.batch.has_line_prefix(unix_secs) {
            let Some(name) = self.sessions.get(&from).and_then(|s| s.name.as_deref()) else {
                return;
            };
            self.batch.set_line_prefix(unix_secs, name);
        }
        if self.batch.render_line(message) {
            self.end_batch();
        }
    }

    /// Makes sure a batch to everyone authenticated but `except` is open; false when there
    /// is nobody to send to.
    fn join_batch(&mut self, except: Option<ConnId>) -> bool {
        if self.batch.accepts(except) {
            return true;
        }
        self.end_batch();
        self.batch.start(&self.sessions, except, self.queue_limit)
    }

    /// Hands out the broadcast batch in progress, charging each recipient its share (the
    /// same rule as [`Room::send`]).
    pub fn end_batch(&mut self) {
        if !self.batch.is_open() {
            return;
        }
        let Room {
            batch,
            sessions,
            outputs,
            filled,
            queue_limit,
            ..
        } = self;
        batch.finish(|to, bytes| {
            let Some(session) = sessions.get_mut(&to) else {
                return;
            };
            if add_cost(session, bytes.len() as u64, *queue_limit) {
                filled.push(to);
            }
            outputs.push_back(Output::Send { to, bytes });
        });
    }
}

/// Adds `cost` to `session`'s queue; true when that leaves it over `limit`.
fn add_cost<U>(session: &mut Session<U>, cost: u64, limit: u64) -> bool {
    session.queued = session.queued.saturating_add(cost);
    session.queued > limit
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
