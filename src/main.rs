//! The `chat-harness` binary: parse the command line, dispatch, map errors to exit codes.

mod cli;
mod client_cmd;
mod fuzz_cmd;
mod run_cmd;
mod serve_cmd;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// A check failed, or a connection was lost.
const EXIT_FAILED: u8 = 1;
/// Usage and setup errors (clap uses 2 for its own usage errors too).
const EXIT_SETUP: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let name = match cli.command {
        Command::Run(args) => {
            return match run_cmd::run(*args) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("chat-harness run: {e:#}");
                    ExitCode::from(EXIT_SETUP)
                }
            }
        }
        Command::Serve(args) => return serve_cmd::exit_code(serve_cmd::serve(&args)),
        Command::Client(args) => return client_cmd::client_command(args),
        Command::Fuzz(args) => {
            return match fuzz_cmd::run(*args) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("chat-harness fuzz: {e:#}");
                    ExitCode::from(EXIT_SETUP)
                }
            }
        }
        Command::Bench => "bench",
    };
    eprintln!("chat-harness {name}: not yet available in this version");
    ExitCode::from(EXIT_SETUP)
}
