//! Arguments of `chat-harness scenarios`: the built-in suite listed, shown, exported.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

const SCENARIOS_EXAMPLES: &str = "\
Examples:
  chat-harness scenarios list                        ids, tags, descriptions
  chat-harness scenarios list --tag core --tests client
  chat-harness scenarios show auth/duplicate-name    the scenario file
  chat-harness scenarios show README.md              the scenario language
  chat-harness scenarios coverage                    which scenarios check each PROTOCOL.md statement
  chat-harness scenarios export my-suite             the suite as files
  chat-harness run my-suite                          ... and run from there";

/// Arguments of `chat-harness scenarios`.
#[derive(Debug, Args)]
#[command(after_help = SCENARIOS_EXAMPLES)]
pub struct ScenariosArgs {
    /// What to do with the built-in suite.
    #[command(subcommand)]
    pub action: ScenariosAction,
}

/// `scenarios` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScenariosAction {
    /// One line per scenario: id, tags, description.
    List {
        /// Only scenarios with this tag (repeat for any of several).
        #[arg(long, value_name = "TAG")]
        tag: Vec<String>,
        /// Only scenarios that test this seat.
        #[arg(long, value_enum)]
        tests: Option<Seat>,
    },
    /// Print a scenario's file (by id, e.g. auth/accepted), or another text file of the suite
    /// (README.md).
    Show {
        /// A scenario id or a file's path in the suite.
        id: String,
    },
    /// Every statement of docs/PROTOCOL.md with the scenarios that check it, per seat, and
    /// those none checks (with the reason, if one is known); fails on an uncovered one.
    Coverage,
    /// Write the suite (scenarios, README.md and sample files) below DIR.
    Export {
        /// The folder to write to (created if missing; existing files are not overwritten).
        dir: PathBuf,
    },
}

/// What a scenario tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Seat {
    /// A server (the harness plays the clients).
    Server,
    /// A client program (the harness plays the server).
    Client,
    /// A client through a real server.
    Interop,
}
