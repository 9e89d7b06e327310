//! How a client-seat step fails: [`StepError`], a mismatch with what arrived (and what that
//! was) or a setup problem; the runner turns it into the scenario's verdict.

use super::peer::Arrival;
use crate::record::{hex_dump, FailKind};

/// A step that did not pass.
pub(super) enum StepError {
    /// The step failed: why, and what arrived instead.
    Fail {
        kind: FailKind,
        reason: String,
        actual: Option<String>,
        actual_hex: Option<String>,
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
        }
    }

    pub(super) fn fail_with(reason: impl Into<String>, arrival: &Arrival) -> Self {
        Self::Fail {
            kind: FailKind::Mismatch,
            reason: reason.into(),
            actual: Some(arrival.summary()),
            actual_hex: arrival.wire_bytes().map(|b| hex_dump(&b, 8)),
        }
    }

    /// The same failure, of another kind (a timeout, a closed connection).
    pub(super) fn of_kind(self, kind: FailKind) -> Self {
        match self {
            Self::Fail {
                reason,
                actual,
                actual_hex,
                ..
            } => Self::Fail {
                kind,
                reason,
                actual,
                actual_hex,
            },
            error => error,
        }
    }

    pub(super) fn fail_line(reason: impl Into<String>, line: &str) -> Self {
        Self::Fail {
            kind: FailKind::Mismatch,
            reason: reason.into(),
            actual: Some(format!("stdout line {:?}", super::process::shown(line))),
            actual_hex: None,
        }
    }
}
