//! The integration tests: one binary, one module per area.

/// The class recipes (GitHub, GitLab) and ClusterFuzzLite: parsed, their commands run in order.
mod ci_class;
/// The example GitHub Actions workflow: parsed, and its chat-harness commands run.
mod ci_workflow;
/// The client binary through pipes.
mod cli_client;
/// The client binary against the in-process reference server.
mod cli_client_chat;
/// What the binary says to a user's small mistakes: each cause once, help that cites real files.
mod cli_messages;
/// The client connection type against a scripted peer.
mod client_connection;
/// `fuzz --client`: the reference client survives, faulty and lab-style clients' faults found.
mod client_fuzz;
/// Client and interop runs group failures by cause, in text and HTML, like server runs.
mod client_groups;
/// The client seat's parser, helpers and second connections.
mod client_seat;
/// The client seat on a fixed port: listeners closed in time, a busy port waited for.
mod client_seat_port;
/// Client scenarios: the reference, lab-style and faulty clients against `scenarios/client/`.
mod client_suite;
/// Sequence diagrams: `run --diagram` parsed as SVG, and the docs' diagrams kept fresh.
mod diagram;
/// `matrix`'s grades.csv against its matrix.json.
mod grades;
/// `run --html` as rich as the text report: hints and per-tag counts on the lab-style server.
mod html_rich;
/// Levels: other answers to PROTOCOL.md §6.12 fail `reference` scenarios only.
mod levels;
/// PROTOCOL.md's numbered statements, the scenarios' `checks:` lines, `scenarios coverage`.
mod statements;
/// Shared helpers: frames encoded and decoded whole, `chat-harness run` ended as the binary
/// ends it, the snapshot helper and its filters, Python's presence.
mod support;
/// Shared helpers for the server tests: a server per test, a deadline-bound client, `both_modes!`.
#[macro_use]
mod server_support;

/// The borrowed decode: views into the input, consumed-byte accounting, errors and bodies.
mod codec_borrowed;
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
/// Server memory during an unpaced flood with flow control, both modes (ignored; a measurement).
mod flow_memory;
/// The committed fuzz corpora, replayed through the fuzz target bodies.
mod fuzz_corpus;
/// Help examples never break inside a quoted argument, at 80 columns or off a terminal.
mod help_examples;
/// Each hint against a server with exactly that fault (wrong-hint and no-hint cases).
mod hint_accuracy;
/// Every other hint from a server with that fault (test server, lab stand-in); none when clean.
mod hint_faults;
/// Errors never counted as passes (per tag, summary, JSON, JUnit, matrix); known failures
/// shown beside their kind.
mod honest_counts;
/// The polling server with 10 000 idle clients and its memory per client (ignored; heavy).
mod idle_clients;
/// SIGINT and SIGTERM during `run --spawn` and `matrix`: exit status, summary, partial
/// reports, and no process left behind.
mod interrupt;
/// The lab server's two races, widened in its stand-in: core tolerates them, robust twins do not.
mod lab_races;
/// Resource limits: a fork bomb, a 4 GiB allocation, an endless loop and an endless writer
/// each end as a `crash` naming the limit.
mod limits;
/// The load generator's file shape checks every byte and fails a run that lost one.
mod load_file_verify;
/// The load generator fails a run that loses, duplicates or reorders a message.
mod load_verify;
/// Long texts cut with their length and where they first differ.
mod long_lines;
/// `chat-harness matrix` and `run --html`: grids and details read back with an HTML parser.
mod matrix;
/// `matrix --shard K/N` and `matrix merge`: 4 shards merged equal a single run.
mod matrix_shard;
/// `matrix` runs implementations side by side: a progress line each; `interop_pairs` samples pairs.
mod matrix_side_by_side;
/// The network fuzzer: determinism, nothing found on clean servers, every fault found and replayed.
mod netfuzz;
/// `chat-harness fuzz` from the command line, against a spawned server process that crashes.
mod netfuzz_cli;
/// `fuzz --shard K/N` and `fuzz merge`: disjoint sessions, one finding per fault.
mod netfuzz_shard;
/// `chat-harness proxy` between the built-in server and scripted clients: every frame shown.
mod proxy;
/// `proxy --check`: the original-style server's notice leak is a deviation; the built-in, none.
mod proxy_check;
/// The proxy binary: JSON lines while it runs, a clean stop on Ctrl-C.
mod proxy_cli;
/// The proxy's delay, coalesce, bandwidth and reset-after, measured from outside.
mod proxy_perturb;
/// `proxy --record`: the session as a scenario that replays, and fails where a server differs.
mod proxy_record;
/// `run --transport slice=1`: core passes on the built-in server, fails on the stand-in.
mod proxy_transport;
/// The human report's account of a cause: merged writes, races, stalled readers, crashes.
mod report_causes;
/// The conformance suite catches every fault of the test server and passes its clean variant.
mod scenario_faults;
/// `{files}`: a private files directory per scenario, checked for writes outside it and for
/// stored files that match nothing sent.
mod scenario_files_dir;
/// Outcome kinds from a server made for each, in every report; retries and flaky scenarios.
mod scenario_kinds;
/// The `.chat` parser: statements, unrolling, and errors located to the character.
mod scenario_parser;
/// Reports (snapshots), strictness, JUnit and exit codes of `chat-harness run`.
mod scenario_report;
/// The runner against scripted peers: bytes on the wire, resets, time checks, clean-up.
mod scenario_runner;
/// The suite passes against the reference server (both modes) and behaves as documented
/// against a Python server in the original's style.
mod scenario_suite;
/// Spawned targets: a server whose port is taken is started again on another.
mod scenario_target;
/// The writer turns scenarios back into text that parses into the same model.
mod scenario_writer;
/// The `serve` binary: prints its address, chats, stops cleanly on SIGTERM.
mod serve_cli;
/// Server, both modes: auth, offsets, broadcast, rename, exit, disconnects, framing.
mod server_chat;
/// Server, both modes: uploads stored then forwarded, resets, refusals, shutdown cleanup.
mod server_files;
/// Server, both modes: flow control under an unpaced flood, relayed uploads deleted or kept,
/// the spool limit.
mod server_flow;
/// Server, both modes: malformed frames, refusals, over-long relays, hostile filenames.
mod server_hostile;
/// Server, both modes: max clients and auth timeout.
mod server_limits;
/// Server, both modes: a non-reader among heavy traffic; 200 clients receiving in order.
mod server_load;
/// Setup errors said once with exit status 2: a missing program, a busy fixed port, the
/// same error for the first scenarios.
mod setup_errors;
/// The built-in suite from any folder: `run`, `scenarios`, `matrix`; `--target` on a shared server.
mod suite_anywhere;
/// The timeline keeps its evidence (undecodable frames, the row a hint is about) past its window.
mod timeline_evidence;
/// "wrote FILE (size)" lines, and `matrix` progress lines when stderr is not a terminal.
mod wrote_lines;
