//! The command line: one subcommand per tool, parsed with clap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use chat_harness::core::Limits;
use chat_harness::server::{Mode, ServerConfig};

/// Test bench for the length-prefixed TCP chat protocol: a reference server and client, a
/// conformance runner, a network fuzzer and a load generator.
#[derive(Debug, Parser)]
#[command(name = "chat-harness", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 success, 1 a check failed or a connection was lost, \
2 usage or setup error."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the reference chat server.
    Serve(ServeArgs),
    /// Chat from a terminal, or script a session through a pipe.
    Client(ClientArgs),
    /// Replay the conformance scenarios against a server and report deviations.
    Run(Box<RunArgs>),
    /// Send generated hostile sessions to a server; save failures as scenarios.
    Fuzz(Box<FuzzArgs>),
    /// Measure a server: fan-out throughput and latency, file relay, connection rate.
    Bench(Box<crate::bench_cmd::BenchArgs>),
    /// Run every server and client of a TOML file on its suite; write matrix.html and .json.
    Matrix(Box<crate::matrix_cmd::MatrixArgs>),
}

/// Options of `chat-harness client`.
#[derive(Debug, Args)]
#[command(after_help = "\
Commands while chatting:
  >>sendfile<< NAME [caption]   send FILES_DIR/NAME to everyone
  >>chname<< NEW                change your name
  >>exit<<                      leave (so do Ctrl-D and the end of piped input)
  /help                         list these commands
  anything else                 is sent as a message

Received files are saved in FILES_DIR/<your name>/.

When stdin is not a terminal, lines are read from it (the first is the name unless --name is
given) and every event is printed as one line on stdout, or one JSON object with --json.

Examples:
  chat-harness client --name alice
  chat-harness client --connect 127.0.0.1:4000 --files-dir ~/chat-files
  printf 'alice\\nhello everyone\\n>>exit<<\\n' | chat-harness client --json

Exit status: 0 after >>exit<< or the end of input, 1 when the connection is lost,
2 when the server cannot be reached or the input ends before a name is accepted.")]
pub struct ClientArgs {
    /// Server address (HOST:PORT).
    #[arg(long, default_value = "127.0.0.1:55555", value_name = "HOST:PORT")]
    pub connect: String,
    /// Name to log in with; asked for when missing or already taken.
    #[arg(long)]
    pub name: Option<String>,
    /// Where files to send are read from and received files are saved.
    #[arg(long, default_value = "files", value_name = "DIR")]
    pub files_dir: PathBuf,
    /// UTC offset in seconds sent with the login (default: this machine's time zone).
    #[arg(long, allow_hyphen_values = true, value_name = "SECONDS")]
    pub offset: Option<i32>,
    /// Print one JSON object per event instead of a line of text.
    #[arg(long)]
    pub json: bool,
}

/// The report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A line per scenario, failure details, a summary.
    Human,
    /// One JSON object per line: each scenario, then a summary.
    Json,
}

const RUN_EXAMPLES: &str = "\
Examples:
  chat-harness run                                   the whole suite (scenarios/), built-in server
  chat-harness run --server-mode threaded -j 2       the same, thread-per-client design
  chat-harness run scenarios/auth scenarios/text/relay-to-others.chat
  chat-harness run --tag core --spawn 'python3 server.py {port}'
  chat-harness run --tag core --spawn 'python3 server.py' --port 55555
  chat-harness run --target 127.0.0.1:55555 --tag core
  chat-harness run -j 4 --filter 'framing/' --format json
  chat-harness run --spawn './my-server {port}' --expect known.txt --junit report.xml
  chat-harness run --spawn './my-server {port}' --html report.html
  chat-harness run scenarios/client --client 'python3 my_client.py {host} {port}'
  chat-harness run scenarios/client --client 'python3 lab_client.py' --port 55555
  chat-harness run scenarios/interop --client './my-client {host} {port}' --spawn './my-server {port}'

Exit status: 0 when nothing failed unexpectedly, 1 when a scenario failed unexpectedly,
2 on usage, parse or connection errors. The scenario language is described in
scenarios/README.md.";

/// Arguments of `chat-harness run`.
#[derive(Debug, Args)]
#[command(after_help = RUN_EXAMPLES)]
pub struct RunArgs {
    /// Scenario files or folders (searched recursively for .chat files).
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// The server to test.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Scenarios run at the same time (for targets that give each scenario its own server).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Only scenarios whose id (e.g. auth/duplicate-name) matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Only scenarios with this tag (repeat for any of several: --tag core --tag robust).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Fail on wording differences in steps marked strict-wording (otherwise warnings).
    #[arg(long)]
    pub strict: bool,
    /// A file of known failures (`scenario-id: reason` per line).
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
    /// Report format on standard output.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML report (one page, no external assets) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Default timeout of a step that waits, unless a scenario sets its own.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration)]
    pub timeout: std::time::Duration,
    /// Run a failed scenario again, on a fresh server, up to N times; one that then passes is
    /// reported flaky (and still fails the run, unless --allow-flaky).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,
    /// A scenario that passes only on a retry does not fail the run.
    #[arg(long)]
    pub allow_flaky: bool,
    /// Test a client program: a command started once per client scenario through `sh -c`,
    /// with {host} and {port} replaced by the address the harness listens on (or give the
    /// port it connects to with --port). Only scenarios with `tests: client` or
    /// `tests: interop` run; interop scenarios go through the server of --spawn or
    /// --server-mode (default: a fresh built-in server), on the same --port if given.
    #[arg(long, value_name = "CMD", conflicts_with_all = ["target", "client_builtin"])]
    pub client: Option<String>,
    /// Run only the client scenarios, against the reference client (`chat-harness client`).
    /// Without --client, --target or --spawn, client scenarios run on it anyway, beside the
    /// server scenarios on the built-in server.
    #[arg(long, conflicts_with = "target")]
    pub client_builtin: bool,
}

/// The server to test, shared by `run` and `fuzz`: the built-in server (fresh per scenario
/// or session), a running server, or a command started per scenario or session.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// A server already running at HOST:PORT (scenarios or sessions then run one at a time and
    /// share its state).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "spawn")]
    pub target: Option<String>,
    /// A command that starts a server listening on {port}, run once per scenario (or session)
    /// through `sh -c` and killed afterwards. {port} is a free port no other program is handed
    /// meanwhile; a server that exits at once saying it is in use is started on another.
    #[arg(long, value_name = "CMD")]
    pub spawn: Option<String>,
    /// The built-in server's I/O design (when neither --target nor --spawn is given).
    #[arg(long, value_enum, default_value_t = ModeArg::Polling)]
    pub server_mode: ModeArg,
    /// The port a --spawn command without {port} listens on (one scenario or session at a
    /// time).
    /// (With `run --client`: the port a client without {port} connects to.)
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// How long a spawned server may take to accept its first connection.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    pub spawn_timeout: std::time::Duration,
}

pub(crate) fn duration(text: &str) -> Result<std::time::Duration, String> {
    chat_harness::units::parse_duration(text)
}

const SERVE_EXAMPLES: &str = "\
Examples:
  chat-harness serve
      Polling server on 127.0.0.1:55555, uploads stored in ./files until relayed
  chat-harness serve --mode threaded --listen 0.0.0.0:55555
      The thread-per-client design, reachable from other machines
  chat-harness serve --listen 127.0.0.1:0 --files-dir /tmp/chat-files
      A free port (printed as `listening on ADDR`) and another files directory
  RUST_LOG=debug chat-harness serve --max-clients 100 --queue-limit 1M --auth-timeout 10s
      Tighter limits, with refusals and malformed frames in the log
  chat-harness serve --stall-timeout 10s --spool-limit 256M --keep-uploads
      Patient with readers that pause, little disk for files in transit, uploads kept

Flow control: a client is never disconnected for sending fast. When relaying its frames would
take a recipient past --queue-limit, the server stops reading the sender until that recipient
is back under the limit, so a flood slows to the pace of its slowest reader. A recipient that
stays over the limit without accepting a byte for --stall-timeout has stopped reading: it is
disconnected, the others are told it left, and its senders resume.

Sizes take K, M or G suffixes (powers of 1024; KB, MB, GB are powers of 1000); durations\ntake us, ms, s or m (decimals allowed, the unit required), as in scenarios.
Stop with Ctrl-C or SIGTERM: connections are closed and partial uploads removed.";

/// Options of `chat-harness serve`.
#[derive(Debug, Args)]
#[command(after_help = SERVE_EXAMPLES)]
pub struct ServeArgs {
    /// I/O design: one thread per client (threaded) or one thread polling non-blocking
    /// sockets (polling).
    #[arg(long, value_enum, default_value_t = ModeArg::Polling)]
    pub mode: ModeArg,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:55555")]
    pub listen: SocketAddr,
    /// Directory where uploads are stored (created if missing).
    #[arg(long, default_value = "files")]
    pub files_dir: PathBuf,
    /// Largest upload accepted; bigger ones are drained and refused.
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Backlog allowed per client (bytes of frames waiting to be written); at least 128K.
    /// Relaying past it pauses the sender (its socket is not read) until the client is back
    /// under it: nothing is dropped, and a flood goes at the pace of its slowest reader.
    #[arg(long, default_value = "4M", value_parser = parse_queue_limit)]
    pub queue_limit: u64,
    /// How long a client over its --queue-limit may go without accepting a byte before it is
    /// disconnected (the others are told it left, and its senders resume).
    #[arg(long, default_value = "2s", value_parser = parse_positive_duration)]
    pub stall_timeout: Duration,
    /// Bytes of uploads held at once (stored and not yet sent to every recipient, plus the
    /// announced sizes of uploads in progress); uploads past it are drained and refused with a
    /// reply.
    #[arg(long, default_value = "4G", value_parser = parse_size)]
    pub spool_limit: u64,
    /// Keep every upload in --files-dir; by default a file is deleted once every recipient has
    /// been sent it (kept files no longer count against --spool-limit).
    #[arg(long)]
    pub keep_uploads: bool,
    /// Connections served at once; more get a refusal and are closed.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_clients: u32,
    /// How long a connection may stay unauthenticated.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub auth_timeout: Duration,
}

/// `--mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// std::net, a reader and a writer thread per connection.
    Threaded,
    /// mio, one thread, readiness events.
    Polling,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Threaded => Mode::Threaded,
            ModeArg::Polling => Mode::Polling,
        }
    }
}

impl ServeArgs {
    /// The server configuration these options describe.
    pub fn config(&self) -> ServerConfig {
        ServerConfig::new(self.mode.into(), &self.files_dir)
            .with_limits(Limits {
                max_clients: self.max_clients as usize,
                auth_timeout: self.auth_timeout,
                max_file_size: self.max_file_size,
                queue_limit: self.queue_limit,
                stall_timeout: self.stall_timeout,
                spool_limit: self.spool_limit,
            })
            .keeping_uploads(self.keep_uploads)
    }
}

/// `1024`, `64K`, `4M`, `1G` (also `KiB`, `MiB`, `GiB`, any case): bytes, in powers of 1024.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    chat_harness::units::parse_size(text)
}

/// Smallest `--queue-limit`: two of the largest frames, so one relay never pauses its sender.
const MIN_QUEUE_LIMIT: u64 = 128 * 1024;

fn parse_queue_limit(text: &str) -> Result<u64, String> {
    let n = parse_size(text)?;
    if n < MIN_QUEUE_LIMIT {
        return Err(format!("must be at least {MIN_QUEUE_LIMIT} bytes (128K)"));
    }
    Ok(n)
}

/// A duration above zero.
fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let d = duration(text)?;
    if d.is_zero() {
        return Err("must be above zero".to_owned());
    }
    Ok(d)
}

/// `500ms`, `30s`, `2m`, or plain seconds.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_takes_the_scenario_grammar_of_sizes_and_durations() {
        // One grammar (chat_harness::units): what a scenario accepts, an option accepts.
        assert_eq!(parse_size("64K"), Ok(65_536));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert!(parse_queue_limit("64K").is_err());
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(
            duration("30").is_err(),
            "a bare number is refused, as in a scenario"
        );
        let cli = Cli::try_parse_from(["chat-harness", "run", "--timeout", "1.5s"]);
        assert!(cli.is_ok(), "{cli:?}");
    }

    #[test]
    fn serve_defaults_match_the_documented_ones() {
        let cli = Cli::try_parse_from(["chat-harness", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        let config = args.config();
        assert_eq!(config.mode, Mode::Polling);
        assert_eq!(args.listen.to_string(), "127.0.0.1:55555");
        assert_eq!(config.files_dir, PathBuf::from("files"));
        assert_eq!(config.limits, Limits::default());
        assert!(!config.keep_uploads);
    }
}

const FUZZ_EXAMPLES: &str = "\
Examples:
  chat-harness fuzz --time 60s
      One minute against the built-in server (polling mode)
  chat-harness fuzz --server-mode threaded --sessions 2000 --seed 7
      2000 sessions, reproducibly, against the thread-per-client design
  chat-harness fuzz --spawn 'python3 my_server.py {port}' --time 5m --keep-going
      A fresh process per session; go on after the first finding
  chat-harness fuzz --spawn 'python3 lab_server.py {port}' --profile core
      Hold a lab server to the lab protocol only (PROTOCOL-NOTES Part 1)
  chat-harness run fuzz-findings/decode-1a2b3c4d.chat
      Replay a saved finding: it fails the same way

Each finding is shrunk and saved as DIR/<oracle>-<hash>.chat, a scenario whose comment
gives the seed, the oracle and what was observed. Oracles: alive (the server keeps
accepting and never drops a well-behaved client), canary (a fresh pair can still chat),
decode (every byte decodes), relay, echo, impostor (well-behaved clients get every message
in order, never their own, never under a stolen name), leak (nothing reaches an
unauthenticated connection), notice (joins, renames and leaves are announced in the
documented wording), semantics (a probe client gets what the reference semantics define),
stall (a client that stops reading delays nobody). What the well-behaved clients must
receive is computed by running their actions through the reference core (the model oracle).

Exit status: 0 the budget ran out and nothing was found, 1 something was found,
2 usage or setup error.";

/// Arguments of `chat-harness fuzz`.
#[derive(Debug, Args)]
#[command(after_help = FUZZ_EXAMPLES)]
pub struct FuzzArgs {
    /// The server to fuzz.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Seed of the run: the same seed and target give the same sessions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop after this long (default 60s unless --sessions is given).
    #[arg(long, value_name = "DURATION", value_parser = duration, conflicts_with = "sessions")]
    pub time: Option<std::time::Duration>,
    /// Stop after this many sessions.
    #[arg(long, value_name = "N")]
    pub sessions: Option<u64>,
    /// Attacking clients per session (besides two well-behaved bystanders and the canaries).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=16))]
    pub clients: u64,
    /// Most turns per session.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=200))]
    pub turns: u64,
    /// Where reproducers are written.
    #[arg(long, value_name = "DIR", default_value = "fuzz-findings")]
    pub out: PathBuf,
    /// Go on after a finding (each oracle is shrunk and saved once).
    #[arg(long)]
    pub keep_going: bool,
    /// Step timeout inside sessions (and in the saved reproducers).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    pub timeout: std::time::Duration,
    /// Most time spent shrinking one finding.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    pub shrink_time: std::time::Duration,
    /// What the model oracle compares and what is sent: `core` holds a server to the lab
    /// protocol (PROTOCOL-NOTES Part 1) and sends only what core scenarios send (no
    /// attackers, offsets always given, a pause before a file body); `robust` adds the
    /// reference semantics of Part 2 and every mutation.
    #[arg(long, value_enum, default_value_t = chat_harness::netfuzz::Profile::Robust)]
    pub profile: chat_harness::netfuzz::Profile,
}
