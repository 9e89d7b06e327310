//! `chat-harness fuzz --shard K/N` (its record) and `chat-harness fuzz merge DIR…`: the
//! command-line side of [`chat_harness::netfuzz::shard`].

use anyhow::Context;

use chat_harness::netfuzz::{shard, FuzzConfig, Summary};

use crate::cli::args::FuzzMergeArgs;
use crate::cli::Outcome;

/// Writes a sharded run's `fuzz-run.json` and says so.
pub fn record(config: &FuzzConfig, summary: &Summary) -> anyhow::Result<()> {
    let path = shard::write_record(config, summary)
        .with_context(|| format!("cannot write {}", config.out.join(shard::RECORD).display()))?;
    println!(
        "shard {} of seed {}: wrote {}",
        config.shard.unwrap_or(chat_harness::shard::Shard::WHOLE),
        config.seed,
        path.display()
    );
    Ok(())
}

/// Merges the runs: passed when none found anything.
pub fn run(args: &FuzzMergeArgs) -> anyhow::Result<Outcome> {
    let merged = shard::merge(&args.runs, &args.out)?;
    println!(
        "{} runs, {} sessions ({} run twice); {} findings, {} distinct:",
        merged.runs.len(),
        merged.sessions,
        merged.repeated_sessions,
        merged.findings_in_runs,
        merged.findings.len()
    );
    for f in &merged.findings {
        println!(
            "FOUND {} (by {} run(s)); {} steps: {}\n  {}",
            f.signature.describe(),
            f.found_by,
            f.steps,
            args.out.join(&f.file).display(),
            f.observed
        );
    }
    println!("wrote {}", args.out.join(shard::MERGED).display());
    Ok(Outcome::passed_if(merged.findings.is_empty()))
}
