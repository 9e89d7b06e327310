//! The core as its tests, the fuzz targets and netfuzz's oracle look into it: counts, queue
//! costs, names, limits and the spool. No server calls them, so `cargo mutants` leaves this
//! file out of the suite's mutation score (`.cargo/mutants.toml`, docs/MUTATION.md).

use super::{ConnId, Core, Limits, Spool};

impl<S: Spool> Core<S> {
    /// Connections the core knows (authenticated or not).
    pub fn connections(&self) -> usize {
        self.room.len()
    }

    /// A connection's queue cost not yet reported written.
    pub fn queued(&self, id: ConnId) -> Option<u64> {
        self.room.session(id).map(|s| s.queued)
    }

    /// The names in use, with their connections.
    pub fn names(&self) -> impl Iterator<Item = (&str, ConnId)> {
        self.room.names()
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The spool (to inspect stored files in tests).
    pub fn spool(&self) -> &S {
        &self.spool
    }
}
