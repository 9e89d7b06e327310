//! The `chat-harness` binary: parse the command line, dispatch, map errors to exit codes.

mod bench_cmd;
mod cli;
mod client_cmd;
mod fuzz_cmd;
mod matrix_cmd;
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
    match Cli::parse().command {
        Command::Run(args) => report("run", run_cmd::run(*args)),
        Command::Fuzz(args) => report("fuzz", fuzz_cmd::run(*args)),
        Command::Serve(args) => serve_cmd::exit_code(serve_cmd::serve(&args)),
        Command::Client(args) => client_cmd::client_command(args),
        Command::Bench(args) => bench_cmd::bench_command(*args),
        Command::Matrix(args) => report("matrix", matrix_cmd::run(*args)),
    }
}

/// The exit status of a subcommand that returns one, or the setup-error status with its error.
fn report(name: &str, result: anyhow::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("chat-harness {name}: {e:#}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}
