//! One selected scenario with its id: what the suite schedules, and what the shared-names
//! rewrite and the setup-error grouping take, without importing the scheduler.

use std::sync::Arc;

use crate::language::scenario::Scenario;

/// A scenario with the id reports and `--expect` files use ([`super::suite::scenario_id`]).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The id.
    pub id: String,
    /// The parsed scenario, shared: a matrix gives every implementation the same entries, and
    /// a flood scenario's texts are megabytes (cloned per column, the class of thirty held
    /// 2.7 GB before its first cell had run).
    pub scenario: Arc<Scenario>,
}
