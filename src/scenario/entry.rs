//! One selected scenario with its id: what the suite schedules, and what the shared-names
//! rewrite and the setup-error grouping take, without importing the scheduler.

use crate::language::scenario::Scenario;

/// A scenario with the id reports and `--expect` files use ([`super::suite::scenario_id`]).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The id.
    pub id: String,
    /// The parsed scenario.
    pub scenario: Scenario,
}
