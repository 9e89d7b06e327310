//! Who a session's client is. The generator gives each role's clients a fixed name prefix
//! (bystanders `b`, the witness `w1`, the probe `p1` (`q…` after renames), canaries
//! `canary`, the slow reader `s1`, attackers `x`); this is the one place that knows the
//! prefixes and reads a role back from a name.

/// The canary pair's names.
pub const CANARIES: [&str; 2] = ["canary1", "canary2"];
/// The witness's name (before the session's suffix).
pub const WITNESS: &str = "w1";
/// The probe's name (before the session's suffix).
pub const PROBE: &str = "p1";
/// The slow client's name (before the session's suffix).
pub const SLOW: &str = "s1";
/// The prefix of the probe's names after a rename.
pub const RENAMED_PROBE: &str = "q";
/// The prefix of the bystanders' names.
pub const BYSTANDER: &str = "b";
/// The prefix of the attackers' names.
pub const ATTACKER: &str = "x";

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
        } else if name.starts_with(PROBE) || name.starts_with(RENAMED_PROBE) {
            Self::Probe
        } else if name.starts_with(SLOW) {
            Self::Slow
        } else if name.starts_with(BYSTANDER) {
            Self::Bystander
        } else {
            Self::Attacker
        }
    }

    /// Whether the client is one of the layers' well-behaved checkers (witness, probe, slow
    /// reader), which the shrinker drops or keeps together.
    pub fn is_layer(self) -> bool {
        matches!(self, Self::Witness | Self::Probe | Self::Slow)
    }
}
