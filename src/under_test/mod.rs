//! The implementation under test, as `run`, `bench`, `fuzz` and `matrix` get hold of it: a
//! server already running at an address, a command started per scenario on a port of its own
//! ([`target`]), or the built-in reference server in-process ([`builtin`]); the ports they are
//! handed ([`port_lease`]), the probe that says a server is there ([`readiness`]) and the
//! private files directory a server may be given ([`files_dir`]); every program started is
//! stopped as a process group ([`group`]).
//!
//! This module knows nothing of scenarios: `scenario::provider` runs a scenario on each of
//! these, and the client seat (`scenario::client_seat`) spawns client programs with the same
//! stderr capture ([`stderr::capture_stderr`]).

pub mod builtin;
pub mod contain;
pub mod files_dir;
pub mod group;
pub mod limits;
mod port_lease;
pub mod preflight;
pub mod readiness;
pub mod stderr;
pub mod target;
