//! `chat-harness fuzz --client CMD` / `--client-builtin`: turns the arguments into a
//! [`ClientFuzzConfig`], runs the client fuzzer (`chat_harness::netfuzz::client`) with a
//! progress spinner, and prints the summary with each finding's replay line.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chat_harness::client_seat::ClientTarget;
use chat_harness::netfuzz::client::{fuzz_client, ClientEvent, ClientFuzzConfig};
use chat_harness::netfuzz::Budget;
use chat_harness::scenario::replay::run_command;
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::args::FuzzArgs;
use crate::cli::fuzz_progress::{Found, FuzzProgress};
use crate::cli::Outcome;

/// Fuzzes a client program: passed when nothing was found.
pub fn run(args: FuzzArgs) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let port = args.target.port;
    let target = match &args.client {
        Some(command) => ClientTarget::command(command, port)?,
        None => {
            let exe = std::env::current_exe().context("cannot find the chat-harness binary")?;
            ClientTarget::builtin(&exe, port)
        }
    };
    let description = target.describe();
    let replay_args = target.replay_args();
    let budget = match (args.sessions, args.time) {
        (Some(n), _) => Budget::Sessions(n),
        (None, Some(t)) => Budget::Time(t),
        (None, None) => Budget::Time(Duration::from_secs(60)),
    };
    let config = ClientFuzzConfig {
        seed: args.seed,
        budget,
        max_blocks: usize::try_from(args.turns).unwrap_or(8),
        // A client scenario's waits include a Python client's start and its 1 s sleeps.
        timeout: args.timeout.max(Duration::from_secs(2)),
        out: args.out,
        keep_going: args.keep_going,
        shrink_time: args.shrink_time,
        // Client sessions mostly wait (on the program, on timeouts): a few side by side,
        // unless every session needs the one hard-coded port.
        jobs: if port.is_some() { 1 } else { 4 },
        stop_on: Vec::new(),
    };
    eprintln!(
        "chat-harness fuzz: {description}; the harness plays a hostile server, seed {}",
        config.seed
    );
    let bar = ProgressBar::new_spinner();
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {elapsed_precise} {pos} sessions {msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress = FuzzProgress::new(bar, "statements");
    let provider: Arc<dyn Provider> = Arc::new(target);
    let summary = runtime.block_on(fuzz_client(&config, provider, |event| match event {
        ClientEvent::Session { sessions, findings } => progress.session(*sessions, *findings),
        ClientEvent::Shrinking(oracle) => progress.shrinking(oracle),
        ClientEvent::Saved(f) => progress.saved(Found {
            oracle: &f.oracle,
            after: f.found_after,
            size: f.steps,
            reproduced: f.reproduced,
            path: &f.path,
        }),
    }));
    progress.finish();
    println!(
        "{} sessions in {:.1}s ({:.1}s of it shrinking and re-checking findings); {} findings",
        summary.sessions,
        summary.elapsed.as_secs_f64(),
        summary.shrinking.as_secs_f64(),
        summary.findings.len()
    );
    for f in &summary.findings {
        println!(
            "FOUND {} (after {:.1}s): {}\n  line {}: {}\n  replay: {}",
            f.oracle,
            f.found_after.as_secs_f64(),
            f.oracle.meaning(),
            f.line,
            f.observed,
            run_command(&f.path, &replay_args, &RunSettings::default())
        );
    }
    if summary.repeats > 0 {
        println!("{} more failures of oracles already saved", summary.repeats);
    }
    if summary.flaky > 0 {
        println!(
            "{} failures did not recur in 3 re-runs (not saved; a loaded machine or a racy client)",
            summary.flaky
        );
    }
    if let Some(e) = &summary.error {
        anyhow::bail!("stopped: {e}");
    }
    if summary.findings.is_empty() {
        println!("nothing found");
    }
    Ok(Outcome::passed_if(summary.findings.is_empty()))
}
