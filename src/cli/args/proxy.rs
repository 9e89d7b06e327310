//! Arguments of `chat-harness proxy`.

use std::net::SocketAddr;

use clap::Args;

use super::ReportFormat;

const PROXY_EXAMPLES: &str = "\
Examples:
  Watch: the lab client (which only connects to localhost:55555) and your server on 6000
    chat-harness serve --listen 127.0.0.1:6000 &     # or: python3 my_server.py 6000
    chat-harness proxy --listen 127.0.0.1:55555 --upstream 127.0.0.1:6000
      Every frame of both directions as it completes, per connection (#1, #2, ...), with the
      time: `c→s 0x03 text \"hi\"`, `s→c 0x03 text \"<12:00> [alice] hi\"`; reads that carry
      several frames (`3 frames in one segment`), frames split over reads, file bodies as size
      and digest, malformed frames with the decoder's error and a hex dump (forwarded anyway)
  Watch, for a script:
    chat-harness proxy --upstream 127.0.0.1:6000 --format json > session.jsonl
      One JSON object per line: opened, frame, file_body, malformed, segment, closed
  Record: keep a session as a scenario, then replay it against any server
    chat-harness proxy --upstream 127.0.0.1:6000 --record session.chat
    chat-harness run session.chat --spawn 'python3 other_server.py {port}'
      Each connection becomes a client named after its auth, what it sent becomes sends (one
      write per read, pauses over 500ms kept), what the server sent becomes expectations (time
      prefixes checked as patterns); file bodies are saved in files/ beside the scenario
  Check: is the server's answer the reference's?
    chat-harness proxy --upstream 127.0.0.1:6000 --check
      Each frame the server sends that the reference core would not (a notice to a client
      that has not authenticated, a notice before the newcomer's own 0x00, a missing relay)
      is printed as a deviation when it happens; the count ends the run (exit status 1)
  Perturb: does your server (or client) survive frames cut into 1-byte writes?
    chat-harness proxy --upstream 127.0.0.1:6000 --slice 1
      Everything forwarded both ways one byte per write: a server that assumes one frame per
      recv() breaks here while the same clients work without the proxy
  More perturbations, Toxiproxy-style (combine freely; both directions unless scoped):
    chat-harness proxy --upstream 127.0.0.1:6000 --delay 50ms±10ms --to-client
    chat-harness proxy --upstream 127.0.0.1:6000 --coalesce 20ms --bandwidth 32K
    chat-harness proxy --upstream 127.0.0.1:6000 --reset-after 1K --to-server
      --delay: every read 50 ms late (never reordered), --coalesce: 20 ms of writes merged
      into one, --bandwidth: 32 KiB/s at most, --reset-after: RST to both sides once 1 KiB
      went on; --to-server / --to-client: only that direction

Stop with Ctrl-C: open connections are closed and a summary line is printed.";

/// Options of `chat-harness proxy`.
#[derive(Debug, Args)]
#[command(after_help = PROXY_EXAMPLES)]
pub struct ProxyArgs {
    /// Address to accept clients on (the lab client connects to localhost:55555).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:55555")]
    pub listen: SocketAddr,
    /// The server to forward every client to, HOST:PORT (one connection per client).
    #[arg(long, value_name = "HOST:PORT")]
    pub upstream: String,
    /// Output: a line per frame for people, or one JSON object per line.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Write the session as a scenario to FILE.chat when the proxy stops (file bodies in a
    /// `files/` folder beside it): `chat-harness run FILE.chat` replays it.
    #[arg(long, value_name = "FILE.chat")]
    pub record: Option<std::path::PathBuf>,
    /// Predict what each client must receive with the reference core (the fuzzer's model)
    /// and report, live and in the summary, every frame of the server that differs.
    #[arg(long)]
    pub check: bool,
    /// Forward cut into N-byte writes (both directions unless scoped): the first 16 pieces of
    /// each read, 1 ms apart (file bodies in pieces of at least 1 KiB), then the rest at once.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub slice: Option<u64>,
    /// Hold what arrives for MS after the first read and write it on as one write (merging
    /// the sender's writes), e.g. `--coalesce 20ms`.
    #[arg(long, value_name = "MS", value_parser = chat_harness::units::parse_duration)]
    pub coalesce: Option<std::time::Duration>,
    /// Write each read on MS after it arrived, plus a seeded jitter within ±J (`20ms±5ms`
    /// or `20ms+-5ms`); reads are never reordered.
    #[arg(long, value_name = "MS[±J]", value_parser = chat_harness::proxy::transport::parse_delay)]
    pub delay: Option<(std::time::Duration, std::time::Duration)>,
    /// At most RATE bytes per second (e.g. `64K`), written in paced pieces.
    #[arg(long, value_name = "RATE", value_parser = chat_harness::proxy::transport::parse_bytes)]
    pub bandwidth: Option<u64>,
    /// After BYTES (e.g. `1K`) went on in a direction, reset both sides (RST) and stop.
    #[arg(long, value_name = "BYTES", value_parser = chat_harness::proxy::transport::parse_bytes)]
    pub reset_after: Option<u64>,
    /// Perturb only what the clients send (the perturbation flags apply to both directions
    /// by default).
    #[arg(long, conflicts_with = "to_client")]
    pub to_server: bool,
    /// Perturb only what the server sends.
    #[arg(long)]
    pub to_client: bool,
}
