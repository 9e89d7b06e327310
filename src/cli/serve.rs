//! `chat-harness serve`: bind, install signal handlers, run the reference server until SIGINT
//! or SIGTERM.

use std::io::{IsTerminal, Write};
use std::net::TcpListener;
use std::thread;

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tracing_subscriber::EnvFilter;

use chat_harness::server::{self, Shutdown};

use crate::cli::args::ServeArgs;
use crate::cli::Outcome;

/// `chat-harness serve`: logs to stderr (RUST_LOG, default `info`), the bound address on
/// stdout, and a clean shutdown on SIGINT or SIGTERM.
pub fn run(args: &ServeArgs) -> anyhow::Result<Outcome> {
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
    result.context("the server stopped with an error")?;
    Ok(Outcome::Passed)
}
