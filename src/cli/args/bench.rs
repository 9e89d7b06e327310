//! Arguments of `chat-harness bench`.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{duration, parse_size, ReportFormat, TargetArgs};

const BENCH_EXAMPLES: &str = "\
Examples:
  chat-harness bench
      10 receivers, 100 000 messages of 64 B, pipelined
  chat-harness bench --server-mode threaded -n 100 -m 20000
  chat-harness bench --pace closed -n 10 -m 20000
      One message in flight at a time
  chat-harness bench --senders 4 -n 20 --size 512
  chat-harness bench --shape file -n 4 --file-size 16M
  chat-harness bench --shape file -n 4 --target 127.0.0.1:PORT --raw-relay
      The same file through a byte relay (../shared/tools/null-relay)
  chat-harness bench --shape connect --clients 1000 --concurrency 16
  chat-harness bench --spawn 'python3 server.py {port}' --pace closed \\
      -n 10 -m 2000
  chat-harness bench --target 127.0.0.1:55555 --format json

The built-in server runs as a child process (this program's `serve`), so its CPU time is
reported apart from the load generator's; so is a --spawn server's. The load generator uses one
thread. Every receiver must get every message exactly once, in order per sender.

Exit status: 0 when everything arrived intact, 1 when something was lost, duplicated,
reordered or corrupted, 2 on usage or setup errors.";

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// Senders send messages, receivers check them: throughput and latency.
    Messages,
    /// One sender uploads a file, receivers check it: MB/s and time to last byte.
    File,
    /// Clients connect and log in: rate, and how many are held at once.
    Connect,
}

/// Message pacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PaceArg {
    /// The next message once every receiver has the previous one.
    Closed,
    /// Up to --window messages in flight per sender.
    Pipelined,
}

/// Arguments of `chat-harness bench`.
#[derive(Debug, Args)]
#[command(after_help = BENCH_EXAMPLES)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(long, value_enum, default_value_t = ShapeArg::Messages)]
    pub shape: ShapeArg,
    /// The server to measure: built-in (default), --target or --spawn.
    #[command(flatten)]
    pub server: TargetArgs,
    /// Receivers (messages and file shapes).
    #[arg(short = 'n', long, default_value_t = 10)]
    pub receivers: usize,
    /// Senders (messages shape).
    #[arg(long, default_value_t = 1)]
    pub senders: usize,
    /// Messages per sender.
    #[arg(short = 'm', long, default_value_t = 100_000)]
    pub messages: u32,
    /// Payload bytes per message (at least 29: sequence number and send time).
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    /// Message pacing.
    #[arg(long, value_enum, default_value_t = PaceArg::Pipelined)]
    pub pace: PaceArg,
    /// Messages in flight per sender when pipelined.
    #[arg(long, default_value_t = 1000)]
    pub window: u64,
    /// File size (file shape), e.g. 16M.
    #[arg(long, default_value = "16M", value_parser = parse_size)]
    pub file_size: u64,
    /// The file shape's server is a byte relay (../shared/tools/null-relay): receivers read
    /// the sender's bytes as the relay copies them instead of decoding a chat server's frames.
    /// The file relay's ceiling on this machine, to hold a chat server's rate against.
    #[arg(long)]
    pub raw_relay: bool,
    /// Clients (connect shape).
    #[arg(long, default_value_t = 1000)]
    pub clients: usize,
    /// Logins in progress at once (connect shape).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// After each login, wait up to this long for the join notices to settle (0: do not).
    #[arg(long, value_name = "DURATION", default_value = "300ms", value_parser = duration)]
    pub settle: Duration,
    /// Fail when nothing arrives for this long.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = duration)]
    pub stall: Duration,
    /// Give up after this long.
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = duration)]
    pub timeout: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}
