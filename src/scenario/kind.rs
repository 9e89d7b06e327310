//! What happened to a scenario, as one table: [`KINDS`] has a row per [`Kind`] with
//! everything any code or report knows of it (its name, its label in the human report, what
//! it means, its colours, and which step-level [`FailKind`] it stands for). A new kind is a new
//! variant and a new row; [`KindCounts`] and every report follow the table.
//!
//! How the four classifications relate: the record's [`FailKind`] says why one *step* failed
//! and [`crate::record::Verdict`] is one *attempt*'s result (pass, a failure with its
//! `FailKind`, or an error); a [`Kind`] is what happened to the *scenario* over its attempts
//! (a failed step's `FailKind`, a crash when the server exited, flaky when a retry passed);
//! its [`crate::scenario::outcome::Status`] compares that with what the expectations file
//! expected of the implementation (xfail, xpass).

use crate::record::{FailKind, FinishedRun, Verdict};

/// What happened to a scenario, whatever was expected of it: decided on the runner's types
/// (the failed step's [`FailKind`], whether a spawned server exited, whether a retry passed).
/// Its attributes are its row in [`KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Every step passed.
    Pass,
    /// A wrong or missing frame, or something where nothing was expected.
    Fail,
    /// Only strict-wording differences (under `--strict`).
    Wording,
    /// Nothing within a step's time.
    Timeout,
    /// The server closed or reset a connection the scenario still used.
    Closed,
    /// The spawned server exited during the scenario.
    Crash,
    /// The scenario could not be run (setup, parse, unreachable server).
    Error,
    /// Failed, then passed on a retry.
    Flaky,
}

/// A kind's colours in the HTML reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colours {
    /// Background of its badges and grid cells.
    pub background: &'static str,
    /// Text colour on that background, when the default dark grey would not read.
    pub text: Option<&'static str>,
    /// The edge of its result blocks.
    pub edge: &'static str,
}

/// Everything known of one [`Kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindRow {
    /// The kind.
    pub kind: Kind,
    /// Its name in reports, JSON and CSS classes (`k-NAME`).
    pub name: &'static str,
    /// The human report's first column for a scenario of this kind that needs attention.
    pub label: &'static str,
    /// What it means, for the detail section.
    pub meaning: &'static str,
    /// Its colours in the HTML reports.
    pub colours: Colours,
    /// The step-level failure it stands for, when a failed step alone decides it.
    pub step_failure: Option<FailKind>,
}

const fn colours(background: &'static str, edge: &'static str) -> Colours {
    Colours {
        background,
        text: None,
        edge,
    }
}

/// Every kind, one row each, in report order (the order of [`Kind`]'s variants).
pub const KINDS: [KindRow; 8] = [
    KindRow {
        kind: Kind::Pass,
        name: "pass",
        label: "ok     ",
        meaning: "every step passed",
        colours: colours("#cdeccd", "#2e8b2e"),
        step_failure: None,
    },
    KindRow {
        kind: Kind::Fail,
        name: "fail",
        label: "FAIL   ",
        meaning: "a wrong or missing frame",
        colours: colours("#f8c4c4", "#c62828"),
        step_failure: Some(FailKind::Mismatch),
    },
    KindRow {
        kind: Kind::Wording,
        name: "wording",
        label: "WORDING",
        meaning: "only the wording of a strict-wording step differs",
        colours: colours("#fde2c0", "#e08a1e"),
        step_failure: Some(FailKind::Wording),
    },
    KindRow {
        kind: Kind::Timeout,
        name: "timeout",
        label: "TIMEOUT",
        meaning: "nothing (whole) arrived within the step's time",
        colours: colours("#f9d3a9", "#d2691e"),
        step_failure: Some(FailKind::Timeout),
    },
    KindRow {
        kind: Kind::Closed,
        name: "closed",
        label: "CLOSED ",
        meaning: "the server closed or reset a connection the scenario still used: the server's doing, not the harness's",
        colours: colours("#e8c8f0", "#8e44ad"),
        step_failure: Some(FailKind::Closed),
    },
    KindRow {
        kind: Kind::Crash,
        name: "crash",
        label: "CRASH  ",
        meaning: "the server process exited during the scenario",
        colours: Colours {
            background: "#7a1010",
            text: Some("#fff"),
            edge: "#4a0000",
        },
        step_failure: None,
    },
    KindRow {
        kind: Kind::Error,
        name: "error",
        label: "ERROR  ",
        meaning: "the scenario could not be run",
        colours: colours("#bbb", "#555"),
        step_failure: None,
    },
    KindRow {
        kind: Kind::Flaky,
        name: "flaky",
        label: "FLAKY  ",
        meaning: "failed, then passed when run again on a fresh server: the result depends on timing",
        colours: colours("#fff3a0", "#b8a000"),
        step_failure: None,
    },
];

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; KINDS.len()] = {
        let mut all = [Kind::Pass; KINDS.len()];
        let mut i = 0;
        while i < KINDS.len() {
            all[i] = KINDS[i].kind;
            i += 1;
        }
        all
    };

    /// Its row in [`KINDS`].
    pub fn row(self) -> &'static KindRow {
        // The rows are in the variants' order (checked by a test below).
        &KINDS[self as usize]
    }

    /// The kind named `name` in reports, if any.
    pub fn named(name: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|row| row.name == name)
            .map(|row| row.kind)
    }

    /// The kind of one attempt.
    pub fn of(run: &FinishedRun) -> Self {
        match &run.verdict {
            Verdict::Pass => Self::Pass,
            Verdict::Error(_) => Self::Error,
            Verdict::Fail(_) if run.server_exit.is_some() => Self::Crash,
            Verdict::Fail(f) => KINDS
                .iter()
                .find(|row| row.step_failure == Some(f.kind))
                .map_or(Self::Fail, |row| row.kind),
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// Whether the scenario failed in this attempt (an error is not a failure: it did not run).
    pub fn failed(self) -> bool {
        !matches!(self, Self::Pass | Self::Error | Self::Flaky)
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Scenarios of each [`Kind`]; serialised as an object with a field per kind name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts {
    counts: [usize; KINDS.len()],
}

impl KindCounts {
    /// `n kind`, with how many of them were expected (`15 fail (all expected)`,
    /// `15 fail (3 expected)`), as every report shows a kind's count.
    pub fn shown(&self, expected: &KindCounts, kind: Kind) -> String {
        let (n, known) = (self.get(kind), expected.get(kind));
        match known {
            0 => format!("{n} {}", kind.name()),
            k if k == n => format!("{n} {} (all expected)", kind.name()),
            k => format!("{n} {} ({k} expected)", kind.name()),
        }
    }

    /// The count of `kind`.
    pub fn get(&self, kind: Kind) -> usize {
        self.counts[kind as usize]
    }

    /// Counts one scenario of `kind`.
    pub(super) fn count(&mut self, kind: Kind) {
        self.counts[kind as usize] += 1;
    }
}

impl serde::Serialize for KindCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(KINDS.len()))?;
        for row in &KINDS {
            map.serialize_entry(row.name, &self.get(row.kind))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_variants_and_names_are_unique() {
        for (i, row) in KINDS.iter().enumerate() {
            assert_eq!(row.kind as usize, i, "{} is out of order", row.name);
            assert_eq!(Kind::named(row.name), Some(row.kind));
            assert_eq!(row.label.len(), 7, "{} label width", row.name);
        }
    }

    #[test]
    fn counts_serialise_by_name_in_report_order() {
        let mut counts = KindCounts::default();
        counts.count(Kind::Crash);
        counts.count(Kind::Crash);
        counts.count(Kind::Pass);
        let json = serde_json::to_string(&counts).expect("serialisable");
        assert_eq!(
            json,
            r#"{"pass":1,"fail":0,"wording":0,"timeout":0,"closed":0,"crash":2,"error":0,"flaky":0}"#
        );
        assert_eq!(
            serde_json::to_string(&Kind::Timeout).ok().as_deref(),
            Some(r#""timeout""#)
        );
    }
}
