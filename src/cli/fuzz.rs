//! `chat-harness fuzz`: turns the command-line arguments into a [`FuzzConfig`], runs the
//! fuzzer on a tokio runtime with a progress bar, and prints the summary. Everything else
//! lives in the library (`chat_harness::netfuzz`).

use std::time::Duration;

use anyhow::Context;
use chat_harness::netfuzz::{self, Budget, Event, FuzzConfig, Shape, Summary};
use chat_harness::scenario::replay::run_command;
use chat_harness::server_seat::RunSettings;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::args::{FuzzAction, FuzzArgs};
use crate::cli::fuzz_progress::{Found, FuzzProgress};
use crate::cli::target::provider;
use crate::cli::Outcome;

/// Runs the fuzzer: passed when nothing was found, failed when something was, an error when
/// the run stopped.
pub fn run(args: FuzzArgs) -> anyhow::Result<Outcome> {
    if let Some(FuzzAction::Merge(merge)) = &args.action {
        return crate::cli::fuzz_merge::run(merge);
    }
    // Ctrl-C ends the command at once, taking the spawned servers along.
    chat_harness::interrupt::install_immediate()
        .map_err(|e| anyhow::anyhow!("cannot install the signal handlers: {e}"))?;
    crate::cli::limits::configure(
        args.target.limits.as_deref(),
        chat_harness::under_test::limits::Limits::RUN,
    )?;
    if args.client.is_some() || args.client_builtin {
        return crate::cli::fuzz_client::run(args);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (provider, description) = provider(&args.target)?;
    let replay_args = provider.replay_args();
    let budget = match (args.sessions, args.time) {
        (Some(n), _) => Budget::Sessions(n),
        (None, Some(t)) => Budget::Time(t),
        (None, None) => Budget::Time(Duration::from_secs(60)),
    };
    let shared = !provider.isolated() && args.target.spawn.is_none();
    let config = FuzzConfig {
        seed: args.seed,
        budget,
        shape: Shape {
            attackers: usize::try_from(args.clients).unwrap_or(2),
            max_turns: usize::try_from(args.turns).unwrap_or(8),
            suffix: if shared { "_".into() } else { String::new() },
            timeout: args.timeout,
            profile: args.profile,
        },
        out: args.out,
        keep_going: args.keep_going,
        shrink_runs: 2_000,
        shrink_time: args.shrink_time,
        shard: args.shard,
    };
    eprintln!(
        "chat-harness fuzz: {description}, seed {}, profile {}",
        config.seed,
        profile_name(args.profile)
    );
    let progress = FuzzProgress::new(progress_bar(budget), "steps");
    let summary = runtime.block_on(netfuzz::fuzz(&config, provider, |event| match event {
        Event::Session { sessions, findings } => progress.session(*sessions, *findings),
        Event::Shrinking(oracle) => progress.shrinking(oracle),
        Event::Saved(f) => progress.saved(Found {
            oracle: &f.oracle,
            after: f.found_after,
            size: f.steps,
            reproduced: f.reproduced,
            path: &f.path,
        }),
        Event::Dropped(f) => progress.dropped(&f.oracle, f.reproduced),
    }));
    progress.finish();
    if args.shard.is_some() {
        crate::cli::fuzz_merge::record(&config, &summary)?;
    }
    print_summary(&summary, &config, &replay_args);
    if let Some(e) = &summary.error {
        anyhow::bail!("stopped: {e}");
    }
    if summary.findings.is_empty() {
        println!("nothing found");
    }
    Ok(Outcome::passed_if(summary.findings.is_empty()))
}

/// A bar over the sessions of a session budget, a spinner for a time budget.
fn progress_bar(budget: Budget) -> ProgressBar {
    let bar = match budget {
        Budget::Sessions(n) => ProgressBar::new(n),
        Budget::Time(_) => ProgressBar::new_spinner(),
    };
    let template = match budget {
        Budget::Sessions(_) => "{elapsed_precise} [{bar:30}] {pos}/{len} sessions, {per_sec} {msg}",
        Budget::Time(_) => "{spinner} {elapsed_precise} {pos} sessions, {per_sec} {msg}",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The run's numbers, then each finding with its replay line.
fn print_summary(summary: &Summary, config: &FuzzConfig, replay_args: &[String]) {
    let budget = config.budget;
    println!(
        "{} sessions in {:.1}s ({:.1} sessions/s; {:.1}s of it shrinking and re-checking findings)",
        summary.sessions,
        summary.elapsed.as_secs_f64(),
        summary.rate(),
        summary.shrinking.as_secs_f64(),
    );
    if let Budget::Time(limit) = budget {
        if let Some(over) = summary
            .elapsed
            .checked_sub(limit)
            .filter(|o| o.as_secs() >= 1)
        {
            println!(
                "the run went {:.1}s past --time {:.0}s: a finding found near the end is shrunk to the end (at most --shrink-time {:.0}s)",
                over.as_secs_f64(),
                limit.as_secs_f64(),
                config.shrink_time.as_secs_f64()
            );
        }
    }
    if summary.attacker_only > 0 {
        println!(
            "{} sessions ended at an attacker's own step: a client playing the attacker sent something a server may refuse or close on, so the checks after that step were not run (not a finding)",
            summary.attacker_only
        );
    }
    for f in &summary.findings {
        println!(
            "FOUND {}: {}\n  {}\n  replay: {}",
            f.oracle,
            f.oracle.meaning(),
            f.observed,
            run_command(&f.path, replay_args, &RunSettings::default())
        );
    }
    if summary.repeats > 0 {
        println!("{} more failures of oracles already saved", summary.repeats);
    }
    // Not saved (a loaded machine or a racy server), but not hidden either: the session
    // number and seed bring each back.
    for f in &summary.flaky {
        println!(
            "NOT REPRODUCIBLE {} (dropped, not saved): failed the same way at most {} of {} re-runs, a majority needed\n  first seen in session {} of --seed {} (session seed {:#018x}): {}",
            f.oracle,
            f.reproduced.0,
            f.reproduced.1,
            f.session,
            config.seed,
            f.session_seed,
            f.observed
        );
    }
}

/// The profile as it is typed on the command line (`core`, `robust`).
fn profile_name(profile: chat_harness::netfuzz::Profile) -> String {
    use clap::ValueEnum;
    profile.to_possible_value().map_or_else(
        || format!("{profile:?}"),
        |value| value.get_name().to_owned(),
    )
}
