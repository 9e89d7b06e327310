//! The timeline section of a failure: every client's frames in one time order with the
//! milliseconds since the scenario started, cut to the entries around the failing step, with
//! runs of like entries collapsed (`×40`) and writes that carried several frames announced.

use std::fmt::Write as _;

use crate::record::{amount, Entry, EntryKind, Mark, TimelineLog};

/// Rows shown before the failing step starts.
const ROWS_BEFORE: usize = 3;
/// Rows of the other clients shown just before the failing client's first row, when it has
/// fewer than [`ROWS_BEFORE`].
const CONTEXT: usize = 1;
/// Most rows shown before the failing step, the other clients' actions included.
const MOST_BEFORE: usize = 3;
/// Rows shown from the failing step on.
const ROWS_DURING: usize = 3;
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
    let first = crate::record::cut::line(lines.next().unwrap_or_default());
    let _ = writeln!(out, "    {ms:>6} ms  {:<width$}  {first}", e.client);
    for more in lines {
        let _ = writeln!(out, "    {:>9}  {:<width$}    {more}", "", "");
    }
}

/// The rows shown before the failing step: the last [`ROWS_BEFORE`] of the failing client's
/// (what it sent and what it was sent, in order), with what the other clients sent or did in
/// between and the [`CONTEXT`] rows just before; without a failing client, the last rows of
/// all.
fn chosen<'r, 'a>(before: &'r [Row<'a>], client: Option<&str>) -> Vec<&'r Row<'a>> {
    let last = |rows: Vec<&'r Row<'a>>, n: usize| -> Vec<&'r Row<'a>> {
        let skip = rows.len().saturating_sub(n);
        rows.into_iter().skip(skip).collect()
    };
    let Some(client) = client else {
        return last(before.iter().collect(), ROWS_BEFORE);
    };
    // The failing client's rows and what the others sent or did; what the others received is
    // left out (it is their side of the story).
    let relevant: Vec<&Row<'a>> = before
        .iter()
        .filter(|r| {
            &*r.first.client == client || !matches!(r.first.kind, EntryKind::Received { .. })
        })
        .collect();
    let own: Vec<usize> = (0..relevant.len())
        .filter(|&i| &*relevant[i].first.client == client)
        .collect();
    let Some(&from) = own
        .len()
        .checked_sub(ROWS_BEFORE)
        .and_then(|i| own.get(i))
        .or(own.first())
    else {
        return last(before.iter().collect(), ROWS_BEFORE);
    };
    // When the failing client did little, or its first row shown is something it was sent,
    // what the others did just before: often the cause of it.
    let received_first = matches!(relevant[from].first.kind, EntryKind::Received { .. });
    if own.len() < ROWS_BEFORE || received_first {
        let from = from.saturating_sub(CONTEXT);
        let most = MOST_BEFORE + usize::from(own.len() >= ROWS_BEFORE) * CONTEXT;
        return last(relevant[from..].to_vec(), most);
    }
    last(relevant[from..].to_vec(), MOST_BEFORE)
}

/// One row (its first and last entry when it stands for several alike), preceded by the
/// line of the write group it starts; `write` is the group of the row before.
fn show_row(
    out: &mut String,
    log: &TimelineLog,
    row: &Row<'_>,
    width: usize,
    write: &mut Option<usize>,
) {
    if let EntryKind::Sent { write: Some(w), .. } = row.first.kind {
        if *write != Some(w) {
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
    *write = match row.first.kind {
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
}

/// Renders the timeline around the failing step (`mark`; the end when there is none) as the
/// failing `client` saw it, with its legend when `legend`, or nothing when the run kept no
/// timeline.
pub fn render(
    log: &TimelineLog,
    mark: Option<Mark>,
    line: usize,
    client: Option<&str>,
    legend: bool,
) -> String {
    let mut out = String::new();
    if log.entries.is_empty() {
        return out;
    }
    let split = mark.map_or(log.entries.len(), |m| m.entry.min(log.entries.len()));
    let (before, during) = log.entries.split_at(split);
    let before = rows(before);
    let during = rows(during);
    let shown_before = chosen(&before, client);
    // During the step: the failing client's rows and what the others sent or did.
    let shown_during: Vec<&Row<'_>> = during
        .iter()
        .filter(|r| {
            client.is_none_or(|c| {
                &*r.first.client == c || !matches!(r.first.kind, EntryKind::Received { .. })
            })
        })
        .take(ROWS_DURING)
        .collect();
    let width = shown_before
        .iter()
        .chain(&shown_during)
        .map(|r| r.first.client.len())
        .max()
        .unwrap_or(0);
    let earlier: usize = before.iter().map(|r| r.count).sum::<usize>()
        - shown_before.iter().map(|r| r.count).sum::<usize>();
    let later: usize = during.iter().map(|r| r.count).sum::<usize>()
        - shown_during.iter().map(|r| r.count).sum::<usize>()
        + log.dropped;
    if legend {
        out.push_str("  timeline (ms since the start, every client; > sent, < received):\n");
    }
    if earlier > 0 && mark.is_none() {
        let _ = writeln!(out, "    ... {earlier} earlier entries left out");
    }
    let mut write = None;
    for row in &shown_before {
        show_row(&mut out, log, row, width, &mut write);
    }
    if mark.is_some() {
        let untold = match (earlier, later) {
            (0, 0) => String::new(),
            (n, 0) => format!("; {n} earlier entries not shown"),
            (0, m) => format!("; {m} later entries not shown"),
            (n, m) => format!("; {n} earlier and {m} later entries not shown"),
        };
        let _ = writeln!(
            out,
            "    ---- the failing step (line {line}) starts{untold} ----"
        );
    }
    for row in &shown_during {
        show_row(&mut out, log, row, width, &mut write);
    }
    if later > 0 && mark.is_none() {
        let _ = writeln!(out, "    ... {later} later entries left out");
    }
    out
}
