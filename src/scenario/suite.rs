//! Finds scenario files, selects them (`--filter`, `--tag`), runs them over a target with
//! `-j` parallelism where the target allows it, and classifies each result against the known
//! failures.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use regex::Regex;

use super::known_failures::KnownFailures;
pub use super::outcome::{Kind, KindCounts, Outcome, Status, Summary};
use super::setup_error::SameError;
pub use super::slots::Slots;
use crate::language::error::ParseError;
use crate::language::scenario::Scenario;
use crate::record::Verdict;
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;

pub use super::entry::Entry;

/// Finds `.chat` files under `paths` (files are taken as they are; folders recursively),
/// sorted by id within each path.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, ParseError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut here = Vec::new();
            walk(path, &mut here)?;
            here.sort();
            found.extend(here);
        } else if path.is_file() {
            found.push((scenario_id(path), path.clone()));
        } else {
            return Err(ParseError::file(path, "no such file or folder"));
        }
    }
    Ok(found)
}

/// A scenario's id, the same whatever path the user passed (`run scenarios/text` and `run
/// scenarios/` both say `text/before-auth`): its path below the nearest folder named
/// `scenarios` above it, without `.chat`; for a file outside such a folder, its folder and
/// name (`fuzz-findings/stall-1a2b`). The folder part is the JUnit classname.
pub fn scenario_id(path: &Path) -> String {
    let full = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let parts: Vec<String> = full
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.len().saturating_sub(1);
    let start = parts[..last]
        .iter()
        .rposition(|p| p == "scenarios")
        .map_or(parts.len().saturating_sub(2), |i| i + 1);
    parts[start..].join("/")
}

fn walk(dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), ParseError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| ParseError::file(dir, format!("cannot list: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| ParseError::file(dir, e.to_string()))?;
        let path = entry.path();
        // Symlinked folders are not followed, so a link loop cannot recurse forever.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "chat") {
            out.push((scenario_id(&path), path));
        }
    }
    Ok(())
}

/// Parses every file; returns the scenarios and all parse errors.
pub fn load(files: Vec<(String, PathBuf)>) -> (Vec<Entry>, Vec<ParseError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (id, path) in files {
        match crate::language::parse_file(&path) {
            Ok(scenario) => entries.push(Entry {
                id,
                scenario: Arc::new(scenario),
            }),
            Err(e) => errors.push(e),
        }
    }
    (entries, errors)
}

/// Keeps the scenarios whose id matches `filter` and that carry one of `tags` (if any given).
pub fn select(entries: Vec<Entry>, filter: Option<&Regex>, tags: &[String]) -> Vec<Entry> {
    entries
        .into_iter()
        .filter(|e| filter.is_none_or(|re| re.is_match(&e.id)))
        .filter(|e| tags.is_empty() || tags.iter().any(|t| e.scenario.tags.contains(t)))
        .collect()
}

/// How often a failed scenario runs again, and whether passing on a retry is good enough.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retries {
    /// Runs after the first, each on a fresh server.
    pub count: u32,
    /// A scenario that passed only on a retry does not fail the run.
    pub allow_flaky: bool,
}

/// Runs the `entries` that `provider` accepts ([`Provider::accepts`]), `jobs` at a time when
/// the provider is isolated, and calls `progress` with each outcome in input order. Returns
/// the outcomes in input order.
pub async fn run_all(
    entries: Vec<Entry>,
    provider: Arc<dyn Provider>,
    settings: Arc<RunSettings>,
    known_failures: Arc<KnownFailures>,
    jobs: impl Into<Slots>,
    progress: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    let (outcomes, _) = run_all_guarded(
        entries,
        provider,
        settings,
        known_failures,
        jobs,
        Retries::default(),
        false,
        progress,
    )
    .await;
    outcomes
}

/// [`run_all`], running a scenario that fails unexpectedly again (on a fresh server) up to
/// `retries.count` times. One that then passes is [`Kind::Flaky`] and keeps its first failing
/// attempt's details. A known failure (`--expect`) is not retried: failing is what it does.
///
/// With more than one job, the scenarios that wait longest start first (see
/// [`expected_length`]), at most half the slots go to heavy ones ([`Slots`]), and a finished
/// scenario's slot goes to the first one in line that fits as soon as it ends (a heavy one
/// waiting for a heavy slot lets light ones pass); `progress` still sees the outcomes in
/// input order.
///
/// With `stop_on_setup_error`, the run stops when the first few
/// scenarios to finish all end in the same error ([`SameError`]), or a scenario task dies; the
/// sentence that says so is returned.
#[allow(clippy::too_many_arguments)]
pub async fn run_all_guarded(
    entries: Vec<Entry>,
    provider: Arc<dyn Provider>,
    settings: Arc<RunSettings>,
    known_failures: Arc<KnownFailures>,
    jobs: impl Into<Slots>,
    retries: Retries,
    stop_on_setup_error: bool,
    mut progress: impl FnMut(&Outcome),
) -> (Vec<Outcome>, Option<String>) {
    let slots = if provider.isolated() {
        jobs.into()
    } else {
        Slots::new(1)
    };
    // Only what the provider runs (`run` has already left the rest out, and said so).
    let mut indexed: Vec<(usize, Entry)> = entries
        .into_iter()
        .filter(|e| provider.accepts(&e.scenario))
        .enumerate()
        .collect();
    if slots.capacity() > 1 {
        indexed.sort_by_key(|(_, e)| std::cmp::Reverse(expected_length(&e.scenario)));
    }
    // Waiting in start order; each turn starts every one that fits (first fit).
    let mut pending: std::collections::VecDeque<(usize, Entry)> = indexed.into();
    let mut running = futures_util::stream::FuturesUnordered::new();
    // Outcomes that finished before an earlier one, by input index (`None`: the task died).
    let mut early: std::collections::BTreeMap<usize, Option<Outcome>> = Default::default();
    let mut next = 0;
    let mut outcomes = Vec::new();
    let mut same_error = SameError::default();
    let mut setup_error = None;
    let stop = crate::interrupt::stopped();
    tokio::pin!(stop);
    // On a stop signal no scenario starts any more; the ones that finished are kept.
    loop {
        let watch = slots.clone();
        let freed = watch.freed();
        tokio::pin!(freed);
        freed.as_mut().enable();
        let mut waiting = std::collections::VecDeque::with_capacity(pending.len());
        while let Some((index, entry)) = pending.pop_front() {
            let Some(lease) = slots.try_take(Slots::is_heavy(&entry.scenario)) else {
                waiting.push_back((index, entry));
                continue;
            };
            let (provider, settings, known_failures) =
                (provider.clone(), settings.clone(), known_failures.clone());
            // Aborted when dropped: an interrupted run cancels the scenarios in flight (their
            // servers and clients are killed as their leases drop).
            let task = tokio_util::task::AbortOnDropHandle::new(tokio::spawn(async move {
                let outcome =
                    run_entry(entry, index, provider, settings, known_failures, retries).await;
                drop(lease);
                outcome
            }));
            running.push(async move { (index, task.await) });
        }
        pending = waiting;
        if pending.is_empty() && running.is_empty() {
            break;
        }
        let (index, joined) = tokio::select! {
            biased;
            _ = &mut stop => break,
            Some(done) = running.next(), if !running.is_empty() => done,
            _ = &mut freed, if !pending.is_empty() => continue,
        };
        let died = joined
            .as_ref()
            .err()
            .map(|e| format!("a scenario task failed: {e}"));
        let outcome = joined.ok();
        if stop_on_setup_error {
            setup_error = outcome
                .as_ref()
                .and_then(|o| same_error.note(o))
                .map(|e| super::setup_error::line(&e));
        }
        // A task that died (a panic in the harness) stops the run with its error, returned.
        setup_error = setup_error.or(died);
        early.insert(index, outcome);
        while let Some(outcome) = early.remove(&next) {
            if let Some(outcome) = outcome {
                progress(&outcome);
                outcomes.push(outcome);
            }
            next += 1;
        }
        if setup_error.is_some() {
            break;
        }
    }
    drop(running);
    if crate::interrupt::received().is_some() || setup_error.is_some() {
        outcomes.extend(early.into_values().flatten());
        crate::under_test::group::wait_until_none_live().await;
    }
    (outcomes, setup_error)
}

/// What decides the start order under `-j`: the declared step timeout (only the heavy
/// scenarios declare one), then the time the scenario spends in pauses and `nothing for` /
/// `never` windows, which it waits out whatever the server does.
pub fn expected_length(scenario: &Scenario) -> (Duration, Duration) {
    use crate::language::model::{Action, Expectation};
    let waits = scenario
        .steps
        .iter()
        .map(|step| match &step.action {
            Action::Pause(d) => *d,
            Action::Expect(e) if e.never => e.timeout.unwrap_or_default(),
            Action::Expect(e) => e
                .alternatives
                .iter()
                .flatten()
                .map(|x| match x {
                    Expectation::Nothing(d) => *d,
                    _ => Duration::ZERO,
                })
                .max()
                .unwrap_or_default(),
            _ => Duration::ZERO,
        })
        .sum();
    (scenario.timeout.unwrap_or_default(), waits)
}

/// Runs one scenario, again on failure as `retries` allows, and classifies it.
async fn run_entry(
    entry: Entry,
    index: usize,
    provider: Arc<dyn Provider>,
    settings: Arc<RunSettings>,
    known_failures: Arc<KnownFailures>,
    retries: Retries,
) -> Outcome {
    let started = Instant::now();
    let scenario = entry.scenario;
    let known = known_failures.known(&entry.id).cloned();
    let expected_reason = known.as_ref().map(|k| k.reason.clone());
    let sometimes = known.is_some_and(|k| k.sometimes);
    // A flaky or always-failing scenario reports its first attempt.
    let (run, server_stderr, names) = run_once(&scenario, index, 1, &*provider, &settings).await;
    let mut kind = Kind::of(&run);
    let mut attempts = 1;
    while kind.failed() && expected_reason.is_none() && attempts <= retries.count {
        attempts += 1;
        let (again, _, _) = run_once(&scenario, index, attempts, &*provider, &settings).await;
        if again.verdict == Verdict::Pass {
            kind = Kind::Flaky;
        }
    }
    let status = match (kind, expected_reason.is_some()) {
        (Kind::Error, _) => Status::Error,
        (Kind::Pass, false) => Status::Pass,
        // A known race that was won this time.
        (Kind::Pass, true) if sometimes => Status::Pass,
        (Kind::Pass, true) => Status::Xpass,
        (Kind::Flaky, _) if retries.allow_flaky => Status::Pass,
        (_, false) => Status::Fail,
        (_, true) => Status::Xfail,
    };
    let word = super::embedded::replay_word(&scenario.path);
    let replay = super::replay::run_command(
        Path::new(&word),
        &provider.replay_args_for(&scenario),
        &settings,
    );
    Outcome {
        id: entry.id,
        kind,
        attempts,
        replay,
        scenario,
        status,
        expected_reason,
        run,
        server_stderr,
        duration: started.elapsed(),
        names,
    }
}

/// One attempt at `scenario`; on a server shared by every scenario, with names of its own
/// (returned as old and new name).
async fn run_once(
    scenario: &Scenario,
    index: usize,
    attempt: u32,
    provider: &dyn Provider,
    settings: &RunSettings,
) -> (
    crate::record::FinishedRun,
    Option<String>,
    Vec<(String, String)>,
) {
    if !provider.shares_state() {
        let (run, stderr) = provider.run(scenario, settings).await;
        return (run, stderr, Vec::new());
    }
    let suffix = super::shared_names::suffix(index, attempt);
    let (renamed, names) = super::shared_names::rename(scenario, &suffix);
    let settings = RunSettings {
        foreign_names: crate::server_seat::ForeignNames::new(
            super::shared_names::run_tag(),
            &suffix,
        ),
        ..settings.clone()
    };
    let (mut run, stderr) = provider.run(&renamed, &settings).await;
    // The next scenario meets the same server: give it the time a `settle` gives to see this
    // scenario's clients gone (a thread-per-client server notices an end late, and writes
    // to the dead socket meanwhile) before new clients arrive.
    tokio::time::sleep(crate::language::model::SETTLE).await;
    super::shared_names::explain_kept_state(&mut run, &renamed);
    (run, stderr, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    fn length(text: &str) -> (Duration, Duration) {
        let scenario = parse_str(text, Path::new("s.chat")).expect("parses");
        expected_length(&scenario)
    }

    #[test]
    fn heavy_and_waiting_scenarios_start_first() {
        let quick = length("connect a\na> auth a 0\na< auth-ok\n");
        let waits = length(
            "connect a\na> auth a 0\na< auth-ok\npause 100ms\na< nothing for 200ms\na< never notice * within 50ms\n",
        );
        let heavy = length("timeout: 10s\nconnect a\na> auth a 0\na< auth-ok\n");
        assert_eq!(quick, (Duration::ZERO, Duration::ZERO));
        assert_eq!(waits, (Duration::ZERO, Duration::from_millis(350)));
        assert_eq!(heavy.0, Duration::from_secs(10));
        let mut order = [quick, waits, heavy];
        order.sort_by_key(|l| std::cmp::Reverse(*l));
        assert_eq!(order, [heavy, waits, quick]);
    }
}
