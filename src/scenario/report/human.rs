//! The human report: one line per scenario as it finishes, then the details of every failure
//! (the step's file:line, expected and actual frame with hex, each client's transcript), then a
//! summary line.

use std::fmt::Write as _;
use std::time::Duration;

use super::Style;
use crate::scenario::run::Verdict;
use crate::scenario::suite::{Outcome, Status, Summary};

/// Transcript lines shown per client in the human report (the last ones).
const TRANSCRIPT_TAIL: usize = 30;

fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "ok   ",
        Status::Fail => "FAIL ",
        Status::Xfail => "xfail",
        Status::Xpass => "XPASS",
        Status::Error => "ERROR",
    }
}

fn show_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The report's first line.
pub fn header(count: usize, target: &str, jobs: usize) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("running {count} scenario{plural} against {target}, {jobs} at a time\n")
}

/// The line for one finished scenario.
pub fn scenario_line(outcome: &Outcome, style: Style) -> String {
    let mut line = format!("{} {}", label(outcome.status), outcome.id);
    if style.timings {
        let _ = write!(line, " ({})", show_duration(outcome.duration));
    }
    match (&outcome.status, &outcome.run.verdict) {
        (Status::Fail | Status::Xfail, Verdict::Fail(f)) => {
            let _ = write!(line, "  -- line {}: {}", f.line, first_line(&f.reason));
        }
        (_, Verdict::Error(e)) => {
            let _ = write!(line, "  -- {}", first_line(e));
        }
        _ => {}
    }
    if outcome.status == Status::Xpass {
        line.push_str(
            "  -- passes although listed as a known failure: remove it from the --expect file",
        );
    }
    if let (Status::Xfail, Some(reason)) = (outcome.status, &outcome.expected_reason) {
        let _ = write!(line, " (known: {reason})");
    }
    if !outcome.run.warnings.is_empty() && matches!(outcome.status, Status::Pass | Status::Xpass) {
        let n = outcome.run.warnings.len();
        let _ = write!(
            line,
            "  ({n} wording warning{})",
            if n == 1 { "" } else { "s" }
        );
    }
    line.push('\n');
    line
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// The detailed section for a failed (or erroring) scenario, and warnings for passing ones;
/// empty for a clean pass.
pub fn failure_details(outcome: &Outcome) -> String {
    let mut out = String::new();
    let path = outcome.scenario.path.display();
    match &outcome.run.verdict {
        Verdict::Fail(f) if outcome.status != Status::Xfail => {
            let _ = writeln!(out, "--- FAIL {} ({path}:{})", outcome.id, f.line);
            if let Some(d) = &outcome.scenario.description {
                let _ = writeln!(out, "    {d}");
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
                        out.push_str(&indent(hex, "            "));
                    }
                }
                (None, _) => out.push_str("  received: nothing\n"),
            }
        }
        Verdict::Error(e) => {
            let _ = writeln!(out, "--- ERROR {} ({path})", outcome.id);
            out.push_str(&indent(e, "  "));
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
    if !outcome.run.transcripts.is_empty() {
        out.push_str("  transcripts (> sent, < received):\n");
        for (client, lines) in &outcome.run.transcripts {
            let _ = writeln!(out, "    {client}:");
            if lines.is_empty() {
                out.push_str("      (nothing)\n");
            }
            let skip = lines.len().saturating_sub(TRANSCRIPT_TAIL);
            if skip > 0 {
                let _ = writeln!(
                    out,
                    "      ... ({skip} earlier lines; --format json has them all)"
                );
            }
            for line in &lines[skip..] {
                out.push_str(&indent(line, "      "));
            }
        }
    }
    if let Some(stderr) = &outcome.server_stderr {
        let lines: Vec<&str> = stderr.lines().collect();
        let start = lines.len().saturating_sub(20);
        out.push_str("  server stderr (last lines):\n");
        for line in &lines[start..] {
            let _ = writeln!(out, "    | {line}");
        }
    }
    out
}

/// The closing summary line.
pub fn summary_line(summary: &Summary, elapsed: Option<Duration>) -> String {
    let mut line = format!(
        "{} passed, {} failed, {} expected failures, {} unexpected passes, {} errors",
        summary.passed,
        summary.failed,
        summary.expected_failures,
        summary.unexpected_passes,
        summary.errors
    );
    if summary.warnings > 0 {
        let _ = write!(line, ", {} wording warnings", summary.warnings);
    }
    if let Some(elapsed) = elapsed {
        let _ = write!(line, " in {}", show_duration(elapsed));
    }
    line.push('\n');
    line
}
