//! The human report: one line per scenario as it finishes, then the details of every failure
//! (the step's file:line, expected and actual frame with hex, each client's transcript), then a
//! summary line.

use std::fmt::Write as _;
use std::time::Duration;

mod cause;
mod details;
mod evidence;
mod hints;
mod stderr;
mod timeline;

pub use details::{failure_details, failure_report};
pub use evidence::rows as evidence_rows;

use super::Style;
use crate::record::Verdict;
use crate::scenario::outcome::{suite_tag, SUITE_TAGS};
use crate::scenario::shared_cause::SharedDeviation;
use crate::scenario::suite::{Kind, Outcome, Status, Summary};

/// The first column: the kind for what needs attention, the expectation for the rest.
pub(super) fn label(outcome: &Outcome) -> &'static str {
    match (outcome.status, outcome.kind) {
        (_, Kind::Flaky) | (Status::Fail, _) => outcome.kind.row().label,
        (Status::Pass, _) => "ok     ",
        (Status::Xfail, _) => "xfail  ",
        (Status::Xpass, _) => "XPASS  ",
        (Status::Error, _) => "ERROR  ",
    }
}

/// What a kind means, for the detail section.
pub(super) fn meaning(kind: Kind) -> &'static str {
    kind.row().meaning
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
    let pace = match jobs {
        1 => "one at a time".to_owned(),
        n => format!("{n} at a time"),
    };
    format!("running {count} scenario{plural} against {target}, {pace}\n")
}

/// The line for one finished scenario.
pub fn scenario_line(outcome: &Outcome, style: Style) -> String {
    let mut line = format!("{} {}", label(outcome), outcome.id);
    if let Some(tag) = suite_tag(&outcome.scenario.tags) {
        let _ = write!(line, " [{tag}]");
    }
    if style.timings {
        let _ = write!(line, " ({})", show_duration(outcome.duration));
    }
    match (&outcome.status, &outcome.run.verdict) {
        (Status::Fail | Status::Xfail, Verdict::Fail(f)) | (Status::Pass, Verdict::Fail(f)) => {
            let _ = write!(line, "  -- line {}", f.line);
            if outcome.status == Status::Xfail || outcome.kind == Kind::Flaky {
                let _ = write!(line, " ({})", outcome.kind.name());
            }
            let reason = crate::record::cut::line(first_line(&f.reason));
            let _ = write!(line, ": {reason}");
            if outcome.kind == Kind::Flaky {
                let _ = write!(line, "; passed on attempt {}", outcome.attempts);
            }
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

pub(super) fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// The lines naming first deviations shared by several failures (empty when none are).
pub fn shared_causes(groups: &[SharedDeviation]) -> String {
    let mut out = String::new();
    for group in groups {
        let _ = writeln!(out, "{}", group.line());
        let shown: Vec<&str> = group.scenarios.iter().take(5).map(String::as_str).collect();
        let more = group.scenarios.len().saturating_sub(shown.len());
        let _ = write!(out, "  {}", shown.join(", "));
        if more > 0 {
            let _ = write!(out, " and {more} more");
        }
        out.push('\n');
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
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .map(|k| summary.kinds.shown(&summary.expected_kinds, *k))
        .collect();
    let _ = writeln!(line, "outcomes: {}", kinds.join(", "));
    if let Some(tags) = by_tag(summary) {
        let _ = writeln!(line, "by tag:   {tags}");
    }
    line
}

/// The per-tag counts of the summary ("core 30 of 50 passed, robust 3 of 4 passed"), when
/// any suite tag ran.
pub fn by_tag(summary: &Summary) -> Option<String> {
    let tags: Vec<String> = SUITE_TAGS
        .iter()
        .zip(summary.tags.counts)
        .filter(|(_, (run, _, _))| *run > 0)
        .map(|(tag, (run, passed, errors))| match errors {
            0 => format!("{tag} {passed} of {run} passed"),
            e => format!("{tag} {passed} of {run} passed ({e} could not run: error)"),
        })
        .collect();
    (!tags.is_empty()).then(|| tags.join(", "))
}

/// The hint line the text report gives for `outcome` ("the server went quiet after ... — see
/// PROTOCOL.md \"Pitfalls\", 4"), for the failures it details.
pub fn hint_line(outcome: &Outcome) -> Option<String> {
    match &outcome.run.verdict {
        Verdict::Fail(f) if outcome.status != Status::Xfail => {
            hints::for_failure(outcome, f).map(|p| p.line())
        }
        _ => None,
    }
}
