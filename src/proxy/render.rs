//! The proxy's events as text: one human line (or a few, for a hex dump) per event, in the
//! reports' words for frames (`0x03 text "<12:00> [alice] hi"`), or one JSON object per
//! event; and the tally printed at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::check::Deviation;
use super::event::{Direction, Event, EventKind};
use super::summary::frame_summary;
use super::watch::{AnyFrame, Seen};
use crate::protocol::Frame;
use crate::record::{grouped, hex_dump};

/// Rows of a malformed frame's hex dump.
const DUMP_ROWS: usize = 8;

fn type_byte(frame: &AnyFrame) -> u8 {
    match frame {
        AnyFrame::Client(f) => f.frame_type(),
        AnyFrame::Server(f) => f.frame_type(),
    }
}

/// What a seen item says, without connection and time.
fn seen_text(seen: &Seen) -> String {
    match seen {
        Seen::Frame { frame, reads } => {
            let mut s = frame_summary(frame);
            if *reads > 1 {
                let _ = write!(s, "  (split over {reads} reads)");
            }
            s
        }
        Seen::FileBody { digest, .. } => format!(
            "file body: {} bytes, fnv1a64 {:016x}",
            grouped(digest.len),
            digest.hash
        ),
        Seen::Malformed { error, reads } => {
            let mut s = format!(
                "malformed frame: {error} ({} bytes{}); forwarded unchanged\n{}",
                error.raw.len(),
                if *reads > 1 {
                    format!(", over {reads} reads")
                } else {
                    String::new()
                },
                hex_dump(&error.raw, DUMP_ROWS)
            );
            while s.ends_with('\n') {
                s.pop();
            }
            s
        }
    }
}

fn clock(event: &Event) -> String {
    DateTime::<Utc>::from(event.at)
        .format("%H:%M:%S%.3f")
        .to_string()
}

/// The event as text for people (several lines only for a hex dump).
pub fn human(event: &Event) -> String {
    let head = format!("{} #{}", clock(event), event.conn);
    match &event.kind {
        EventKind::Opened { client, upstream } => {
            format!("{head}     opened: client {client} ⇄ server {upstream}")
        }
        EventKind::UpstreamFailed { error } => format!("{head}     {error}; client closed"),
        EventKind::Segment { dir, bytes, frames } => format!(
            "{head} {} {frames} frames in one segment ({} bytes):",
            dir.arrow(),
            grouped(*bytes as u64)
        ),
        EventKind::Pending { dir, buffered } => format!(
            "{head} {} {} bytes of a frame so far; the rest in a later read",
            dir.arrow(),
            grouped(*buffered as u64)
        ),
        EventKind::Seen { dir, seen } => format!("{head} {} {}", dir.arrow(), seen_text(seen)),
        EventKind::Closed {
            dir,
            how,
            unfinished,
        } => {
            let mut s = format!("{head} {} closed ({how})", dir.arrow());
            if *unfinished > 0 {
                let _ = write!(s, "; {unfinished} bytes of an unfinished frame");
            }
            s
        }
    }
}

/// A deviation found at `event`, for people.
pub fn human_deviation(event: &Event, deviation: &Deviation) -> String {
    format!(
        "{} #{} ✗ deviation: {}",
        clock(event),
        deviation.conn,
        deviation.text
    )
}

/// A deviation found at `event`, as one JSON object.
pub fn json_deviation(event: &Event, deviation: &Deviation) -> Value {
    let at = DateTime::<Utc>::from(event.at).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({"at": at, "conn": deviation.conn, "event": "deviation", "text": deviation.text})
}

/// The event as one JSON object.
pub fn json(event: &Event) -> Value {
    let at = DateTime::<Utc>::from(event.at).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut value = json!({
        "at": at,
        "ms": event.since_start.as_millis() as u64,
        "conn": event.conn,
    });
    let fields = match &event.kind {
        EventKind::Opened { client, upstream } => json!({
            "event": "opened", "client": client.to_string(), "upstream": upstream.to_string(),
        }),
        EventKind::UpstreamFailed { error } => json!({"event": "upstream_failed", "error": error}),
        EventKind::Segment { dir, bytes, frames } => json!({
            "event": "segment", "dir": dir.key(), "bytes": bytes, "frames": frames,
        }),
        EventKind::Pending { dir, buffered } => json!({
            "event": "pending", "dir": dir.key(), "bytes": buffered,
        }),
        EventKind::Seen { dir, seen } => match seen {
            Seen::Frame { frame, reads } => json!({
                "event": "frame", "dir": dir.key(), "type": type_byte(frame),
                "summary": frame_summary(frame), "reads": reads,
            }),
            Seen::FileBody { digest, .. } => json!({
                "event": "file_body", "dir": dir.key(), "bytes": digest.len,
                "fnv1a64": format!("{:016x}", digest.hash),
            }),
            Seen::Malformed { error, reads } => json!({
                "event": "malformed", "dir": dir.key(), "error": error.to_string(),
                "raw_hex": error.raw.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                "reads": reads,
            }),
        },
        EventKind::Closed {
            dir,
            how,
            unfinished,
        } => json!({
            "event": "closed", "dir": dir.key(), "how": how, "unfinished_bytes": unfinished,
        }),
    };
    if let (Value::Object(map), Value::Object(extra)) = (&mut value, fields) {
        map.extend(extra);
    }
    value
}

/// Counts over a whole run, for the summary at the end.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Connections opened.
    pub connections: u64,
    /// Frames per direction.
    pub frames: BTreeMap<&'static str, u64>,
    /// Malformed frames per direction.
    pub malformed: BTreeMap<&'static str, u64>,
    /// Upstream connections that failed.
    pub upstream_failed: u64,
}

impl Tally {
    /// Counts one event.
    pub fn add(&mut self, event: &Event) {
        match &event.kind {
            EventKind::Opened { .. } => self.connections += 1,
            EventKind::UpstreamFailed { .. } => self.upstream_failed += 1,
            EventKind::Seen {
                dir,
                seen: Seen::Frame { .. },
            } => *self.frames.entry(dir.key()).or_default() += 1,
            EventKind::Seen {
                dir,
                seen: Seen::Malformed { .. },
            } => *self.malformed.entry(dir.key()).or_default() += 1,
            _ => {}
        }
    }

    /// The counts as one JSON object (`"event": "summary"`).
    pub fn json(&self) -> Value {
        json!({
            "event": "summary",
            "connections": self.connections,
            "frames": self.frames,
            "malformed": self.malformed,
            "upstream_failed": self.upstream_failed,
        })
    }

    /// One line: `2 connections, 9 frames client→server, 14 server→client, 0 malformed`.
    pub fn summary(&self) -> String {
        let get = |map: &BTreeMap<&'static str, u64>, dir: Direction| {
            map.get(dir.key()).copied().unwrap_or(0)
        };
        let malformed =
            get(&self.malformed, Direction::ToServer) + get(&self.malformed, Direction::ToClient);
        let mut s = format!(
            "{} connections, {} frames client→server, {} server→client, {malformed} malformed",
            self.connections,
            get(&self.frames, Direction::ToServer),
            get(&self.frames, Direction::ToClient),
        );
        if self.upstream_failed > 0 {
            let _ = write!(s, ", {} could not reach the server", self.upstream_failed);
        }
        s
    }
}
