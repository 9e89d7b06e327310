//! The `chat-harness` binary: parse the command line, dispatch, map errors to exit codes.

mod cli;
mod run_cmd;

use std::io::{IsTerminal, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::thread;

use anyhow::Context;
use clap::Parser;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tracing_subscriber::EnvFilter;

use chat_harness::server::{self, Shutdown};
use cli::{Cli, Command, ServeArgs};

/// Exit status for usage and setup errors (clap uses 2 for its own usage errors too).
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
        Command::Serve(args) => return exit_code(serve(&args)),
        Command::Client => "client",
        Command::Fuzz => "fuzz",
        Command::Bench => "bench",
    };
    eprintln!("chat-harness {name}: not yet available in this version");
    ExitCode::from(EXIT_SETUP)
}

fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("chat-harness: {error:#}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}

/// `chat-harness serve`: logs to stderr (RUST_LOG, default `info`), the bound address on
/// stdout, and a clean shutdown on SIGINT or SIGTERM.
fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let config = args.config();
    std::fs::create_dir_all(&config.files_dir).with_context(|| {
        format!(
            "cannot create the files directory {}",
            config.files_dir.display()
        )
    })?;
    let listener = TcpListener::bind(args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;

    let shutdown = Shutdown::new();
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("cannot install signal handlers")?;
    let signals_handle = signals.handle();
    let on_signal = shutdown.clone();
    let signal_thread = thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                tracing::info!(signal, "stopping");
                on_signal.trigger();
            }
        })?;

    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {addr}")?;
    stdout.flush()?;

    let result = server::run(listener, config, shutdown);
    signals_handle.close();
    let _ = signal_thread.join();
    result.context("the server stopped with an error")
}
