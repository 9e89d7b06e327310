//! The diagram's rows, decided on the timeline's types before anything is drawn: the parties
//! (the server, then each client in order of first appearance), an arrow per frame (runs of
//! like frames folded into one arrow that says how many), a gap where the conversation
//! paused, a mark where a connection closed or reset, and which arrow is the failing one.

use std::time::Duration;

use crate::record::{amount, Act, Entry, EntryKind, Got, Mark, Sent, TimelineLog};

/// A pause between two entries at least this long is drawn as a gap.
pub const GAP: Duration = Duration::from_millis(100);
/// Shortest run of like frames folded into one arrow.
const SHORTEST_RUN: usize = 4;
/// Most rows drawn: past it, the first [`HEAD`] and the rows up to the failure are kept.
const MOST_ROWS: usize = 300;
/// Rows kept from the start when there are too many.
const HEAD: usize = 40;

/// Which way an arrow goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// One drawn row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// Frames (one, or a run of like ones) between a client and the server.
    Arrow {
        /// Milliseconds since the start, of the first.
        ms: u128,
        /// The client's lane (1-based; 0 is the server).
        lane: usize,
        /// Which way.
        direction: Direction,
        /// How many frames it stands for.
        frames: usize,
        /// Its label (decoded frame, short).
        label: String,
        /// `sent`, `received`, `body`, `file`, `malformed`, `partial` (for the style sheet).
        class: &'static str,
        /// The write group it belongs to (several frames in one send), if any.
        write: Option<usize>,
        /// Whether it is the arrow the failing step was about.
        failing: bool,
    },
    /// A connection's end or another client action, as a mark on the client's lane.
    Mark {
        /// Milliseconds since the start.
        ms: u128,
        /// The client's lane.
        lane: usize,
        /// `close`, `reset`, `closed-by-server`, `event`.
        class: &'static str,
        /// What happened.
        label: String,
    },
    /// Nothing happened for a while.
    Gap {
        /// How long.
        ms: u128,
    },
    /// Rows left out (too many to draw).
    Elided {
        /// How many timeline entries.
        entries: usize,
    },
}

/// The whole layout: parties and rows.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Lane names: "server", then the clients.
    pub parties: Vec<String>,
    /// Rows top to bottom.
    pub rows: Vec<Row>,
}

/// What the failing step was about, to find its arrow.
#[derive(Debug, Clone, Copy)]
pub struct FailingStep<'a> {
    /// The client concerned.
    pub client: Option<&'a str>,
    /// What arrived instead, decoded (as in the failure report).
    pub actual: Option<&'a str>,
    /// Where the failing step started.
    pub at: Option<Mark>,
}

/// Lays `log` out; `failing` marks the arrow of what came instead of the expected.
pub fn layout(log: &TimelineLog, failing: Option<FailingStep<'_>>) -> Layout {
    let mut parties = vec!["server".to_owned()];
    for e in &log.entries {
        if !parties.iter().skip(1).any(|p| **p == *e.client) {
            parties.push(e.client.to_string());
        }
    }
    let failing_entry = failing.and_then(|f| failing_entry(&log.entries, f));
    let lane = |e: &Entry| {
        parties
            .iter()
            .skip(1)
            .position(|p| **p == *e.client)
            .map_or(1, |i| i + 1)
    };
    let mut rows = Vec::new();
    let mut previous: Option<Duration> = None;
    let mut i = 0;
    while i < log.entries.len() {
        let e = &log.entries[i];
        if let Some(before) = previous {
            let pause = e.at.saturating_sub(before);
            if pause >= GAP {
                rows.push(Row::Gap {
                    ms: pause.as_millis(),
                });
            }
        }
        let mut j = i + 1;
        if foldable(e) {
            while j < log.entries.len()
                && alike(e, &log.entries[j])
                && failing_entry != Some(i)
                && failing_entry != Some(j)
            {
                j += 1;
            }
        }
        let count = if j - i >= SHORTEST_RUN { j - i } else { 1 };
        let j = i + count;
        rows.push(row(e, lane(e), count, failing_entry == Some(i)));
        previous = Some(log.entries[j - 1].at);
        i = j;
    }
    Layout {
        parties,
        rows: trim(rows),
    }
}

/// The entry of what came instead: the failing client's last received entry whose text is
/// the failure's actual frame, else its first received entry from the failing step on.
fn failing_entry(entries: &[Entry], failing: FailingStep<'_>) -> Option<usize> {
    let client = failing.client?;
    let received = |e: &Entry| {
        *e.client == *client
            && matches!(e.kind, EntryKind::Received { got } if got != Got::Closed && got != Got::Nothing)
    };
    if let Some(actual) = failing.actual {
        let found = entries
            .iter()
            .rposition(|e| received(e) && e.text.trim_start_matches("< ") == actual);
        if found.is_some() {
            return found;
        }
    }
    let from = failing.at.map_or(entries.len(), |m| m.entry);
    failing.actual?;
    (from..entries.len()).find(|&i| received(&entries[i]))
}

fn foldable(e: &Entry) -> bool {
    !matches!(e.kind, EntryKind::Event { .. })
}

fn alike(a: &Entry, b: &Entry) -> bool {
    a.client == b.client && a.kind == b.kind && b.at.saturating_sub(a.at) < GAP
}

fn row(e: &Entry, lane: usize, frames: usize, failing: bool) -> Row {
    let ms = e.at.as_millis();
    let text = e
        .text
        .strip_prefix("> ")
        .or_else(|| e.text.strip_prefix("< "))
        .unwrap_or(&e.text);
    let (direction, class, write) = match e.kind {
        EntryKind::Sent { what, write } => {
            let class = if what == Sent::Body { "body" } else { "sent" };
            (Direction::ToServer, class, write)
        }
        EntryKind::Received { got } => {
            let class = match got {
                Got::Closed | Got::Nothing => {
                    return Row::Mark {
                        ms,
                        lane,
                        class: "closed-by-server",
                        label: text.to_owned(),
                    }
                }
                Got::File => "file",
                Got::Malformed => "malformed",
                Got::Partial => "partial",
                _ => "received",
            };
            (Direction::ToClient, class, None)
        }
        EntryKind::Event { act } => {
            let class = match act {
                Act::Close | Act::HalfClose => "close",
                Act::Reset => "reset",
                _ => "event",
            };
            return Row::Mark {
                ms,
                lane,
                class,
                label: text.to_owned(),
            };
        }
    };
    let mut label = text.to_owned();
    if matches!(class, "body" | "file") {
        label = format!("[{}] {label}", amount(e.bytes));
    }
    if frames > 1 {
        label = format!("{label} ×{frames}");
    }
    Row::Arrow {
        ms,
        lane,
        direction,
        frames,
        label,
        class,
        write,
        failing,
    }
}

/// At most [`MOST_ROWS`] rows: the first [`HEAD`], a note, and the last ones (the failure is
/// near the end: a run stops at its failing step).
fn trim(rows: Vec<Row>) -> Vec<Row> {
    if rows.len() <= MOST_ROWS {
        return rows;
    }
    let tail = MOST_ROWS - HEAD;
    let cut = rows.len() - HEAD - tail;
    let entries = rows[HEAD..HEAD + cut]
        .iter()
        .map(|r| match r {
            Row::Arrow { frames, .. } => *frames,
            Row::Mark { .. } => 1,
            _ => 0,
        })
        .sum();
    let mut kept: Vec<Row> = rows[..HEAD].to_vec();
    kept.push(Row::Elided { entries });
    kept.extend_from_slice(&rows[HEAD + cut..]);
    kept
}
