//! chat-harness: a reference implementation and a test bench for a small binary chat protocol
//! over TCP (length-prefixed frames for auth, text, files, rename and exit).
//!
//! # Layout
//! - [`protocol`]: typed frames, their encoding, and the one streaming decoder (owned frames,
//!   or borrowed views that allocate nothing).
//! - [`client`]: a connection to a chat server (typed frames and files out, events in).
//! - [`core`]: the chat server's logic as a sans-IO state machine, shared by both server modes
//!   and the `core_session` fuzz target. (The name shadows the `core` crate inside this one;
//!   code here that means the crate writes `::core`.)
//! - [`server`]: the drivers (threaded and polling), the files directory, and [`server::spawn`]
//!   to run a server in-process.
//! - [`under_test`]: the implementation under test, for `run`, `bench`, `fuzz` and `matrix`
//!   alike: a server at an address, a command spawned per scenario on a leased port, or the
//!   built-in server; the readiness probe and private files directories; every program it
//!   starts in a process group of its own, under resource limits. Knows no scenarios.
//! - [`interrupt`]: Ctrl-C, SIGTERM and SIGHUP for `run` and `matrix`: stop starting
//!   scenarios, reap, report what finished.
//! - [`scenario`]: the `.chat` conformance language, its runner and reports; running a
//!   scenario on an implementation under test in [`scenario::provider`]; known failures in
//!   [`scenario::known_failures`]; client scenarios (`tests: client`) in
//!   [`scenario::client_seat`], where the harness plays the server (`chat-harness run`).
//! - [`matrix`]: the interoperability matrix (`chat-harness matrix`): every server and client
//!   of a TOML file on its suite, as one grid per suite in HTML and JSON.
//! - [`netfuzz`]: the black-box network fuzzer (`chat-harness fuzz`): mutated multi-client
//!   sessions, layered oracles, failures shrunk and saved as `.chat` reproducers; its modules
//!   import as a tree (roles and step builders are leaves).
//! - [`proxy`]: `chat-harness proxy`, between any client and any server: bytes forwarded
//!   unchanged (or cut into pieces), every frame of both directions decoded and reported.
//! - [`fuzzing`]: the bodies of the cargo-fuzz targets, so that `cargo test` can replay their
//!   corpora on stable.
//! - [`load`]: the load generator behind `chat-harness bench` (message, file and connect
//!   shapes, checked deliveries, latency and CPU).
//! - [`safe_name`]: peer-chosen file names made safe to create in a directory.
//! - [`statements`]: the numbered statements of docs/PROTOCOL.md that scenarios `checks:`.
//! - [`units`]: the one grammar of durations and sizes, for the command line and scenarios.
//!
//! The binary (`src/main.rs`, `src/cli/`) is the command line: every subcommand's arguments
//! in `cli/args/`, one file per subcommand, and `main.rs` alone mapping outcomes to exit
//! statuses. The library never imports it.

pub mod client;
pub mod core;
pub mod fuzzing;
pub mod interrupt;
pub mod load;
pub mod matrix;
pub mod netfuzz;
pub mod protocol;
pub mod proxy;
pub mod safe_name;
pub mod scenario;
pub mod server;
pub mod statements;
pub mod under_test;
pub mod units;
