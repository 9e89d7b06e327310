//! The integration tests: one binary, one module per area.

/// The client connection type against a scripted peer.
mod client_connection;
/// Malformed frames: each yields its typed error and the stream stays in sync.
mod codec_errors;
/// Exact wire bytes of every frame type, from the protocol notes.
mod codec_golden;
/// Chunking independence: every split of a valid stream decodes the same.
mod codec_streaming;
/// The tokio adapter decodes the same items as the blocking decoder.
mod codec_tokio;
/// A test-only chat server with one protocol rule broken at a time.
mod faulty;
/// The committed fuzz corpora, replayed through the fuzz target bodies.
mod fuzz_corpus;
/// The conformance suite catches every fault of the test server and passes its clean variant.
mod scenario_faults;
/// The `.chat` parser: statements, unrolling, and errors located to the character.
mod scenario_parser;
/// Reports (snapshots), strictness, JUnit and exit codes of `chat-harness run`.
mod scenario_report;
/// The runner against scripted peers: bytes on the wire, resets, time checks, clean-up.
mod scenario_runner;
/// The suite passes against the reference server (both modes) and behaves as documented
/// against a Python server in the original's style.
mod scenario_suite;
/// Shared helpers.
mod support;
