//! Arguments of `chat-harness client`.

use std::path::PathBuf;

use clap::Args;

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
