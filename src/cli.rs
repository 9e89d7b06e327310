//! The command line: one subcommand per tool, parsed with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    Serve,
    /// Chat from a terminal, or script a session through a pipe.
    Client(ClientArgs),
    /// Replay the conformance scenarios against a server and report deviations.
    Run,
    /// Send generated hostile sessions to a server; save failures as scenarios.
    Fuzz,
    /// Measure a server's fan-out throughput and latency.
    Bench,
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
