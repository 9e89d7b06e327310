//! The conformance language and its runner: `.chat` files are parsed into [`Scenario`]s
//! ([`parser`]), executed against a server address with the project's client connection
//! ([`run`]), selected and scheduled over targets ([`suite`], [`target`]), and reported
//! ([`report`]), and written back as text ([`writer`]). No second parser: every byte from the server goes through the codec.

pub mod client_seat;
pub mod command;
mod cursor;
pub mod embedded;
pub mod error;
pub mod files_dir;
pub mod known_failures;
mod lexer;
pub mod model;
pub mod nearest;
mod outcome;
mod parse_expect;
mod parse_send;
pub mod parser;
pub mod provider;
pub mod replay;
pub mod report;
pub mod run;
pub mod seat_counts;
pub mod setup_error;
pub mod shared_cause;
pub mod shared_names;
pub mod suite;
pub mod writer;
pub mod written;

pub use cursor::{parse_duration, parse_size};
pub use error::ParseError;
pub use model::Scenario;
pub use parser::{parse_file, parse_str};
