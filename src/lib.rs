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
//! - [`language`]: the `.chat` scenario language: lexer, parser, the syntax trees of server
//!   scripts ([`language::model`]) and client scripts ([`language::client_script`]) beside
//!   each other, and the writer. Runs nothing.
//! - [`record`]: what a run produces (verdicts, failures, deviations, timeline, transcripts,
//!   received frames, upload digests) and the matchers that judge frames; below both seats.
//! - [`server_seat`]: the harness plays the clients against a server under test; running a
//!   scenario on an implementation under test in [`server_seat::provider`].
//! - [`client_seat`]: client scenarios (`tests: client`), where the harness plays the server
//!   (`chat-harness run`), and interop scenarios through a real server.
//! - [`report`]: the human, JSON, JUnit and HTML reports; they read the record, never a seat.
//! - [`scenario`]: running a suite: discovery, selection, scheduling over the seats, outcome
//!   kinds, known failures ([`scenario::known_failures`]), shared names, and `chat-harness run`
//!   as a library function returning a typed end ([`scenario::run_end`]).
//! - [`matrix`]: the interoperability matrix (`chat-harness matrix`): every server and client
//!   of a TOML file on its suite, as one grid per suite in HTML and JSON.
//! - [`netfuzz`]: the black-box network fuzzer (`chat-harness fuzz`): mutated multi-client
//!   sessions, layered oracles, failures shrunk and saved as `.chat` reproducers; its modules
//!   import as a tree (roles and step builders are leaves).
//! - [`proxy`]: `chat-harness proxy`, between any client and any server: bytes forwarded
//!   unchanged (or cut into pieces), every frame of both directions decoded and reported.
//! - [`fuzz_targets`]: the bodies of the cargo-fuzz targets, so that `cargo test` can replay their
//!   corpora on stable.
//! - [`load`]: the load generator behind `chat-harness bench` (message, file and connect
//!   shapes, checked deliveries, latency and CPU).
//! - [`safe_name`]: peer-chosen file names made safe to create in a directory;
//!   [`unique_file`] creates them without overwriting.
//! - [`shard`]: `--shard K/N`, the deterministic split of `matrix` and `fuzz` over CI runners.
//! - [`statements`]: the numbered statements of docs/PROTOCOL.md that scenarios `checks:`.
//! - [`units`]: the one grammar of durations and sizes, for the command line and scenarios.
//!
//! The binary (`src/main.rs`, `src/cli/`) is the command line: every subcommand's arguments
//! in `cli/args/`, one file per subcommand, and `main.rs` alone mapping outcomes to exit
//! statuses. The library never imports it.

pub mod client;
pub mod client_seat;
pub mod core;
pub mod fuzz_targets;
pub mod interrupt;
pub mod language;
pub mod load;
pub mod matrix;
pub mod netfuzz;
pub mod protocol;
pub mod proxy;
pub mod record;
pub mod report;
pub mod safe_name;
pub mod scenario;
pub mod server;
pub mod server_seat;
pub mod shard;
pub mod statements;
pub mod under_test;
pub mod unique_file;
pub mod units;
