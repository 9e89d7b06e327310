//! From a failing session to a finding or a dropped flaky failure: shrinking it, re-running
//! the result [`RECHECKS`] times and keeping it only when it reproduces ([`reproducible`]: a
//! majority of the re-runs), and saving what is kept as a `.chat` reproducer.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::oracle::{self, Judgement, Oracle};
use super::shrink::{self, Exec, ShrinkBudget};
use super::{clip, fnv, shard, steady, Finding, Flaky, FuzzConfig};
use crate::language::scenario::Scenario;
use crate::language::writer;

/// How many times a shrunk session (or the whole one) is re-run before it is kept.
pub const RECHECKS: usize = 3;

/// The rule for keeping a failure: its reproducer must fail the same oracle in a strict
/// majority of its re-runs (2 of [`RECHECKS`]). One that fails less often is timing luck as
/// far as a reader is concerned: `chat-harness run` would mostly pass it, so it is reported
/// as flaky ([`Flaky`]) and not saved.
pub fn reproducible(failed: usize, runs: usize) -> bool {
    failed * 2 > runs
}

/// What became of a failure.
pub enum Outcome {
    /// It reproduced and was saved.
    Kept(Finding),
    /// Neither its shrunk form nor the whole session reproduced often enough.
    Dropped(Flaky),
}

/// Writes the reproducer file; returns its path.
fn save(
    out: &Path,
    scenario: &Scenario,
    oracle: Oracle,
    header: &[String],
) -> std::io::Result<PathBuf> {
    let body = writer::write(scenario);
    let path = out.join(format!("{}-{:08x}.chat", oracle.name(), fnv(&body) as u32));
    let mut text: String = header.iter().map(|l| format!("# {l}\n")).collect();
    text.push_str(&body);
    std::fs::create_dir_all(out)?;
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Shrinks `session`, which failed `oracle` as `first` tells, re-checks the result by
/// [`reproducible`] (falling back to the whole session), and saves it or drops it.
pub(super) async fn minimise(
    config: &FuzzConfig,
    exec: &Exec,
    session: Scenario,
    (oracle, first): (Oracle, String),
    seed: u64,
    index: u64,
) -> std::io::Result<Outcome> {
    let before = session.steps.len();
    let budget = ShrinkBudget {
        runs: config.shrink_runs,
        until: Instant::now() + config.shrink_time,
    };
    // Whether a candidate still fails depends on timing, so a pass can end in a form that does
    // not reproduce once steadied; then one more pass is tried from the whole session before
    // the whole session itself is tried.
    const PASSES: usize = 2;
    let mut small = session.clone();
    let mut reproduced = 0;
    let mut best = 0;
    for _ in 0..PASSES {
        let (shrunk, _) = shrink::shrink(exec, session.clone(), oracle, budget).await;
        small = shrunk;
        steady::steady(&mut small);
        reproduced = shrink::recheck(exec, &small, oracle, RECHECKS).await;
        best = best.max(reproduced);
        if reproducible(reproduced, RECHECKS) || Instant::now() >= budget.until {
            break;
        }
    }
    if !reproducible(reproduced, RECHECKS) {
        // The shrunk form is flaky: keep the whole session instead, if it is steadier.
        small = session;
        reproduced = shrink::recheck(exec, &small, oracle, RECHECKS).await;
        best = best.max(reproduced);
    }
    if !reproducible(reproduced, RECHECKS) {
        return Ok(Outcome::Dropped(Flaky {
            oracle,
            session_seed: seed,
            session: index,
            observed: first,
            reproduced: (best, RECHECKS),
        }));
    }
    let (judgement, stderr) = exec.run(&small).await;
    let (observed, signature) = match &judgement {
        Judgement::Found(_, failure) => (
            oracle::observed(failure),
            shard::Signature::of(oracle.name(), failure),
        ),
        other => (
            format!("on the last re-run: {other:?}"),
            shard::Signature {
                oracle: oracle.name().to_owned(),
                step: String::new(),
                expected: None,
                received: None,
            },
        ),
    };
    small.description = Some(format!(
        "fuzz finding: {} ({})",
        oracle.name(),
        oracle.meaning()
    ));
    let mut header = vec![
        "Found by chat-harness fuzz.".to_owned(),
        format!(
            "seed: {} (session {index} of `chat-harness fuzz --seed {}`; session seed {seed:#018x})",
            config.seed, config.seed
        ),
        format!("oracle: {} — {}", oracle.name(), oracle.meaning()),
        format!("observed: {}", clip(&observed, 400)),
        format!(
            "shrunk from {before} to {} steps; failed the same way {reproduced} of {RECHECKS} re-runs",
            small.steps.len()
        ),
    ];
    if let Some(line) = stderr.as_deref().and_then(|s| s.lines().last()) {
        header.push(format!("server stderr ends with: {}", clip(line, 200)));
    }
    let path = save(&config.out, &small, oracle, &header)?;
    Ok(Outcome::Kept(Finding {
        oracle,
        session_seed: seed,
        session: index,
        observed,
        path,
        steps: (before, small.steps.len()),
        reproduced: (reproduced, RECHECKS),
        found_after: Duration::ZERO,
        signature,
    }))
}

#[cfg(test)]
#[path = "finding_tests.rs"]
mod tests;
