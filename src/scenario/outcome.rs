//! A scenario's result and how it is classified and counted: its [`Status`] against the
//! known failures, its [`Kind`] (decided on the runner's types, never on report text; see
//! `scenario::kind` for the table of kinds and how the classifications relate), and the
//! run's [`Summary`] with its exit status.

use std::sync::Arc;
use std::time::Duration;

pub use super::kind::{Kind, KindCounts};
use crate::language::scenario::Scenario;
use crate::record::FinishedRun;

/// How a scenario's result compares with what was expected of this implementation (its
/// [`Kind`] against the expectations file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed, and was not expected to.
    Fail,
    /// Failed, as the expectations file says it does.
    Xfail,
    /// Passed, although the expectations file says it fails.
    Xpass,
    /// Could not be run.
    Error,
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The scenario's id.
    pub id: String,
    /// What happened (a flaky scenario's `run` is its first failing attempt).
    pub kind: Kind,
    /// How many times it ran.
    pub attempts: u32,
    /// The command that re-runs just this scenario against the same server.
    pub replay: String,
    /// The scenario (for its path, description and tags).
    pub scenario: Arc<Scenario>,
    /// The classified status.
    pub status: Status,
    /// The known-failure reason, when the expectations file lists it.
    pub expected_reason: Option<String>,
    /// The run itself.
    pub run: FinishedRun,
    /// The spawned server's stderr, if there was one and it wrote anything.
    pub server_stderr: Option<String>,
    /// Wall time.
    pub duration: Duration,
    /// The names its clients used instead of the scenario's (old, new), on a server shared by
    /// every scenario (`run --target`); empty otherwise.
    pub names: Vec<(String, String)>,
}

/// Counts by status and by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Passed.
    pub passed: usize,
    /// Failed unexpectedly (flaky ones included unless allowed).
    pub failed: usize,
    /// Failed as expected.
    pub expected_failures: usize,
    /// Passed unexpectedly.
    pub unexpected_passes: usize,
    /// Could not run.
    pub errors: usize,
    /// Tolerated wording differences.
    pub warnings: usize,
    /// Scenarios of each kind, whatever was expected of them.
    pub kinds: KindCounts,
    /// Of those, the ones listed as known failures (`--expect`) that failed as expected: a
    /// report says `15 fail (all expected)` rather than two totals that seem to disagree.
    pub expected_kinds: KindCounts,
    /// Scenarios and failures per suite tag (`core`, `robust`, `wording`); the JSON lines
    /// carry each scenario's tags, so the summary object leaves these out.
    #[serde(skip)]
    pub tags: TagCounts,
}

/// The suite's levels: what the lab requires, what any robust implementation must do, the
/// reference's answers to the open questions (PROTOCOL.md §6.12), exact wording.
pub const SUITE_TAGS: [&str; 4] = ["core", "robust", "reference", "wording"];

/// The suite tag of a scenario (the first of [`SUITE_TAGS`] among its tags), if any.
pub fn suite_tag(tags: &[String]) -> Option<&'static str> {
    tags.iter()
        .find_map(|t| SUITE_TAGS.iter().find(|s| **s == t.as_str()).copied())
}

/// Scenarios per suite tag, in the order of [`SUITE_TAGS`]: how many ran, passed, and could
/// not run (`error`); an error is never a pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TagCounts {
    /// (selected and finished, passed, errors) per tag.
    pub counts: [(usize, usize, usize); 4],
}

impl Summary {
    /// Counts `outcomes`.
    pub fn of(outcomes: &[Outcome]) -> Self {
        let mut s = Self::default();
        for o in outcomes {
            match o.status {
                Status::Pass => s.passed += 1,
                Status::Fail => s.failed += 1,
                Status::Xfail => s.expected_failures += 1,
                Status::Xpass => s.unexpected_passes += 1,
                Status::Error => s.errors += 1,
            }
            s.kinds.count(o.kind);
            if o.status == Status::Xfail {
                s.expected_kinds.count(o.kind);
            }
            s.warnings += o.run.warnings.len();
            if let Some(i) =
                suite_tag(&o.scenario.tags).and_then(|t| SUITE_TAGS.iter().position(|s| *s == t))
            {
                let passed =
                    o.kind == Kind::Pass || (o.kind == Kind::Flaky && o.status == Status::Pass);
                s.tags.counts[i].0 += 1;
                s.tags.counts[i].1 += usize::from(passed);
                s.tags.counts[i].2 += usize::from(o.kind == Kind::Error);
            }
        }
        s
    }

    /// How a run with these counts ended: errors first, then unexpected failures.
    pub fn end(&self) -> super::run_end::RunEnd {
        use super::run_end::RunEnd;
        if self.errors > 0 {
            RunEnd::Errors
        } else if self.failed > 0 {
            RunEnd::Failed
        } else {
            RunEnd::Passed
        }
    }

    /// The exit status the JSON summary reports (`exit_code`), as the binary maps
    /// [`Summary::end`]: 2 when a scenario could not run, 1 when one failed unexpectedly (or was
    /// flaky, unless allowed), 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }
}
