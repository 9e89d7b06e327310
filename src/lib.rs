//! chat-harness: a reference implementation and a test bench for a small binary chat protocol
//! over TCP (length-prefixed frames for auth, text, files, rename and exit).
//!
//! # Layout
//! - [`protocol`]: typed frames, their encoding, and the one streaming decoder (owned frames,
//!   or borrowed views that allocate nothing).
//! - [`client`]: a connection to a chat server (typed frames and files out, events in).
//! - [`core`]: the chat server's logic as a sans-IO state machine, shared by both server modes
//!   and the `core_session` fuzz target.
//! - [`server`]: the drivers (threaded and polling), the files directory, and [`server::spawn`]
//!   to run a server in-process.
//! - [`scenario`]: the `.chat` conformance language, its runner and reports; client scenarios
//!   (`tests: client`) in [`scenario::client_seat`], where the harness plays the server
//!   (`chat-harness run`).
//! - [`matrix`]: the interoperability matrix (`chat-harness matrix`): every server and client
//!   of a TOML file on its suite, as one grid per suite in HTML and JSON.
//! - [`netfuzz`]: the black-box network fuzzer (`chat-harness fuzz`): mutated multi-client
//!   sessions, layered oracles, failures shrunk and saved as `.chat` reproducers.
//! - [`fuzzing`]: the bodies of the cargo-fuzz targets, so that `cargo test` can replay their
//!   corpora on stable.
//! - [`load`]: the load generator behind `chat-harness bench` (message, file and connect
//!   shapes, checked deliveries, latency and CPU).
//! - [`safe_name`]: peer-chosen file names made safe to create in a directory.
//! - [`units`]: the one grammar of durations and sizes, for the command line and scenarios.
//! - `cli` (binary only): the command line.

pub mod client;
pub mod core;
pub mod fuzzing;
pub mod load;
pub mod matrix;
pub mod netfuzz;
pub mod protocol;
pub mod safe_name;
pub mod scenario;
pub mod server;
pub mod under_test;
pub mod units;
