//! Who a session's client is. The generator gives each role's clients a fixed name prefix
//! (bystanders `b`, the witness `w1`, the probe `p1`, canaries `canary`, the slow reader `s1`,
//! attackers `x`); this is the one place that reads a role back from a name.

use super::generate::CANARIES;
use super::probe::{PROBE, WITNESS};
use super::stall::SLOW;

/// A client's part in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A well-behaved client that exchanges texts and files with the other bystander.
    Bystander,
    /// The well-behaved client that checks every well-behaved action as it happens.
    Witness,
    /// The well-behaved client that does what the reference semantics define exactly; also
    /// its names after renames (`q1`, ...).
    Probe,
    /// The fresh pair that joins at the end.
    Canary,
    /// The client that stops reading during a flood.
    Slow,
    /// A client that sends mutated frames.
    Attacker,
}

impl Role {
    /// The role of the client (or chat name) `name`.
    pub fn of(name: &str) -> Self {
        if CANARIES.iter().any(|c| name.starts_with(c)) {
            Self::Canary
        } else if name.starts_with(WITNESS) {
            Self::Witness
        } else if name.starts_with(PROBE) || name.starts_with('q') {
            Self::Probe
        } else if name.starts_with(SLOW) {
            Self::Slow
        } else if name.starts_with('b') {
            Self::Bystander
        } else {
            Self::Attacker
        }
    }
}

/// The sender a written `chat from SENDER` or `file from SENDER` step names, if any.
pub fn sender_in_step(step: &str) -> Option<&str> {
    let (_, rest) = step.split_once(" from ")?;
    let word = rest.split(' ').next()?;
    Some(word.trim_matches('"'))
}
