//! Arguments of `chat-harness run`.

use std::path::PathBuf;

use clap::Args;

use super::{duration, ReportFormat, TargetArgs};

const RUN_EXAMPLES: &str = "\
Examples:
  chat-harness run                                   the suite, built-in server
  chat-harness run --server-mode threaded -j 2       same, thread per client
  chat-harness run auth/ text/relay-to-others        built-in scenarios by id
  chat-harness run my-scenarios/ extra.chat          scenario files from disk
  chat-harness run --tag core --spawn 'python3 server.py {port}'
  chat-harness run --tag core --spawn 'python3 server.py' --port 55555
  chat-harness run --target 127.0.0.1:55555 --tag core
  chat-harness run -j 4 --filter 'framing/' --format json
  chat-harness run --spawn './my-server {port}' --expect known.txt \\
      --junit report.xml
  chat-harness run --spawn './my-server {port}' --html report.html
  chat-harness run text/relay-to-others --diagram relay.svg
  chat-harness run --client 'python3 my_client.py {host} {port}'
  chat-harness run --client 'python3 lab_client.py' --port 55555
  chat-harness run --client './my-client {host} {port}' \\
      --spawn './my-server {port}'                   every seat

Exit status: 0 when nothing failed unexpectedly, 1 when a scenario failed unexpectedly,
2 on usage, parse or connection errors. The scenario language is described in the
suite's README.md (`chat-harness scenarios show README.md`).";

/// Arguments of `chat-harness run`.
#[derive(Debug, Args)]
#[command(after_help = RUN_EXAMPLES)]
pub struct RunArgs {
    /// Scenario files or folders (searched recursively for .chat files), or ids of the
    /// built-in suite (`auth/accepted`, `file/`) where no such path exists. Default: the
    /// whole built-in suite (`chat-harness scenarios list`).
    pub paths: Vec<PathBuf>,
    /// The server to test.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Every client connection through a perturbing proxy: `slice=N` cuts the clients'
    /// writes and the server's replies into N-byte pieces (`slice=1`: byte by byte; the
    /// first 16 pieces of each read 1 ms apart, then the rest at once), to see which
    /// scenarios break when every write is split. Comma-separated, with `delay=MS[±J]`,
    /// `coalesce=MS`, `bandwidth=RATE`, `reset-after=BYTES` and `only=to-server|to-client`
    /// (e.g. `slice=1,delay=20ms`; see `chat-harness proxy --help`).
    #[arg(long, value_name = "SPEC", value_parser = chat_harness::proxy::transport::parse)]
    pub transport: Option<chat_harness::proxy::Perturb>,
    /// Scenarios run at the same time, for targets that give each scenario its own server
    /// [default: 4 per CPU, 4 to 16; always 1 with --target or a fixed --port]. Most of a
    /// scenario is waiting, so this is more than the CPUs; at most half the slots go to heavy
    /// scenarios (those that declare `timeout:`, the floods), and a freed slot goes to the
    /// first waiting scenario that fits.
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
    /// Also draw the conversation of the one scenario selected, passing or not, as an SVG
    /// sequence diagram (a lane per party, an arrow per frame, the failing step marked).
    #[arg(long, value_name = "FILE")]
    pub diagram: Option<PathBuf>,
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
    /// port it connects to with --port). Scenarios with `tests: client` and `tests: interop`
    /// run; interop scenarios go through the server of --spawn or --server-mode (default: a
    /// fresh built-in server), on the same --port if given. With --spawn, the server
    /// scenarios run on that server too: every seat in one run.
    #[arg(long, value_name = "CMD", conflicts_with_all = ["target", "client_builtin"])]
    pub client: Option<String>,
    /// Run the client scenarios against the reference client (`chat-harness client`), and no
    /// server scenarios unless --spawn gives a server for them. Without --client, --target or
    /// --spawn, client scenarios run on it anyway, beside the server scenarios on the built-in
    /// server.
    #[arg(long, conflicts_with = "target")]
    pub client_builtin: bool,
}
