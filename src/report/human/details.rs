//! The detailed section of a failed scenario: the step, the problem, what arrived (with the
//! start of its hex dump), what the timeline shows about the cause, a hint naming the pitfall of
//! `docs/PROTOCOL.md`, the timeline around the failing step (or, for client scenarios, each
//! transcript's end, collapsed) and the server's stderr in blocks. Everything cut here is in
//! `--format json`.

use std::fmt::Write as _;

use super::{cause, evidence, hints, indent, label, meaning, stderr, timeline};
use crate::record::{Failure, Got, Verdict};
use crate::scenario::suite::{Kind, Outcome, Status};

/// Hex rows shown of what arrived.
const HEX_ROWS: usize = 2;
/// Transcript lines shown per client when there is no timeline (the last ones).
const TRANSCRIPT_TAIL: usize = 12;

/// What the sections of one report share, so that each says a thing once.
#[derive(Default)]
struct Shared {
    /// The replay command's part after the scenario's path, when every failure's replay has
    /// it (said once above the sections).
    replay_tail: Option<String>,
    /// The timeline legend is said once above the sections.
    legend_above: bool,
    /// The first traceback of each server stderr shown so far, with the scenario it was in.
    tracebacks: Vec<(String, String)>,
}

/// The detailed section for a failed (or erroring) scenario, and warnings for passing ones;
/// empty for a clean pass. Stands alone (e.g. in a JUnit failure).
pub fn failure_details(outcome: &Outcome) -> String {
    section(outcome, &mut Shared::default())
}

/// The sections of every failure in a report, each thing said once: the replay command and
/// the timeline legend above them all, a server traceback seen in an earlier section named,
/// not repeated.
pub fn failure_report(outcomes: &[Outcome]) -> String {
    let mut shared = Shared {
        legend_above: true,
        ..Shared::default()
    };
    let sections: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !section(o, &mut Shared::default()).is_empty())
        .collect();
    let tails: Vec<Option<&str>> = sections
        .iter()
        .map(|o| {
            let path = crate::scenario::embedded::replay_word(&o.scenario.path);
            o.replay
                .strip_prefix("chat-harness run ")
                .and_then(|r| r.strip_prefix(path.as_str()))
        })
        .collect();
    if let Some(Some(first)) = tails.first() {
        if tails.iter().all(|t| t == &Some(*first)) {
            shared.replay_tail = Some((*first).to_owned());
        }
    }
    let mut out = String::new();
    if sections.is_empty() {
        return out;
    }
    if let Some(tail) = &shared.replay_tail {
        let _ = writeln!(out, "replay a failure: chat-harness run FILE{tail}");
    }
    out.push_str("timelines: ms since the scenario's start, every client; > sent, < received; the entries nearest the failing step (--format json has every transcript)
");
    for outcome in sections {
        out.push_str(&section(outcome, &mut shared));
    }
    out
}

fn section(outcome: &Outcome, shared: &mut Shared) -> String {
    let mut out = String::new();
    let path = crate::scenario::embedded::display_path(&outcome.scenario.path);
    match &outcome.run.verdict {
        Verdict::Fail(f) if outcome.status != Status::Xfail => {
            failure_lines(&mut out, outcome, f, shared);
        }
        Verdict::Error(e) => {
            let _ = writeln!(out, "--- ERROR {} ({path})", outcome.id);
            out.push_str(&indent(e, "  "));
            if shared.replay_tail.is_none() {
                let _ = writeln!(out, "  replay:   {}", outcome.replay);
            }
        }
        _ => {
            warning_lines(&mut out, outcome);
            return out;
        }
    }
    if outcome.run.timeline.entries.is_empty() {
        transcripts(&mut out, outcome);
    } else if matches!(outcome.run.verdict, Verdict::Error(_)) {
        out.push_str(&timeline::render(
            &outcome.run.timeline,
            None,
            0,
            None,
            !shared.legend_above,
            &evidence::rows(outcome),
        ));
    }
    stderr_lines(&mut out, outcome, shared);
    out
}

/// A failure: the step, what the outcome means, the problem, what arrived, the cause lines,
/// a hint, the replay line and the timeline around the failing step.
fn failure_lines(out: &mut String, outcome: &Outcome, f: &Failure, shared: &Shared) {
    let path = crate::scenario::embedded::display_path(&outcome.scenario.path);
    let mut step = f.step.clone();
    if let Some(i) = f.iteration {
        let _ = write!(step, "   (repeat iteration {i})");
    }
    let _ = writeln!(
        out,
        "--- {} {}  {path}:{}: {step}",
        label(outcome).trim_end(),
        outcome.id,
        f.line
    );
    if let Some(d) = &outcome.scenario.description {
        let _ = writeln!(out, "    {d}");
    }
    for (id, text) in crate::statements::quoted(&outcome.scenario.checks) {
        let _ = writeln!(out, "  rule:     [{id}] {text}");
    }
    if matches!(outcome.kind, Kind::Closed | Kind::Crash | Kind::Flaky) {
        let _ = writeln!(
            out,
            "  outcome:  {}: {}",
            outcome.kind.name(),
            meaning(outcome.kind)
        );
    }
    attempts_lines(out, outcome, f);
    if !outcome.names.is_empty() {
        let names: Vec<String> = outcome
            .names
            .iter()
            .map(|(o, n)| format!("{o} → {n}"))
            .collect();
        let _ = writeln!(
            out,
            "  names:    {} (the server is shared)",
            names.join(", ")
        );
    }
    received_lines(out, f);
    let log = &outcome.run.timeline;
    if let Some(line) = cause::merged_write(log) {
        let _ = writeln!(out, "  writes:   {line}");
    }
    if let Some(line) = cause::pushed_numbers(log) {
        let _ = writeln!(out, "  numbers:  {line}");
    }
    // A server that exited says why in its stderr; the symptom is the exit's, not a
    // pitfall's.
    if let Some(pitfall) = hints::for_failure(outcome, f) {
        let _ = writeln!(out, "  hint:     {}", pitfall.line());
    }
    if shared.replay_tail.is_none() {
        let _ = writeln!(out, "  replay:   {}", outcome.replay);
    }
    out.push_str(&timeline::render(
        log,
        outcome.run.failed_at,
        f.line,
        f.client.as_deref(),
        !shared.legend_above,
        &evidence::rows(outcome),
    ));
}

/// How the attempts went and whether the server is still there.
fn attempts_lines(out: &mut String, outcome: &Outcome, f: &Failure) {
    match (outcome.kind, &outcome.run.server_exit) {
        (Kind::Flaky, _) => {
            let _ = writeln!(
                out,
                "  attempts: failed on the first, passed on attempt {}; the failing attempt:",
                outcome.attempts
            );
            if let Some(line) = two_orders(f, outcome.attempts) {
                let _ = writeln!(out, "  timing:   {line}");
            }
        }
        (_, Some(status)) => {
            let _ = writeln!(out, "  server:   exited during the scenario ({status})");
        }
        _ if outcome.run.still_accepting == Some(false) => {
            let _ = writeln!(
                out,
                "  server:   no longer accepts connections: it is gone, not just this client's connection"
            );
        }
        _ if outcome.attempts > 1 => {
            let _ = writeln!(
                out,
                "  attempts: failed all {}; the first:",
                outcome.attempts
            );
        }
        _ => {}
    }
}

/// The problem and what arrived instead (with a hex dump of undecodable bytes).
fn received_lines(out: &mut String, f: &Failure) {
    let _ = writeln!(out, "  problem:  {}", f.reason);
    match (&f.actual, &f.actual_hex) {
        (Some(actual), hex) => {
            // Said once: most problems already end in "got <what arrived>".
            if !f.reason.contains(actual.as_str()) {
                let _ = writeln!(out, "  received: {actual}");
            }
            let raw = f
                .deviation
                .as_ref()
                .is_some_and(|d| matches!(d.received, Got::Malformed | Got::Partial));
            if let Some(hex) = hex.as_ref().filter(|_| raw) {
                let rows: Vec<&str> = hex.lines().collect();
                let shown = rows.len().min(HEX_ROWS);
                out.push_str(&indent(&rows[..shown].join("\n"), "            "));
                if rows.len() > shown {
                    let _ = writeln!(out, "            ... {} more rows", rows.len() - shown);
                }
            }
        }
        // Without skipped frames, the problem says that nothing came.
        (None, _) => {
            if let Some(skipped) = &f.skipped {
                let _ = writeln!(out, "  received: nothing matching; {}", skipped.summary());
            }
        }
    }
    if let (Some(_), Some(skipped)) = (&f.actual, &f.skipped) {
        let _ = writeln!(out, "  before:   {}", skipped.summary());
    }
}

/// Warnings of a passing scenario (failures with --strict).
fn warning_lines(out: &mut String, outcome: &Outcome) {
    let path = crate::scenario::embedded::display_path(&outcome.scenario.path);
    if outcome.run.warnings.is_empty() {
        return;
    }
    let _ = writeln!(out, "--- warnings {} ({path})", outcome.id);
    for w in &outcome.run.warnings {
        let _ = writeln!(
            out,
            "  {path}:{}: {} (a failure with --strict)",
            w.line, w.message
        );
    }
}

/// A spawned server's stderr, a traceback already shown for an earlier scenario named, not
/// repeated.
fn stderr_lines(out: &mut String, outcome: &Outcome, shared: &mut Shared) {
    if let Some(text) = &outcome.server_stderr {
        let first = stderr::first_traceback(text);
        let earlier = first.as_ref().and_then(|t| {
            shared
                .tracebacks
                .iter()
                .find(|(seen, _)| seen == t)
                .map(|(_, id)| id.as_str())
        });
        out.push_str(&stderr::render(text, earlier));
        if let (Some(t), None) = (first, earlier) {
            shared.tracebacks.push((t, outcome.id.clone()));
        }
    }
}

/// For a flaky failure: the two orders seen, the failing attempt's and the passing one's.
fn two_orders(f: &Failure, attempts: u32) -> Option<String> {
    let d = f.deviation.as_ref()?;
    let first = match d.received {
        Got::Nothing => format!(
            "nothing came in time where {} was expected",
            d.expected.name()
        ),
        got => format!(
            "{} came where {} was expected",
            got.name(),
            d.expected.name()
        ),
    };
    Some(format!(
        "attempt 1: {first}; attempt {attempts}: {} came as expected. What arrives first depends on timing: a race in the server (or a deadline it only just misses)",
        d.expected.name()
    ))
}

/// Each client's transcript, its last lines, runs of lines of the same shape collapsed.
fn transcripts(out: &mut String, outcome: &Outcome) {
    if outcome.run.transcripts.is_empty() {
        return;
    }
    out.push_str("  transcripts (> sent, < received):\n");
    for (client, lines) in &outcome.run.transcripts {
        let _ = writeln!(out, "    {client}:");
        if lines.is_empty() {
            out.push_str("      (nothing)\n");
        }
        let skip = lines.len().saturating_sub(TRANSCRIPT_TAIL);
        if skip > 0 {
            let _ = writeln!(out, "      ... {skip} earlier lines left out");
        }
        for line in &lines[skip..] {
            out.push_str(&indent(line, "      "));
        }
    }
}
