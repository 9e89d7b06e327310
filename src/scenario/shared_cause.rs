//! Failures that share one first deviation: scenarios of the same outcome kind whose failing
//! step waited for the same kind of thing and got the same kind of thing instead (grouped on
//! the typed [`Kind`] and [`Deviation`], never on the reason text), so a report can say
//! "probably one cause" once. Flaky scenarios are left out: their failure depends on timing.
//! Server, client and interop scenarios group alike, each seat apart: a client program's
//! missing auth frame and a server's missing auth-ok are not one cause.

use std::collections::BTreeMap;

use super::outcome::{Kind, Outcome, Status};
use super::seat_counts::Seat;
use crate::record::{Deviation, Verdict};

/// Fewest scenarios that make a group worth a line.
pub const GROUP_AT_LEAST: usize = 2;

/// One first deviation shared by several unexpected failures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SharedDeviation {
    /// The seat of their scenarios (left out of JSON for server scenarios, as it always was).
    #[serde(skip_serializing_if = "Seat::is_server")]
    pub seat: Seat,
    /// Their outcome kind (a crash and a close differ even at the same step).
    pub outcome: Kind,
    /// The shape they share.
    #[serde(flatten)]
    pub deviation: Deviation,
    /// In words: "expected 0x00 auth-ok, got 0x03 notice".
    pub description: String,
    /// How many scenarios.
    pub count: usize,
    /// Their ids, in run order.
    pub scenarios: Vec<String>,
}

impl SharedDeviation {
    /// The report line: "67 scenarios fail at their first deviation the same way: ...".
    pub fn line(&self) -> String {
        let seat = match self.seat {
            Seat::Server => "",
            Seat::Client => "client ",
            Seat::Interop => "interop ",
        };
        format!(
            "{} {seat}scenarios fail at their first deviation the same way: {} ({}) -- probably one cause",
            self.count,
            self.description,
            self.outcome.name()
        )
    }
}

/// The groups of at least [`GROUP_AT_LEAST`] unexpected failures with the same deviation,
/// largest first.
pub fn shared_deviations(outcomes: &[Outcome]) -> Vec<SharedDeviation> {
    let mut groups: BTreeMap<(Seat, Kind, Deviation), Vec<String>> = BTreeMap::new();
    for outcome in outcomes {
        if outcome.status != Status::Fail || !outcome.kind.failed() {
            continue;
        }
        if let Verdict::Fail(failure) = &outcome.run.verdict {
            if let Some(deviation) = failure.deviation {
                groups
                    .entry((Seat::of(&outcome.scenario), outcome.kind, deviation))
                    .or_default()
                    .push(outcome.id.clone());
            }
        }
    }
    let mut shared: Vec<SharedDeviation> = groups
        .into_iter()
        .filter(|(_, ids)| ids.len() >= GROUP_AT_LEAST)
        .map(|((seat, outcome, deviation), scenarios)| SharedDeviation {
            seat,
            description: deviation.describe(),
            outcome,
            deviation,
            count: scenarios.len(),
            scenarios,
        })
        .collect();
    shared.sort_by_key(|group| std::cmp::Reverse(group.count));
    shared
}
