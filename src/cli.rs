//! The command line: one subcommand per tool, parsed with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Test bench for the length-prefixed TCP chat protocol: a reference server and client, a
/// conformance runner, a network fuzzer and a load generator.
#[derive(Debug, Parser)]
#[command(name = "chat-harness", version, about, long_about = None)]
#[command(after_help = "Exit status: 0 success, 1 a check failed, 2 usage or setup error.")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the reference chat server.
    Serve,
    /// Chat from a terminal, or script a session through a pipe.
    Client,
    /// Replay the conformance scenarios against a server and report deviations.
    Run(Box<RunArgs>),
    /// Send generated hostile sessions to a server; save failures as scenarios.
    Fuzz,
    /// Measure a server's fan-out throughput and latency.
    Bench,
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
  chat-harness run                                   the whole suite (scenarios/)
  chat-harness run scenarios/auth scenarios/text/relay.chat
  chat-harness run --tag core --spawn 'python3 server.py {port}'
  chat-harness run --target 127.0.0.1:55555 --tag core
  chat-harness run -j 4 --filter 'framing/' --format json
  chat-harness run --spawn './my-server --port {port}' --expect known-failures.txt --junit report.xml

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
    /// A server already running at HOST:PORT (scenarios then run one at a time and share its
    /// state).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "spawn")]
    pub target: Option<String>,
    /// A command that starts a server listening on {port}, run once per scenario through
    /// `sh -c` and killed afterwards.
    #[arg(long, value_name = "CMD")]
    pub spawn: Option<String>,
    /// How long a spawned server may take to accept its first connection.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    pub spawn_timeout: std::time::Duration,
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
    /// Default timeout of a step that waits, unless a scenario sets its own.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration)]
    pub timeout: std::time::Duration,
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    chat_harness::scenario::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration (e.g. 500ms, 2s)"))
}
