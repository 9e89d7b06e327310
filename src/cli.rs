//! The command line: one subcommand per tool, parsed with clap.

use clap::{Parser, Subcommand};

/// Test bench for the length-prefixed TCP chat protocol: a reference server and client, a
/// conformance runner, a network fuzzer and a load generator.
#[derive(Debug, Parser)]
#[command(name = "chat-harness", version, about, long_about = None)]
#[command(after_help = "Exit status: 0 success, 1 a check failed, 2 usage or setup error.")]
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
    Client,
    /// Replay the conformance scenarios against a server and report deviations.
    Run,
    /// Send generated hostile sessions to a server; save failures as scenarios.
    Fuzz,
    /// Measure a server's fan-out throughput and latency.
    Bench,
}
