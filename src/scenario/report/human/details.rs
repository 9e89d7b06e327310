//! The detailed section of a failed scenario: the step, the problem, what arrived (with the
//! start of its hex dump), what the timeline shows about the cause, a hint naming the pitfall of
//! `docs/PROTOCOL.md`, the timeline around the failing step (or, for client scenarios, each
//! transcript's end, collapsed) and the server's stderr in blocks. Everything cut here is in
//! `--format json`.

use std::fmt::Write as _;

use super::{cause, hints, indent, label, meaning, stderr, timeline};
use crate::scenario::run::Verdict;
use crate::scenario::suite::{Kind, Outcome, Status};

/// Hex rows shown of what arrived.
const HEX_ROWS: usize = 2;
/// Transcript lines shown per client when there is no timeline (the last ones).
const TRANSCRIPT_TAIL: usize = 12;

/// The detailed section for a failed (or erroring) scenario, and warnings for passing ones;
/// empty for a clean pass.
pub fn failure_details(outcome: &Outcome) -> String {
    let mut out = String::new();
    let path = outcome.scenario.path.display();
    match &outcome.run.verdict {
        Verdict::Fail(f) if outcome.status != Status::Xfail => {
            let _ = writeln!(
                out,
                "--- {} {} ({path}:{})",
                label(outcome).trim_end(),
                outcome.id,
                f.line
            );
            if let Some(d) = &outcome.scenario.description {
                let _ = writeln!(out, "    {d}");
            }
            let _ = writeln!(
                out,
                "  outcome:  {}: {}",
                outcome.kind.name(),
                meaning(outcome.kind)
            );
            match (outcome.kind, &outcome.run.server_exit) {
                (Kind::Flaky, _) => {
                    let _ = writeln!(
                        out,
                        "  attempts: failed on the first, passed on attempt {}; the failing attempt:",
                        outcome.attempts
                    );
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
            let mut step = f.step.clone();
            if let Some(i) = f.iteration {
                let _ = write!(step, "   (repeat iteration {i})");
            }
            let _ = writeln!(out, "  step:     {path}:{}: {step}", f.line);
            let _ = writeln!(out, "  problem:  {}", f.reason);
            match (&f.actual, &f.actual_hex) {
                (Some(actual), hex) => {
                    let _ = writeln!(out, "  received: {actual}");
                    if let Some(hex) = hex {
                        let rows: Vec<&str> = hex.lines().collect();
                        let shown = rows.len().min(HEX_ROWS);
                        out.push_str(&indent(&rows[..shown].join("\n"), "            "));
                        if rows.len() > shown {
                            let _ =
                                writeln!(out, "            ... {} more rows", rows.len() - shown);
                        }
                    }
                }
                (None, _) => match &f.skipped {
                    Some(skipped) => {
                        let _ =
                            writeln!(out, "  received: nothing matching; {}", skipped.summary());
                    }
                    None => out.push_str("  received: nothing\n"),
                },
            }
            if let (Some(_), Some(skipped)) = (&f.actual, &f.skipped) {
                let _ = writeln!(out, "  before:   {}", skipped.summary());
            }
            let log = &outcome.run.timeline;
            if let Some(line) = cause::merged_write(log) {
                let _ = writeln!(out, "  writes:   {line}");
            }
            if let Some(line) = cause::pushed_numbers(log) {
                let _ = writeln!(out, "  numbers:  {line}");
            }
            if let Some(pitfall) = hints::decide(f, log, outcome.run.failed_at) {
                let _ = writeln!(out, "  hint:     {}", pitfall.line());
            }
            let _ = writeln!(out, "  replay:   {}", outcome.replay);
            out.push_str(&timeline::render(log, outcome.run.failed_at, f.line));
        }
        Verdict::Error(e) => {
            let _ = writeln!(out, "--- ERROR {} ({path})", outcome.id);
            out.push_str(&indent(e, "  "));
            let _ = writeln!(out, "  replay:   {}", outcome.replay);
        }
        _ => {
            if outcome.run.warnings.is_empty() {
                return out;
            }
            let _ = writeln!(out, "--- warnings {} ({path})", outcome.id);
            for w in &outcome.run.warnings {
                let _ = writeln!(
                    out,
                    "  {path}:{}: {} (a failure with --strict)",
                    w.line, w.message
                );
            }
            return out;
        }
    }
    if outcome.run.timeline.entries.is_empty() {
        transcripts(&mut out, outcome);
    } else if matches!(outcome.run.verdict, Verdict::Error(_)) {
        out.push_str(&timeline::render(&outcome.run.timeline, None, 0));
    }
    if let Some(text) = &outcome.server_stderr {
        out.push_str(&stderr::render(text));
    }
    out
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
