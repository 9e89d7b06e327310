//! Client scenarios (`tests: client`): the harness takes the server's seat. It listens on
//! 127.0.0.1, starts the client program under test in a private working directory, types into
//! its stdin, reads its stdout, plays the server side of its connections (frames encoded and
//! decoded by the project's codec only), and checks the files it saves and how it ends.
//!
//! Parsing lives in [`crate::language::client_parse`] (reached from the scenario parser once
//! the header says `tests: client`), the steps' form in [`crate::language::client_script`],
//! execution in `runner` and `steps`, and the program targets ([`ClientTarget`], [`Seats`]) in
//! `target`. Nothing here touches the server seat's state: the two share only the record's
//! matchers and types, and [`crate::server_seat::Peers`] for interop.

mod cannot_start;
mod check;
mod interop;
mod listen;
mod peer;
mod process;
mod runner;
mod shape;
mod step_error;
mod steps;
mod target;
mod workdir;

pub use crate::language::client_script::{ClientScript, SeatAction, SeatStep};
pub use interop::run_interop_scenario;
pub use process::{strip_escapes, tz_value, LineSplitter};
pub use runner::{run_client_scenario, Launch, TRANSCRIPT_NAME};
pub use target::{ClientTarget, Seats};
pub use workdir::glob_regex;
