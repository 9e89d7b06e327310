//! Finds scenario files, selects them (`--filter`, `--tag`), runs them over a target with
//! `-j` parallelism where the target allows it, and classifies each result against the known
//! failures.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use regex::Regex;

use super::error::ParseError;
use super::expectations::Expectations;
use super::model::Scenario;
use super::run::{run_scenario, RunSettings, ScenarioRun, Verdict};
use super::target::Target;

/// A scenario with the id reports and `--expect` files use: its path below the folder it was
/// found in, without `.chat` (`auth/duplicate-name`).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The id.
    pub id: String,
    /// The parsed scenario.
    pub scenario: Scenario,
}

/// Finds `.chat` files under `paths` (files are taken as they are; folders recursively),
/// sorted by id within each path.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, ParseError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut here = Vec::new();
            walk(path, path, &mut here)?;
            here.sort();
            found.extend(here);
        } else if path.is_file() {
            let id = path.with_extension("").display().to_string();
            found.push((id, path.clone()));
        } else {
            return Err(ParseError::file(path, "no such file or folder"));
        }
    }
    Ok(found)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), ParseError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| ParseError::file(dir, format!("cannot list: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| ParseError::file(dir, e.to_string()))?;
        let path = entry.path();
        // Symlinked folders are not followed, so a link loop cannot recurse forever.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "chat") {
            let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
            let id = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((id, path));
        }
    }
    Ok(())
}

/// Parses every file; returns the scenarios and all parse errors.
pub fn load(files: Vec<(String, PathBuf)>) -> (Vec<Entry>, Vec<ParseError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (id, path) in files {
        match super::parse_file(&path) {
            Ok(scenario) => entries.push(Entry { id, scenario }),
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

/// How a scenario's result compares with what was expected of this implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed, and was not expected to.
    Fail,
    /// Failed, as the expectations file says it does.
    Xfail,
    /// Passed, although the expectations file says it fails.
    Xpass,
    /// Could not be run.
    Error,
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The scenario's id.
    pub id: String,
    /// The scenario (for its path, description and tags).
    pub scenario: Arc<Scenario>,
    /// The classified status.
    pub status: Status,
    /// The known-failure reason, when the expectations file lists it.
    pub expected_reason: Option<String>,
    /// The run itself.
    pub run: ScenarioRun,
    /// The spawned server's stderr, if there was one and it wrote anything.
    pub server_stderr: Option<String>,
    /// Wall time.
    pub duration: Duration,
}

/// Something that provides a server per scenario.
pub trait Provider: Send + Sync + 'static {
    /// Runs one scenario on a server of this provider.
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> futures_util::future::BoxFuture<'a, (ScenarioRun, Option<String>)>;
    /// Whether scenarios can run side by side.
    fn isolated(&self) -> bool;
    /// Whether this provider runs `scenario`; by default, the scenarios that test a server.
    fn accepts(&self, scenario: &Scenario) -> bool {
        !scenario.tests_client()
    }
}

impl Provider for Target {
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> futures_util::future::BoxFuture<'a, (ScenarioRun, Option<String>)> {
        Box::pin(async move {
            match self.acquire().await {
                Ok(lease) => {
                    let run = run_scenario(scenario, lease.addr, settings).await;
                    let stderr = lease.release().await;
                    (run, stderr)
                }
                Err(e) => (
                    ScenarioRun {
                        verdict: Verdict::Error(e.to_string()),
                        warnings: Vec::new(),
                        transcripts: Vec::new(),
                    },
                    None,
                ),
            }
        })
    }

    fn isolated(&self) -> bool {
        Target::isolated(self)
    }
}

/// Runs `entries` on `provider`, `jobs` at a time when the provider is isolated, and calls
/// `progress` with each outcome in input order. Returns the outcomes in input order.
pub async fn run_all(
    entries: Vec<Entry>,
    provider: Arc<dyn Provider>,
    settings: Arc<RunSettings>,
    expectations: Arc<Expectations>,
    jobs: usize,
    mut progress: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    let jobs = if provider.isolated() { jobs.max(1) } else { 1 };
    let mut stream = futures_util::stream::iter(entries)
        .map(|entry| {
            let provider = provider.clone();
            let settings = settings.clone();
            let expectations = expectations.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let scenario = Arc::new(entry.scenario);
                let (run, server_stderr) = provider.run(&scenario, &settings).await;
                let expected_reason = expectations.reason(&entry.id).map(str::to_owned);
                let status = match (&run.verdict, expected_reason.is_some()) {
                    (Verdict::Error(_), _) => Status::Error,
                    (Verdict::Pass, false) => Status::Pass,
                    (Verdict::Pass, true) => Status::Xpass,
                    (Verdict::Fail(_), false) => Status::Fail,
                    (Verdict::Fail(_), true) => Status::Xfail,
                };
                Outcome {
                    id: entry.id,
                    scenario,
                    status,
                    expected_reason,
                    run,
                    server_stderr,
                    duration: started.elapsed(),
                }
            })
        })
        .buffered(jobs);
    let mut outcomes = Vec::new();
    while let Some(joined) = stream.next().await {
        match joined {
            Ok(outcome) => {
                progress(&outcome);
                outcomes.push(outcome);
            }
            Err(e) => eprintln!("chat-harness run: a scenario task failed: {e}"),
        }
    }
    outcomes
}

/// Counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Passed.
    pub passed: usize,
    /// Failed unexpectedly.
    pub failed: usize,
    /// Failed as expected.
    pub expected_failures: usize,
    /// Passed unexpectedly.
    pub unexpected_passes: usize,
    /// Could not run.
    pub errors: usize,
    /// Tolerated wording differences.
    pub warnings: usize,
}

impl Summary {
    /// Counts `outcomes`.
    pub fn of(outcomes: &[Outcome]) -> Self {
        let mut s = Self::default();
        for o in outcomes {
            match o.status {
                Status::Pass => s.passed += 1,
                Status::Fail => s.failed += 1,
                Status::Xfail => s.expected_failures += 1,
                Status::Xpass => s.unexpected_passes += 1,
                Status::Error => s.errors += 1,
            }
            s.warnings += o.run.warnings.len();
        }
        s
    }

    /// The process exit status: 2 when a scenario could not run, 1 when one failed
    /// unexpectedly, 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }
}
