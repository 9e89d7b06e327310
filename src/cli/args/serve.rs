//! Arguments of `chat-harness serve`, and the server configuration they describe.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use chat_harness::core::Limits;
use chat_harness::server::ServerConfig;

use super::{duration, parse_size, ModeArg};

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

/// Smallest `--queue-limit`: two of the largest frames, so one relay never pauses its sender.
const MIN_QUEUE_LIMIT: u64 = 128 * 1024;

pub(super) fn parse_queue_limit(text: &str) -> Result<u64, String> {
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
