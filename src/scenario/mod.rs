//! Running a suite: scenarios found and selected ([`suite`], [`embedded`]), scheduled over the
//! seats (the server seat in [`crate::server_seat`], the client seat in
//! [`crate::client_seat`]), their outcomes classified ([`outcome`], by the table of kinds in [`kind`]), known failures and shared
//! names applied, and the command `chat-harness run` assembled ([`command`]). The language is
//! in [`crate::language`], what a run produces in [`crate::record`], the reports in
//! [`crate::report`].

pub mod command;
pub mod embedded;
pub mod entry;
pub mod kind;
pub mod known_failures;
pub mod nearest;
pub mod outcome;
pub mod replay;
pub mod run_end;
pub mod seat_counts;
pub mod setup_error;
pub mod shared_cause;
pub mod shared_names;
pub mod slots;
pub mod suite;
pub mod written;

// The language's entry points, still reachable where the whole tree has called them for years.
pub use crate::language::{
    parse_duration, parse_file, parse_size, parse_str, ParseError, Scenario,
};
// Where running a scenario on an implementation under test lived before the seats moved out.
pub use crate::server_seat::provider;
