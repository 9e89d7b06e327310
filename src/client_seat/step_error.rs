//! How a client-seat step fails: [`StepError`], a mismatch with what arrived (and what that
//! was) or a setup problem; the runner turns it into the scenario's verdict.

use super::peer::Arrival;
use crate::record::{hex_dump, FailKind, Got, Wanted};

/// A step that did not pass.
pub(super) enum StepError {
    /// The step failed: why, and what arrived instead.
    Fail {
        kind: FailKind,
        reason: String,
        actual: Option<String>,
        actual_hex: Option<String>,
        /// What the step waited for, when it is not what the step's statement says (a step
        /// that found no connection waited for one).
        wanted: Option<Wanted>,
        /// The kind of thing that came instead, when it is not said by `kind` alone.
        got: Option<Got>,
    },
    /// The scenario could not go on (a setup problem).
    Error(String),
}

impl StepError {
    pub(super) fn fail(reason: impl Into<String>) -> Self {
        Self::Fail {
            kind: FailKind::Mismatch,
            reason: reason.into(),
            actual: None,
            actual_hex: None,
            wanted: None,
            got: None,
        }
    }

    pub(super) fn fail_with(reason: impl Into<String>, arrival: &Arrival) -> Self {
        Self::Fail {
            kind: FailKind::Mismatch,
            reason: reason.into(),
            actual: Some(arrival.summary()),
            actual_hex: arrival.wire_bytes().map(|b| hex_dump(&b, 8)),
            wanted: None,
            got: Some(arrival.got()),
        }
    }

    /// The same failure, of another kind (a timeout, a closed connection).
    pub(super) fn of_kind(mut self, of: FailKind) -> Self {
        if let Self::Fail { kind, .. } = &mut self {
            *kind = of;
        }
        self
    }

    /// The same failure, having waited for `what` and got `instead` (for grouping failures
    /// that share one cause).
    pub(super) fn shaped(mut self, what: Option<Wanted>, instead: Got) -> Self {
        if let Self::Fail { wanted, got, .. } = &mut self {
            *wanted = what.or(*wanted);
            *got = Some(instead);
        }
        self
    }

    pub(super) fn fail_line(reason: impl Into<String>, line: &str) -> Self {
        Self::Fail {
            kind: FailKind::Mismatch,
            reason: reason.into(),
            actual: Some(format!("stdout line {:?}", super::process::shown(line))),
            actual_hex: None,
            wanted: None,
            got: Some(Got::Output),
        }
    }
}
