//! Which scenarios check which statement (`chat-harness scenarios coverage`): every statement
//! of docs/PROTOCOL.md with the scenarios that name it in `checks:`, per seat, the statements
//! no scenario of the right seat checks (with the reason when docs/unchecked-statements.toml
//! gives one), and the ids scenarios cite that the document lacks.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Seat, Statement};
use crate::scenario::suite::Entry;

/// The seat a scenario plays against: a server, a client program, or a client through a
/// real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ScenarioSeat {
    /// A server scenario.
    Server,
    /// A client scenario (`tests: client`).
    Client,
    /// An interop scenario (`tests: interop`).
    Interop,
}

impl ScenarioSeat {
    /// The seat `entry` tests.
    pub fn of(entry: &Entry) -> Self {
        match (
            entry.scenario.tests_interop(),
            entry.scenario.tests_client(),
        ) {
            (true, _) => Self::Interop,
            (false, true) => Self::Client,
            (false, false) => Self::Server,
        }
    }

    /// Whether a scenario of this seat can check a statement that binds `seat`.
    fn checks(self, seat: Seat) -> bool {
        match seat {
            Seat::Server => self == Self::Server,
            Seat::Client => self != Self::Server,
        }
    }
}

/// One statement's line of the coverage.
#[derive(Debug, Clone)]
pub struct Line {
    /// The statement.
    pub statement: Statement,
    /// The ids of the scenarios naming it, per seat.
    pub scenarios: BTreeMap<ScenarioSeat, Vec<String>>,
    /// Why no scenario can check it, from the table.
    pub reason: Option<String>,
}

impl Line {
    /// Whether a scenario of the seat the statement binds checks it.
    pub fn covered(&self) -> bool {
        self.scenarios
            .iter()
            .any(|(seat, ids)| seat.checks(self.statement.seat) && !ids.is_empty())
    }
}

/// The whole coverage.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// One line per statement, in document order.
    pub lines: Vec<Line>,
    /// Scenarios that name no statement.
    pub citing_nothing: Vec<String>,
    /// `(scenario, id)` for each cited id the document lacks.
    pub unknown: Vec<(String, String)>,
}

impl Coverage {
    /// The statements neither checked by a scenario of their seat nor given a reason.
    pub fn uncovered(&self) -> Vec<&Line> {
        self.lines
            .iter()
            .filter(|l| !l.covered() && l.reason.is_none())
            .collect()
    }

    /// Whether every statement is covered or excused, every scenario cites one, and every
    /// cited id exists.
    pub fn complete(&self) -> bool {
        self.uncovered().is_empty() && self.citing_nothing.is_empty() && self.unknown.is_empty()
    }
}

/// The coverage of `statements` by `entries`, with `reasons` for the unchecked ones.
pub fn coverage(
    statements: &[Statement],
    entries: &[Entry],
    reasons: &BTreeMap<String, String>,
) -> Coverage {
    let mut result = Coverage::default();
    let mut lines: Vec<Line> = statements
        .iter()
        .map(|s| Line {
            statement: s.clone(),
            scenarios: BTreeMap::new(),
            reason: reasons.get(&s.id).cloned(),
        })
        .collect();
    for entry in entries {
        if entry.scenario.checks.is_empty() {
            result.citing_nothing.push(entry.id.clone());
        }
        let seat = ScenarioSeat::of(entry);
        for id in &entry.scenario.checks {
            match lines.iter_mut().find(|l| &l.statement.id == id) {
                Some(line) => line
                    .scenarios
                    .entry(seat)
                    .or_default()
                    .push(entry.id.clone()),
                None => result.unknown.push((entry.id.clone(), id.clone())),
            }
        }
    }
    result.lines = std::mem::take(&mut lines);
    result
}

/// The coverage as text: one block per statement, then the totals and any problem.
pub fn render(coverage: &Coverage) -> String {
    let mut out = String::new();
    for line in &coverage.lines {
        let s = &line.statement;
        let _ = writeln!(out, "{} ({}) {}", s.id, s.seat.name(), s.short(100));
        for (seat, ids) in &line.scenarios {
            let _ = writeln!(out, "    {:<8} {}", seat_name(*seat), ids.join(" "));
        }
        match (&line.reason, line.covered()) {
            (Some(reason), false) => {
                let _ = writeln!(out, "    unchecked: {reason}");
            }
            (Some(reason), true) => {
                let _ = writeln!(out, "    (also noted: {reason})");
            }
            (None, false) => {
                let _ = writeln!(
                    out,
                    "    UNCOVERED: no {} scenario checks it",
                    s.seat.name()
                );
            }
            (None, true) => {}
        }
    }
    let covered = coverage.lines.iter().filter(|l| l.covered()).count();
    let excused = coverage
        .lines
        .iter()
        .filter(|l| !l.covered() && l.reason.is_some())
        .count();
    let _ = writeln!(
        out,
        "\n{} statements: {covered} checked by a scenario of their seat, {excused} unchecked with a reason, {} uncovered",
        coverage.lines.len(),
        coverage.uncovered().len()
    );
    for id in &coverage.citing_nothing {
        let _ = writeln!(
            out,
            "scenario {id} names no statement (add a `checks:` line)"
        );
    }
    for (scenario, id) in &coverage.unknown {
        let _ = writeln!(
            out,
            "scenario {scenario} checks {id}, which docs/PROTOCOL.md lacks"
        );
    }
    out
}

fn seat_name(seat: ScenarioSeat) -> &'static str {
    match seat {
        ScenarioSeat::Server => "server:",
        ScenarioSeat::Client => "client:",
        ScenarioSeat::Interop => "interop:",
    }
}
