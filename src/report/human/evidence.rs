//! The timeline entries that are evidence and must be shown whatever the window around the
//! failing step: undecodable or unfinished frames (the proof of a corrupt stream, such as a
//! wrapped 16-bit length), and the entry the hint is about. The one place that decides it, so
//! the text report (and the HTML page, which carries its section) and the JSON report agree.

use super::hints::{self, Pitfall};
use crate::record::{Act, Entry, EntryKind, Got, Sent, TimelineLog, Verdict};
use crate::scenario::suite::{Outcome, Status};

/// The indices into `outcome.run.timeline.entries` of the evidence, in order.
pub fn rows(outcome: &Outcome) -> Vec<usize> {
    let log = &outcome.run.timeline;
    let mut rows: Vec<usize> = log
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e.kind,
                EntryKind::Received {
                    got: Got::Malformed | Got::Partial
                }
            )
        })
        .map(|(i, _)| i)
        .collect();
    if let Verdict::Fail(f) = &outcome.run.verdict {
        let hinted = (outcome.status != Status::Xfail)
            .then(|| hints::for_failure(outcome, f))
            .flatten();
        let end = outcome
            .run
            .failed_at
            .map_or(log.entries.len(), |m| m.entry.min(log.entries.len()));
        if let Some(row) = hinted.and_then(|p| hint_row(p, log, end, f.client.as_deref())) {
            rows.push(row);
        }
    }
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// The entry the hint `pitfall` is about (`end`: where the failing step starts), for the
/// pitfalls whose evidence is one entry; `None` for those the window already shows (the
/// failing step's own frames, a write's group line).
fn hint_row(
    pitfall: Pitfall,
    log: &TimelineLog,
    end: usize,
    client: Option<&str>,
) -> Option<usize> {
    let entries = &log.entries;
    let before = &entries[..end];
    let last_before = |wanted: &dyn Fn(&Entry) -> bool| before.iter().rposition(wanted);
    let mine = |e: &Entry| client.is_none_or(|c| *e.client == *c);
    match pitfall {
        Pitfall::InvalidUtf8 => entries.iter().position(|e| {
            matches!(e.kind, EntryKind::Received { got: Got::Chat })
                && e.message.as_deref().is_some_and(|m| m.contains('\u{fffd}'))
        }),
        Pitfall::JoinToEverySocket | Pitfall::NewcomerRace => entries.iter().position(|e| {
            mine(e)
                && matches!(
                    e.kind,
                    EntryKind::Received {
                        got: Got::Notice | Got::Chat
                    }
                )
        }),
        Pitfall::AuthWithoutOffset => last_before(&|e| {
            matches!(
                e.kind,
                EntryKind::Sent {
                    what: Sent::AuthWithoutOffset,
                    ..
                }
            )
        }),
        Pitfall::TextBeforeAuth => last_before(&|e| {
            matches!(
                e.kind,
                EntryKind::Sent {
                    what: Sent::Text | Sent::Rename | Sent::FileHeader,
                    ..
                }
            )
        }),
        Pitfall::Overlong => last_before(&|e| {
            matches!(
                e.kind,
                EntryKind::Sent {
                    what: Sent::Text,
                    ..
                }
            ) && e.bytes > 65_000
        }),
        Pitfall::DeadEntry => last_before(&|e| {
            matches!(
                e.kind,
                EntryKind::Event {
                    act: Act::Reset | Act::Close
                }
            )
        }),
        Pitfall::StalledByReader => last_before(&|e| {
            matches!(
                e.kind,
                EntryKind::Event {
                    act: Act::StopReading | Act::PauseReading | Act::ReadSlowly
                }
            )
        }),
        Pitfall::BodyCountedPerCall | Pitfall::BodyBehindHeader => last_before(&|e| {
            matches!(
                e.kind,
                EntryKind::Sent {
                    what: Sent::FileHeader,
                    ..
                }
            )
        }),
        Pitfall::OneFramePerRead | Pitfall::MergedOrSplit => None,
    }
}
