//! One time order across all clients of a scenario: every frame sent or received and every
//! client action, stamped with the time since the scenario started, and the writes that sent
//! frames grouped together. Reports read it to show a race or a merged write as it happened;
//! the per-client transcripts stay as they are.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::deviation::Got;

/// Most entries a timeline keeps (a load scenario can send tens of thousands of frames);
/// later ones are counted, not kept.
pub const TIMELINE_CAP: usize = 50_000;

/// What one timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EntryKind {
    /// A frame or bytes the client sent.
    Sent {
        /// Which statement part it was.
        what: Sent,
        /// The send statement it went out with, an index into [`TimelineLog::writes`], when
        /// that statement sent more than one frame.
        write: Option<usize>,
    },
    /// Something the client received.
    Received {
        /// Its kind.
        got: Got,
    },
    /// A client action or change of state (connect, close, reset, reading).
    Event {
        /// Which one.
        act: Act,
    },
}

/// The kind of thing a client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sent {
    /// `0x00` with an offset.
    Auth,
    /// `0x00` without an offset.
    AuthWithoutOffset,
    /// `0x01`.
    Exit,
    /// `0x02` header.
    FileHeader,
    /// `0x03`.
    Text,
    /// `0x04`.
    Rename,
    /// Raw bytes from a `raw` part.
    Raw,
    /// A file body.
    Body,
}

/// A client action that is not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Act {
    /// A fresh connection for a client seen before.
    Reconnect,
    /// Closed both directions.
    Close,
    /// Closed with a reset.
    Reset,
    /// Closed the writing direction.
    HalfClose,
    /// Stopped reading the socket.
    StopReading,
    /// Paused reading for a while.
    PauseReading,
    /// Reads at a slow, steady pace.
    ReadSlowly,
    /// Reads at full speed again.
    ResumeReading,
    /// The send before was cut into several writes on purpose (chunking, splits).
    SentInPieces,
    /// Any other change (reading paused, stopped, paced...).
    Other,
}

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// Time since the scenario started.
    #[serde(rename = "ms", serialize_with = "as_millis")]
    pub at: Duration,
    /// The client it concerns.
    #[serde(serialize_with = "as_str")]
    pub client: Arc<str>,
    /// What it records.
    #[serde(flatten)]
    pub kind: EntryKind,
    /// Bytes on the wire (frames, raw bytes, bodies; 0 for events).
    pub bytes: u64,
    /// The transcript line (decoded frame or event).
    pub text: String,
    /// For a chat line received (up to [`KEPT_TEXT`] bytes): its message, to compare with
    /// the texts sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

fn as_str<S: serde::Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Several frames that one send statement put on the wire back to back: in one write, unless
/// the statement cut them (or they passed the runner's 64 KiB write size).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WriteGroup {
    /// The client that wrote.
    #[serde(serialize_with = "as_str")]
    pub client: Arc<str>,
    /// How many frames (or raw parts).
    pub frames: usize,
    /// Bytes in all.
    pub bytes: u64,
    /// The writes they took.
    pub writes: usize,
    /// The 1-based number of the first of these frames among the client's sent frames.
    pub first_frame: usize,
    /// The texts of its `0x03` frames, in order, each with its 1-based frame number (texts
    /// over [`KEPT_TEXT`] bytes are not kept).
    pub texts: Vec<(usize, String)>,
}

/// Longest text a write group keeps to compare with what came back.
pub const KEPT_TEXT: usize = 256;

/// The whole record of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TimelineLog {
    /// Entries in the order they happened.
    pub entries: Vec<Entry>,
    /// Entries not kept past [`TIMELINE_CAP`].
    pub dropped: usize,
    /// Writes that carried more than one frame.
    pub writes: Vec<WriteGroup>,
}

struct Inner {
    start: Instant,
    log: TimelineLog,
    /// Frames sent so far per client (to number them).
    sent_frames: Vec<(Arc<str>, usize)>,
}

/// A shared, growing timeline (cheap to clone).
#[derive(Clone)]
pub struct Timeline(Arc<Mutex<Inner>>);

impl Default for Timeline {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Inner {
            start: Instant::now(),
            log: TimelineLog::default(),
            sent_frames: Vec::new(),
        })))
    }
}

impl Timeline {
    /// Appends an entry; returns its index (and the client's frame number for a frame sent),
    /// or `None` once the timeline is full.
    pub fn push(
        &self,
        client: &Arc<str>,
        kind: EntryKind,
        bytes: u64,
        text: &str,
        message: Option<String>,
    ) -> Pushed {
        let Ok(mut inner) = self.0.lock() else {
            return Pushed::default();
        };
        let frame = match kind {
            EntryKind::Sent { what, .. } if what != Sent::Body => {
                let slot = match inner.sent_frames.iter().position(|(c, _)| c == client) {
                    Some(i) => i,
                    None => {
                        inner.sent_frames.push((client.clone(), 0));
                        inner.sent_frames.len() - 1
                    }
                };
                inner.sent_frames[slot].1 += 1;
                Some(inner.sent_frames[slot].1)
            }
            _ => None,
        };
        if inner.log.entries.len() >= TIMELINE_CAP {
            inner.log.dropped += 1;
            return Pushed { entry: None, frame };
        }
        let at = inner.start.elapsed();
        inner.log.entries.push(Entry {
            at,
            client: client.clone(),
            kind,
            bytes,
            text: text.to_owned(),
            message,
        });
        Pushed {
            entry: Some(inner.log.entries.len() - 1),
            frame,
        }
    }

    /// Records that the entries `members` (with their frame numbers and kept texts) went out
    /// together: `bytes` bytes in `writes` writes.
    pub fn group(&self, client: &Arc<str>, members: &[SentFrame], bytes: u64, writes: usize) {
        let Ok(mut inner) = self.0.lock() else {
            return;
        };
        let index = inner.log.writes.len();
        for m in members {
            if let Some(e) = m.entry.and_then(|i| inner.log.entries.get_mut(i)) {
                if let EntryKind::Sent { write, .. } = &mut e.kind {
                    *write = Some(index);
                }
            }
        }
        inner.log.writes.push(WriteGroup {
            client: client.clone(),
            frames: members.len(),
            bytes,
            writes,
            first_frame: members.first().and_then(|m| m.frame).unwrap_or(0),
            texts: members
                .iter()
                .filter_map(|m| Some((m.frame?, m.text.clone()?)))
                .collect(),
        });
    }

    /// The time since the start and the number of entries so far.
    pub fn mark(&self) -> Mark {
        self.0.lock().map_or_else(
            |_| Mark::default(),
            |inner| Mark {
                at: inner.start.elapsed(),
                entry: inner.log.entries.len(),
            },
        )
    }

    /// A copy of everything recorded.
    pub fn snapshot(&self) -> TimelineLog {
        self.0
            .lock()
            .map(|inner| inner.log.clone())
            .unwrap_or_default()
    }
}

/// Where an entry went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pushed {
    /// Its index in the timeline, if kept.
    pub entry: Option<usize>,
    /// The client's frame number, for a frame sent.
    pub frame: Option<usize>,
}

/// A frame sent, waiting for the write that completes it.
#[derive(Debug, Clone, Default)]
pub struct SentFrame {
    /// Its timeline entry, if kept.
    pub entry: Option<usize>,
    /// The client's frame number.
    pub frame: Option<usize>,
    /// Its text, for a short `0x03`.
    pub text: Option<String>,
}

/// A point in a run: when, and how many timeline entries came before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Mark {
    /// Time since the scenario started.
    #[serde(rename = "ms", serialize_with = "as_millis")]
    pub at: Duration,
    /// Entries before it.
    pub entry: usize,
}
