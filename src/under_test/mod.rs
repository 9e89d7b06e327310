//! The implementation under test, as `run`, `bench`, `fuzz`, `matrix` and the client seat's
//! interop scenarios get hold of it: one [`target::Target`] over the built-in reference server
//! in-process ([`builtin`]), a server already running at an address, or a command started per
//! scenario on a port of its own; its `acquire()` hands out a lease with the address, exit
//! status, stderr and files directory (`lease`, `spawn`); the ports they are
//! handed ([`port_lease`]), the probe that says a server is there ([`readiness`]) and the
//! private files directory a server may be given ([`files_dir`]); every program started is
//! stopped as a process group ([`group`]).
//!
//! This module knows nothing of scenarios: `server_seat::provider` runs a scenario on it, and
//! the client seat (`client_seat`) spawns client programs with the same
//! stderr capture ([`stderr::capture_stderr`]).

pub mod builtin;
pub mod contain;
pub mod files_dir;
pub mod group;
mod lease;
pub mod limits;
mod port_lease;
pub mod preflight;
pub mod readiness;
mod spawn;
pub mod stderr;
pub mod target;
mod target_error;
