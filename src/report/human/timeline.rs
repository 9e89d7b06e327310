//! The timeline section of a failure: every client's frames in one time order with the
//! milliseconds since the scenario started, cut to the entries around the failing step, with
//! runs of like entries collapsed (`×40`) and writes that carried several frames announced.
//! Entries that are evidence ([`super::evidence`]) are shown past the window too, with the
//! entries left out between kept rows counted.

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
    /// The index of `first` in the log.
    start: usize,
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

/// The rows of `entries`, which start at index `offset` of the log.
fn rows(entries: &[Entry], offset: usize) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let mut j = i + 1;
        while j < entries.len() && alike(&entries[i], &entries[j]) {
            j += 1;
        }
        if j - i >= SHORTEST_RUN {
            rows.push(Row {
                start: offset + i,
                first: &entries[i],
                last: &entries[j - 1],
                count: j - i,
            });
        } else {
            rows.extend(entries[i..j].iter().enumerate().map(|(k, e)| Row {
                start: offset + i + k,
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

/// The window's rows with the rows that hold an entry of `keep` added, in log order; and
/// whether any was added.
fn with_evidence<'r, 'a>(
    all: &'r [Row<'a>],
    window: Vec<&'r Row<'a>>,
    keep: &[usize],
) -> (Vec<&'r Row<'a>>, bool) {
    let holds = |r: &Row<'_>| {
        keep.iter()
            .any(|&k| (r.start..r.start + r.count).contains(&k))
    };
    let extra: Vec<&'r Row<'a>> = all
        .iter()
        .filter(|r| holds(r) && !window.iter().any(|w| w.start == r.start))
        .collect();
    let added = !extra.is_empty();
    let mut rows = window;
    rows.extend(extra);
    rows.sort_by_key(|r| r.start);
    (rows, added)
}

/// The entries left out from `from` to the next kept row at `to`, said when there are any.
fn gap(out: &mut String, from: usize, to: usize) {
    match to.saturating_sub(from) {
        0 => {}
        1 => out.push_str("    … 1 entry not shown\n"),
        n => {
            let _ = writeln!(out, "    … {n} entries not shown");
        }
    }
}

/// One part's kept rows (before or during the failing step, starting at entry `from`), with
/// the entries left out between them counted when `gaps`.
fn show_part(
    out: &mut String,
    log: &TimelineLog,
    kept: &[&Row<'_>],
    from: usize,
    gaps: bool,
    width: usize,
    write: &mut Option<usize>,
) -> usize {
    let mut next = from;
    for row in kept {
        if gaps {
            gap(out, next, row.start);
        }
        show_row(out, log, row, width, write);
        next = row.start + row.count;
    }
    next
}

/// Renders the timeline around the failing step (`mark`; the end when there is none) as the
/// failing `client` saw it, with its legend when `legend`, or nothing when the run kept no
/// timeline. The entries of `keep` (the evidence) are shown wherever they are.
pub fn render(
    log: &TimelineLog,
    mark: Option<Mark>,
    line: usize,
    client: Option<&str>,
    legend: bool,
    keep: &[usize],
) -> String {
    let mut out = String::new();
    if log.entries.is_empty() {
        return out;
    }
    let split = mark.map_or(log.entries.len(), |m| m.entry.min(log.entries.len()));
    let (before, during) = log.entries.split_at(split);
    let before = rows(before, 0);
    let during = rows(during, split);
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
    let (shown_before, gaps_before) = with_evidence(&before, shown_before, keep);
    let (shown_during, gaps_during) = with_evidence(&during, shown_during, keep);
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
    if earlier > 0 && mark.is_none() && !gaps_before {
        let _ = writeln!(out, "    ... {earlier} earlier entries left out");
    }
    let mut write = None;
    let next = show_part(
        &mut out,
        log,
        &shown_before,
        0,
        gaps_before,
        width,
        &mut write,
    );
    if gaps_before && mark.is_none() {
        gap(&mut out, next, log.entries.len() + log.dropped);
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
    let next = show_part(
        &mut out,
        log,
        &shown_during,
        split,
        gaps_during,
        width,
        &mut write,
    );
    if gaps_during {
        gap(&mut out, next, log.entries.len() + log.dropped);
    } else if later > 0 && mark.is_none() {
        let _ = writeln!(out, "    ... {later} later entries left out");
    }
    out
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
