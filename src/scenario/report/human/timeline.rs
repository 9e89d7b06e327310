//! The timeline section of a failure: every client's frames in one time order with the
//! milliseconds since the scenario started, cut to the entries around the failing step, with
//! runs of like entries collapsed (`×40`) and writes that carried several frames announced.

use std::fmt::Write as _;

use crate::scenario::run::{amount, Entry, EntryKind, Mark, TimelineLog};

/// Rows shown before the failing step starts.
const ROWS_BEFORE: usize = 10;
/// Rows shown from the failing step on.
const ROWS_DURING: usize = 6;
/// Shortest run of like entries that is collapsed.
const SHORTEST_RUN: usize = 4;

/// One displayed row: an entry, or a run of like entries (first, count, last).
struct Row<'a> {
    first: &'a Entry,
    last: &'a Entry,
    count: usize,
}

/// What makes entries "alike": the same client, the same kind (and write), on the same side
/// of the failing step.
fn alike(a: &Entry, b: &Entry) -> bool {
    a.client == b.client
        && a.kind == b.kind
        && !matches!(a.kind, EntryKind::Event { .. })
        && !a.text.contains('\n')
}

fn rows(entries: &[Entry]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let mut j = i + 1;
        while j < entries.len() && alike(&entries[i], &entries[j]) {
            j += 1;
        }
        if j - i >= SHORTEST_RUN {
            rows.push(Row {
                first: &entries[i],
                last: &entries[j - 1],
                count: j - i,
            });
        } else {
            rows.extend(entries[i..j].iter().map(|e| Row {
                first: e,
                last: e,
                count: 1,
            }));
        }
        i = j;
    }
    rows
}

fn entry_line(out: &mut String, e: &Entry, width: usize) {
    let ms = e.at.as_millis();
    let mut lines = e.text.lines();
    let first = lines.next().unwrap_or_default();
    let _ = writeln!(out, "    {ms:>6} ms  {:<width$}  {first}", e.client);
    for more in lines {
        let _ = writeln!(out, "    {:>9}  {:<width$}    {more}", "", "");
    }
}

/// Renders the timeline around the failing step (`mark`; the end when there is none), or
/// nothing when the run kept no timeline.
pub fn render(log: &TimelineLog, mark: Option<Mark>, line: usize) -> String {
    let mut out = String::new();
    if log.entries.is_empty() {
        return out;
    }
    let split = mark.map_or(log.entries.len(), |m| m.entry.min(log.entries.len()));
    let (before, during) = log.entries.split_at(split);
    let before = rows(before);
    let during = rows(during);
    let shown_before = &before[before.len().saturating_sub(ROWS_BEFORE)..];
    let shown_during = &during[..during.len().min(ROWS_DURING)];
    let width = shown_before
        .iter()
        .chain(shown_during)
        .map(|r| r.first.client.len())
        .max()
        .unwrap_or(0);
    let earlier: usize = before[..before.len() - shown_before.len()]
        .iter()
        .map(|r| r.count)
        .sum();
    let later: usize = during[shown_during.len()..]
        .iter()
        .map(|r| r.count)
        .sum::<usize>()
        + log.dropped;
    out.push_str("  timeline (ms since the start, every client; > sent, < received):\n");
    if earlier > 0 {
        let _ = writeln!(out, "    ... {earlier} earlier entries left out");
    }
    let mut write = None;
    let mut show = |out: &mut String, row: &Row<'_>| {
        if let EntryKind::Sent { write: Some(w), .. } = row.first.kind {
            if write != Some(w) {
                if let Some(group) = log.writes.get(w) {
                    let how = match group.writes {
                        1 => "one write".to_owned(),
                        n => format!("one send in {n} writes"),
                    };
                    let _ = writeln!(
                        out,
                        "    {:>6} ms  {:<width$}  > {how}: {} frames, {} (frames {}–{})",
                        row.first.at.as_millis(),
                        row.first.client,
                        group.frames,
                        amount(group.bytes),
                        group.first_frame,
                        group.first_frame + group.frames - 1,
                    );
                }
            }
        }
        write = match row.first.kind {
            EntryKind::Sent { write, .. } => write,
            _ => None,
        };
        entry_line(out, row.first, width);
        if row.count > 1 {
            let _ = writeln!(
                out,
                "    {:>9}  {:<width$}    ... ×{} more like it",
                "",
                "",
                row.count - 2
            );
            entry_line(out, row.last, width);
        }
    };
    for row in shown_before {
        show(&mut out, row);
    }
    if mark.is_some() {
        let _ = writeln!(out, "    ---- the failing step (line {line}) starts ----");
    }
    for row in shown_during {
        show(&mut out, row);
    }
    if later > 0 {
        let _ = writeln!(out, "    ... {later} later entries left out");
    }
    out
}
