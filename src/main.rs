//! The `chat-harness` binary: parse the command line, dispatch, map errors to exit codes.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// Exit status for usage and setup errors (clap uses 2 for its own usage errors too).
const EXIT_SETUP: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let name = match cli.command {
        Command::Serve => "serve",
        Command::Client => "client",
        Command::Run => "run",
        Command::Fuzz => "fuzz",
        Command::Bench => "bench",
    };
    eprintln!("chat-harness {name}: not yet available in this version");
    ExitCode::from(EXIT_SETUP)
}
