//! The `.chat` scenario language, and nothing that runs it: the lexer, the parser (server
//! scripts and, beside them, client scripts for `tests: client`), the syntax tree ([`model`],
//! [`client_script`]) and the writer that turns a tree back into text. Imports only the
//! protocol's frame types; every seat, report and command sits above it.

pub mod client_parse;
pub mod client_script;
mod cursor;
pub mod error;
mod lexer;
pub mod model;
mod parse_expect;
mod parse_send;
mod parse_serve;
pub mod parser;
pub mod scenario;
pub mod server_limits;
pub mod writer;

pub use cursor::{parse_duration, parse_size};
pub use error::ParseError;
pub use parser::{parse_file, parse_str};
pub use scenario::{Scenario, Subject};
