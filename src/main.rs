//! The `chat-harness` binary: parse the command line, dispatch to the subcommand, and turn
//! its [`Outcome`] or error into the exit status and one error line. This is the only place
//! that knows exit statuses and the error prefix.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};
use cli::Outcome;

/// A check failed, or a connection was lost.
const EXIT_FAILED: u8 = 1;
/// Usage and setup errors (clap uses 2 for its own usage errors too).
const EXIT_SETUP: u8 = 2;
/// The start of every error line the binary prints.
const ERROR_PREFIX: &str = "chat-harness";

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(args) => cli::run::run(*args),
        Command::Fuzz(args) => cli::fuzz::run(*args),
        Command::Serve(args) => cli::serve::run(&args),
        Command::Client(args) => cli::client::run(args),
        Command::Bench(args) => cli::bench::run(&args),
        Command::Matrix(args) => cli::matrix::run(*args),
        Command::Scenarios(args) => cli::scenarios::run(args),
        Command::Proxy(args) => cli::proxy::run(&args),
    };
    match result {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(EXIT_FAILED),
        Ok(Outcome::Lost(error)) => {
            eprintln!("{ERROR_PREFIX}: {error:#}");
            ExitCode::from(EXIT_FAILED)
        }
        Ok(Outcome::Errors) => ExitCode::from(EXIT_SETUP),
        Ok(Outcome::Unparsed { errors, summary }) => {
            for error in errors {
                eprintln!("{ERROR_PREFIX}: {error}\n");
            }
            eprintln!("{summary}");
            ExitCode::from(EXIT_SETUP)
        }
        Ok(Outcome::Interrupted { signal, error }) => {
            if let Some(error) = error {
                eprintln!("{ERROR_PREFIX}: {error:#}");
            }
            // 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
            ExitCode::from(u8::try_from(128 + signal).unwrap_or(130))
        }
        Err(error) => {
            eprintln!("{ERROR_PREFIX}: {error:#}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}
