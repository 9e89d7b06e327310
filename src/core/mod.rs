//! The chat server's logic as a sans-IO state machine (the quinn-proto shape): the driver feeds
//! it events — a connection arrived, bytes arrived, a connection went away, time passed, bytes
//! were written — each with the time as an argument, and drains plain [`Output`]s: bytes or a
//! stored file to append to a connection's stream, a paused connection to read again, or a
//! connection to close.
//!
//! It owns every rule of the protocol (auth, names, broadcast, per-recipient time prefixes,
//! rename, exit, refusals, malformed frames, relay size limits, store-then-forward files, the
//! spool limit, flow control and stall timeout, max clients, auth timeout) and nothing else: no sockets, no threads, no clock, no
//! paths. Both server modes and the `core_session` fuzz target drive this one type.
//!
//! **Fan-out in batches** (`batch`). Lines relayed in a row from one sender are rendered once
//! per distinct UTC offset and reach each recipient as one [`Output::Send`] per step, not one
//! per line: the bytes and their order are the same as line by line.
//!
//! **Where disk writes happen.** The core owns a [`Spool`] value and calls it synchronously
//! (`create`, `write`, `finish`, `abort`) as upload bodies are decoded, so storage errors are
//! handled where the protocol decision is made (refuse with a reply, drain the rest). The spool
//! is the driver's choice: `server::DiskSpool` writes into the files directory, [`MemorySpool`]
//! keeps files in memory for tests and fuzzing. A finished file is handed to the driver as a
//! [`FileBody`] in [`Output::SendFile`], which the driver streams chunk by chunk; the core never
//! reads it and never holds a body in memory beyond the chunk being decoded.
//!
//! **Queue accounting and flow control** (`flow`). Every output addressed to a connection is
//! charged to it ([`Output::queue_cost`]) until the driver reports it written
//! ([`Core::handle_written`]). Nothing is ever dropped: when handling a frame from a sender
//! takes a recipient past [`Limits::queue_limit`], the frame is still queued, and the sender is
//! paused ([`Core::is_paused`]: the driver stops reading it) until every recipient it waits
//! for is back under the limit; then the core decodes what it had buffered and emits
//! [`Output::ResumeReading`]. A recipient that stays over the limit without accepting a byte
//! for [`Limits::stall_timeout`] is disconnected ([`CloseReason::Stalled`]), the others are
//! told it left, and its senders resume. So a flood goes at the pace of its slowest live
//! reader, memory stays bounded, and the policy is the same in both modes.
//!
//! **Bounded storage.** An upload is refused (drained, then a 0x03 reply) when its announced
//! size would take the bytes held by the spool ([`Spool::held`]) plus the uploads in progress
//! past [`Limits::spool_limit`]. When a stored file is released is the spool's business (the
//! disk spool deletes it once the last recipient's copy of the body is dropped).

mod batch;
mod flow;
mod handlers;
mod inspect;
mod memory_spool;
mod output;
mod room;
mod session;
mod upload;
pub mod wording;

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::time::Duration;

use bytes::Buf;

pub use memory_spool::{MemorySpool, MemoryUpload};
pub use output::{CloseReason, Output};
use room::Room;
pub use session::{valid_name, MAX_NAME_LEN, MAX_OFFSET};
use session::{Session, Upload};
pub use upload::{FileBody, Spool};

/// What a stored file waiting in a connection's queue costs against the queue limit, on top
/// of its header. Its body is streamed from the spool as the socket drains, so it is not held
/// in memory; this covers the bookkeeping and the one read buffer the driver uses for it.
pub const FILE_QUEUE_COST: u64 = 4096;

/// A connection, as named by the driver. Drivers never reuse an id within one [`Core`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The time, as the driver reads it: wall-clock seconds for `<HH:MM>` prefixes, and a
/// monotonic duration since any fixed start for timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Seconds since the Unix epoch (UTC).
    pub unix_secs: i64,
    /// Time since a fixed start, never going backwards.
    pub elapsed: Duration,
}

/// The server's configurable limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; more are sent a reply and closed.
    pub max_clients: usize,
    /// How long a connection may stay unauthenticated.
    pub auth_timeout: Duration,
    /// Largest upload accepted; bigger ones are drained and refused.
    pub max_file_size: u64,
    /// Queue cost (bytes of frames, plus [`FILE_QUEUE_COST`] per stored file) a connection may
    /// have waiting. Relaying past it pauses the sender until the recipient is back under it.
    /// Keep it well above one frame (65 537 bytes), or every large relay pauses its sender.
    pub queue_limit: u64,
    /// How long a connection over its queue limit may go without accepting a byte before it
    /// is disconnected as a reader that stopped.
    pub stall_timeout: Duration,
    /// Bytes of uploads held at once (stored and not yet released, plus the announced sizes
    /// of uploads in progress); an upload that would pass it is refused.
    pub spool_limit: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_clients: 1024,
            auth_timeout: Duration::from_secs(30),
            max_file_size: 1 << 30,
            queue_limit: 4 << 20,
            stall_timeout: Duration::from_secs(2),
            spool_limit: 4 << 30,
        }
    }
}

/// The chat server's state machine. See the module docs.
#[derive(Debug)]
pub struct Core<S: Spool> {
    limits: Limits,
    spool: S,
    room: Room<S::Upload, S::Body>,
    /// Auth deadlines in arrival order (so in deadline order): `(deadline, id)`.
    deadlines: VecDeque<(Duration, ConnId)>,
    /// Connections over their queue limit (each has a stall clock).
    full: BTreeSet<ConnId>,
    /// Senders paused until the recipients they wait for drain.
    paused: BTreeSet<ConnId>,
    /// Senders released this step, whose buffered input is still to be decoded.
    released: Vec<ConnId>,
    /// Announced bytes of the uploads being stored.
    uploading: u64,
}

impl<S: Spool> Core<S> {
    /// A core with no connections.
    pub fn new(limits: Limits, spool: S) -> Self {
        Self {
            room: Room::new(limits.queue_limit),
            limits,
            spool,
            deadlines: VecDeque::new(),
            full: BTreeSet::new(),
            paused: BTreeSet::new(),
            released: Vec::new(),
            uploading: 0,
        }
    }

    /// A connection arrived. Over `max_clients` it gets a reply and a close right away.
    pub fn handle_connect(&mut self, id: ConnId, now: Now) {
        if self.room.contains(id) {
            tracing::error!(%id, "connection id reused; ignored");
            return;
        }
        if self.room.len() >= self.limits.max_clients {
            tracing::warn!(%id, max = self.limits.max_clients, "refused: server full");
            self.room
                .refuse(id, wording::SERVER_FULL, CloseReason::ServerFull);
            return;
        }
        tracing::debug!(%id, "connected");
        self.room.admit(id, Session::new());
        self.deadlines
            .push_back((now.elapsed.saturating_add(self.limits.auth_timeout), id));
    }

    /// Bytes arrived on a connection, in any chunking.
    pub fn handle_bytes(&mut self, id: ConnId, bytes: &[u8], now: Now) {
        let Some(session) = self.room.session_mut(id) else {
            return;
        };
        if session.input.is_empty() {
            // Nothing buffered: frames are handled straight from the driver's buffer, and only
            // an incomplete tail (or what a pause leaves) is kept.
            let used = self.decode_slice(id, bytes, now);
            if let Some(session) = self.room.session_mut(id) {
                session.input.extend_from_slice(&bytes[used..]);
            }
        } else {
            session.input.extend_from_slice(bytes);
            self.decode(id, now);
        }
        self.settle(now);
    }

    /// Decodes and handles what `id` has buffered, until it runs out or `id` is paused. The
    /// input is taken out of the session meanwhile and handed back with what is left of it.
    fn decode(&mut self, id: ConnId, now: Now) {
        let Some(session) = self.room.session_mut(id) else {
            return;
        };
        let mut input = std::mem::take(&mut session.input);
        let used = self.decode_slice(id, &input, now);
        input.advance(used);
        if let Some(session) = self.room.session_mut(id) {
            session.input = input;
            session.shrink_input();
        }
    }

    /// Decodes and handles frames from the front of `data` until it needs more bytes, `id`
    /// is paused or gone; returns the bytes used. Frames are handled as views into `data`: a
    /// chat line is relayed without a copy of its own.
    fn decode_slice(&mut self, id: ConnId, data: &[u8], now: Now) -> usize {
        let mut start = 0;
        while !self.paused.contains(&id) {
            let Some(session) = self.room.session_mut(id) else {
                break;
            };
            let (consumed, item) = session.decoder.decode_ref(&data[start..]);
            start += consumed;
            match item {
                None => break,
                Some(Ok(item)) => self.handle_item(id, item, now),
                Some(Err(error)) => {
                    tracing::debug!(%id, error = %error.error, "malformed frame skipped");
                    self.room.reply(id, wording::frame_ignored(&error.error));
                }
            }
            self.note_filled(Some(id), now);
        }
        start
    }

    /// The connection is gone (EOF, reset, write error). Others are told if it was
    /// authenticated; a partial upload is removed.
    pub fn handle_disconnect(&mut self, id: ConnId, now: Now) {
        self.remove(id, None, now);
        self.settle(now);
    }

    /// The driver wrote bytes to this connection, completing `cost` worth of its queue (see
    /// [`Output::queue_cost`]; 0 while a file body is only partly written). Call it only when
    /// bytes moved: each call counts as progress and restarts the stall clock. Back under its
    /// limit, the senders waiting for it resume (their buffered input is handled in this step).
    pub fn handle_written(&mut self, id: ConnId, cost: u64, now: Now) {
        if let Some(session) = self.room.session_mut(id) {
            session.queued = session.queued.saturating_sub(cost);
            if session.stalled_since.is_some() {
                self.progress(id, now);
            }
        }
    }

    /// Time passed: closes connections still unauthenticated after the auth timeout, and
    /// connections over their queue limit that accepted nothing for the stall timeout.
    pub fn handle_tick(&mut self, now: Now) {
        while let Some(&(deadline, id)) = self.deadlines.front() {
            if deadline > now.elapsed {
                break;
            }
            self.deadlines.pop_front();
            let unauthenticated = self.room.session(id).is_some_and(|s| s.name.is_none());
            if unauthenticated {
                tracing::info!(%id, "closed: no auth in time");
                self.room.reply(id, wording::AUTH_TIMEOUT);
                self.remove(id, Some(CloseReason::AuthTimeout), now);
            }
        }
        self.evict_stalled(now);
        self.settle(now);
    }

    /// The server is stopping: every connection is closed and partial uploads are removed.
    pub fn handle_shutdown(&mut self) {
        for (id, session) in self.room.empty() {
            self.abort_upload(session.upload);
            self.room.close(id, CloseReason::Shutdown);
        }
        self.deadlines.clear();
        self.full.clear();
        self.paused.clear();
        self.released.clear();
        self.uploading = 0;
    }

    /// The next output for the driver, in order.
    pub fn poll_output(&mut self) -> Option<Output<S::Body>> {
        self.room.next_output()
    }

    /// When [`handle_tick`](Self::handle_tick) may next have work, on the monotonic clock.
    pub fn next_deadline(&self) -> Option<Duration> {
        let auth = self.deadlines.front().map(|&(deadline, _)| deadline);
        [auth, self.next_stall_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether the driver must not read this connection for now (see the module docs); an
    /// [`Output::ResumeReading`] says when it may again.
    pub fn is_paused(&self, id: ConnId) -> bool {
        self.paused.contains(&id)
    }

    /// Whether the connection is in the middle of a file body (uploaded or skipped): the
    /// drivers read such a stream in larger pieces, since nothing is relayed until it ends.
    pub fn in_file_body(&self, id: ConnId) -> bool {
        self.room.session(id).is_some_and(|s| s.decoder.in_body())
    }

    /// A connection's name, if it is known and authenticated.
    pub fn name_of(&self, id: ConnId) -> Option<&str> {
        self.room.session(id)?.name.as_deref()
    }

    /// Forgets a connection: aborts its upload, frees its name and tells the others. With a
    /// reason, the driver is asked to close it.
    fn remove(&mut self, id: ConnId, reason: Option<CloseReason>, now: Now) {
        let Some(session) = self.room.leave(id) else {
            return;
        };
        self.abort_upload(session.upload);
        self.forget_flow(id);
        if let Some(reason) = reason {
            self.room.close(id, reason);
        }
        let why = reason.map_or("connection lost", CloseReason::describe);
        if let Some(name) = session.name {
            tracing::info!(%id, %name, why, "left");
            self.room
                .broadcast(None, now.unix_secs, &wording::disconnected(&name));
        } else {
            tracing::debug!(%id, why, "left before auth");
        }
    }

    fn abort_upload(&mut self, upload: Upload<S::Upload>) {
        if let Upload::Storing {
            upload,
            filename,
            size,
            ..
        } = upload
        {
            tracing::info!(%filename, "partial upload removed");
            self.uploading = self.uploading.saturating_sub(u64::from(size));
            self.spool.abort(upload);
        }
    }
}
