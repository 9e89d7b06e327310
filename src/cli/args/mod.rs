//! The command line, all of it: every subcommand's arguments (one file each), the options
//! they share (`TargetArgs`, `ModeArg`, `ReportFormat`) and the value parsers. Nothing here
//! runs anything; the subcommands in `cli/` turn these structs into work.

mod bench;
mod client;
mod fuzz;
mod matrix;
mod proxy;
mod run;
mod scenarios;
mod serve;

use clap::{Args, Parser, Subcommand, ValueEnum};

use chat_harness::server::Mode;

pub use bench::{BenchArgs, PaceArg, ShapeArg};
pub use client::ClientArgs;
pub use fuzz::{FuzzAction, FuzzArgs, FuzzMergeArgs};
pub use matrix::{MatrixAction, MatrixArgs, MatrixMergeArgs};
pub use proxy::ProxyArgs;
pub use run::RunArgs;
pub use scenarios::{ScenariosAction, ScenariosArgs, Seat};
pub use serve::ServeArgs;

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
    Bench(Box<BenchArgs>),
    /// Run every server and client of a TOML file on its suite; write matrix.html and .json.
    Matrix(Box<MatrixArgs>),
    /// List, show or export the conformance suite built into this binary.
    Scenarios(ScenariosArgs),
    /// Sit between a client and a server: forward, and show every frame both ways.
    Proxy(Box<ProxyArgs>),
}

/// The report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Text for people (`run`: a line per scenario, failure details, a summary; `bench`: the
    /// figures of the run).
    Human,
    /// JSON for scripts (`run`: one object per line, each scenario, then a summary; `bench`:
    /// one object with every figure).
    Json,
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
    /// Resource limits of every program started (--spawn, --client), set before it runs:
    /// `cpu=60s,mem=1G,procs=64,fsize=256M,nofile=1024` (the defaults of run and fuzz; bench
    /// has none), any of them alone over the defaults, `KEY=none` to lift one, or `none`.
    #[arg(long, value_name = "LIMITS")]
    pub limits: Option<String>,
}

/// A duration in the one grammar of `chat_harness::units` (`500ms`, `1.5s`, `2m`).
pub(crate) fn duration(text: &str) -> Result<std::time::Duration, String> {
    chat_harness::units::parse_duration(text)
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

/// `1024`, `64K`, `4M`, `1G` (also `KiB`, `MiB`, `GiB`, any case): bytes, in powers of 1024.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    chat_harness::units::parse_size(text)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use chat_harness::core::Limits;

    use super::serve::parse_queue_limit;
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
