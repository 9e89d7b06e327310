//! The conformance language and its runner: `.chat` files are parsed into [`Scenario`]s
//! ([`parser`]), executed against a server address with the project's client connection
//! ([`run`]), selected and scheduled over targets ([`suite`], [`target`]), and reported
//! ([`report`]), and written back as text ([`writer`]). No second parser: every byte from the server goes through the codec.

pub mod command;
pub mod embedded;
pub mod entry;
pub mod files_dir;
pub mod known_failures;
pub mod nearest;
pub mod outcome;
pub mod provider;
pub mod replay;
pub mod seat_counts;
pub mod setup_error;
pub mod shared_cause;
pub mod shared_names;
pub mod suite;

// The language's entry points, still reachable where the whole tree has called them for years.
pub use crate::language::{
    parse_duration, parse_file, parse_size, parse_str, ParseError, Scenario,
};
