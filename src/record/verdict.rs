//! What running a scenario yields: the verdict (pass, a failed step with its [`FailKind`], or
//! an error), tolerated wording warnings, and the clients' transcripts.

use super::deviation::{Deviation, Skipped};
pub use super::fail_kind::FailKind;

/// Where and why a scenario failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind of deviation it is.
    pub kind: FailKind,
    /// 1-based line of the step.
    pub line: usize,
    /// The step as written.
    pub step: String,
    /// The `repeat` iteration, when inside one.
    pub iteration: Option<u32>,
    /// The client concerned.
    pub client: Option<String>,
    /// What was wrong, in words.
    pub reason: String,
    /// What arrived instead, decoded, if anything did.
    pub actual: Option<String>,
    /// Its bytes as a hex dump.
    pub actual_hex: Option<String>,
    /// The typed shape of a failed expectation (what was waited for, what came instead);
    /// `None` for failures that are not an expectation's (a send, the end-of-scenario check).
    pub deviation: Option<Deviation>,
    /// What an expectation passed over before it failed, when it passed over anything.
    pub skipped: Option<Skipped>,
}

/// A wording difference tolerated outside `--strict`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line of the step.
    pub line: usize,
    /// What differed.
    pub message: String,
}

/// The outcome of one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every step passed.
    Pass,
    /// A step failed.
    Fail(Box<Failure>),
    /// The scenario could not be run (cannot connect, or a scenario mistake).
    Error(String),
}

/// A finished run of one scenario, as the record keeps it: the verdict, the warnings and the
/// transcripts (what the seats produce and the reports read).
#[derive(Debug, Clone)]
pub struct FinishedRun {
    /// Pass, fail or error.
    pub verdict: Verdict,
    /// Tolerated wording differences.
    pub warnings: Vec<Warning>,
    /// Each client's transcript up to the end (or the failure), in order of first connect.
    pub transcripts: Vec<(String, Vec<String>)>,
    /// How a spawned server ended, when it exited by itself before the scenario was over.
    pub server_exit: Option<String>,
    /// After the server closed a connection the scenario still used: whether it still
    /// accepted a new one (`Some(false)`: the server is gone, not just that connection).
    pub still_accepting: Option<bool>,
    /// The file bodies the scenario sent completely (for the files-directory check).
    pub sent_bodies: Vec<super::Digest>,
    /// Every client's frames and actions in one time order, and the writes that carried
    /// several frames (empty for runs that keep no timeline, e.g. client scenarios).
    pub timeline: super::TimelineLog,
    /// When the failing step started (its place in the timeline), for a failed run.
    pub failed_at: Option<super::Mark>,
}

impl FinishedRun {
    /// A run that could not start.
    pub fn error(message: String) -> Self {
        Self {
            verdict: Verdict::Error(message),
            warnings: Vec::new(),
            transcripts: Vec::new(),
            server_exit: None,
            still_accepting: None,
            sent_bodies: Vec::new(),
            timeline: super::TimelineLog::default(),
            failed_at: None,
        }
    }
}
