//! `chat-harness fuzz --client`: the harness plays a hostile server for a client program.
//! Each session is a generated client scenario ([`generate`]) run by the client seat (a fresh
//! private working directory with sample files, stdin typed, stdout read, files and the exit
//! checked); a failing step names its oracle ([`oracle`]); the failing session is shrunk by
//! whole blocks and saved as a `tests: client` scenario that `chat-harness run FILE --client
//! CMD` replays. Nothing here decodes bytes: the client seat and the codec do.

pub mod generate;
pub mod oracle;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use generate::{Generator, Session};
pub use oracle::ClientOracle;

use futures_util::future::join_all;

use crate::netfuzz::rng::Rng;
use crate::netfuzz::Budget;
use crate::scenario::parser::parse_str;
use crate::scenario::provider::Provider;
use crate::scenario::run::{RunSettings, Verdict};

/// A client-fuzzing run.
#[derive(Debug, Clone)]
pub struct ClientFuzzConfig {
    /// The run's seed.
    pub seed: u64,
    /// When to stop.
    pub budget: Budget,
    /// Most blocks of traffic and actions per session (before the one that ends it).
    pub max_blocks: usize,
    /// Step timeout inside sessions (written into the saved scenarios).
    pub timeout: Duration,
    /// Where findings (and the sample files they use) are written.
    pub out: PathBuf,
    /// Go on after a finding (each oracle is shrunk and saved once).
    pub keep_going: bool,
    /// Most time spent shrinking one finding.
    pub shrink_time: Duration,
    /// Sessions run side by side (1 for a client that hard-codes its port).
    pub jobs: usize,
    /// With `keep_going`, stop once one of these oracles has a finding (empty: never).
    pub stop_on: Vec<ClientOracle>,
}

/// A saved finding.
#[derive(Debug, Clone)]
pub struct ClientFinding {
    /// The oracle that failed.
    pub oracle: ClientOracle,
    /// What was observed on the shrunk session.
    pub observed: String,
    /// The scenario file.
    pub path: PathBuf,
    /// The line of the file whose statement failed.
    pub line: usize,
    /// Statements before and after shrinking.
    pub steps: (usize, usize),
    /// Re-runs of the shrunk scenario that failed the same way, out of how many.
    pub reproduced: (usize, usize),
    /// From the start of the run.
    pub found_after: Duration,
}

/// How a client-fuzzing run went.
#[derive(Debug, Clone, Default)]
pub struct ClientSummary {
    /// Sessions run (shrinking not counted).
    pub sessions: u64,
    /// Saved findings.
    pub findings: Vec<ClientFinding>,
    /// Further failures of oracles already saved.
    pub repeats: u64,
    /// Failures that did not recur on re-runs (not saved).
    pub flaky: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Of which spent shrinking and re-checking.
    pub shrinking: Duration,
    /// A setup error that stopped the run.
    pub error: Option<String>,
}

/// What the fuzzer reports as it goes.
#[derive(Debug, Clone)]
pub enum ClientEvent {
    /// A session finished.
    Session {
        /// Sessions so far.
        sessions: u64,
        /// Findings so far.
        findings: usize,
    },
    /// A failure is being shrunk.
    Shrinking(ClientOracle),
    /// A finding was saved.
    Saved(ClientFinding),
}

/// The result of running one session.
#[derive(Debug, Clone)]
enum Outcome {
    Pass,
    /// The oracle, what was observed, and the 1-based line of the failing statement.
    Found(ClientOracle, String, usize),
    Error(String),
}

/// The header and login every session starts with.
fn prologue(timeout: Duration) -> Vec<generate::Line> {
    let line = |text: &str, oracle| generate::Line {
        text: text.to_owned(),
        oracle,
    };
    vec![
        line("description: client fuzz session", None),
        line("tests: client", None),
        line(&format!("timeout: {}ms", timeout.as_millis()), None),
        line(&format!("user> \"{}\"", generate::USER), None),
        line(
            // A client's first frame waits for the program to start, on a loaded machine too.
            &format!("server< auth /^{} -?\\d+$/ within 5s", generate::USER),
            Some(ClientOracle::Frame),
        ),
        line("server> auth-ok", None),
        line("user< \"Commands\"", Some(ClientOracle::Shown)),
    ]
}

/// The scenario text of `blocks` and the oracle of each (1-based) line.
fn render(timeout: Duration, blocks: &[generate::Block]) -> (String, Vec<Option<ClientOracle>>) {
    let lines: Vec<generate::Line> = prologue(timeout)
        .into_iter()
        .chain(blocks.iter().flatten().cloned())
        .collect();
    let mut text = String::new();
    for l in &lines {
        text.push_str(&l.text);
        text.push('\n');
    }
    (text, lines.iter().map(|l| l.oracle).collect())
}

/// Runs sessions as scenarios on one client target.
struct Exec {
    provider: Arc<dyn Provider>,
    settings: RunSettings,
    path: PathBuf,
    timeout: Duration,
}

impl Exec {
    async fn run(&self, blocks: &[generate::Block]) -> Outcome {
        let (text, oracles) = render(self.timeout, blocks);
        let scenario = match parse_str(&text, &self.path) {
            Ok(s) => s,
            Err(e) => return Outcome::Error(format!("a generated session does not parse: {e}")),
        };
        let (run, _) = self.provider.run(&scenario, &self.settings).await;
        match run.verdict {
            Verdict::Pass => Outcome::Pass,
            Verdict::Error(e) => Outcome::Error(e),
            Verdict::Fail(failure) => {
                let oracle = oracles
                    .get(failure.line.wrapping_sub(1))
                    .copied()
                    .flatten()
                    .unwrap_or(ClientOracle::Crash);
                let mut observed = format!("`{}`: {}", failure.step, failure.reason);
                if let Some(actual) = &failure.actual {
                    observed.push_str(&format!(" (got {actual})"));
                }
                if let Some((_, stderr)) =
                    run.transcripts.iter().find(|(n, _)| n == "client stderr")
                {
                    if let Some(last) = stderr
                        .iter()
                        .rev()
                        .find(|l| !l.trim_start_matches('|').trim().is_empty())
                    {
                        observed.push_str(&format!(
                            "; its stderr ends with {}",
                            last.trim_start_matches("| ")
                        ));
                    }
                }
                Outcome::Found(oracle, observed, failure.line)
            }
        }
    }

    async fn fails_with(&self, blocks: &[generate::Block], oracle: ClientOracle) -> bool {
        matches!(self.run(blocks).await, Outcome::Found(o, ..) if o == oracle)
    }
}

/// Writes the sample files beside the findings, where the scenarios' `files/` lookup finds
/// them (an existing file of that name is left alone only when it is identical).
fn write_samples(out: &Path) -> std::io::Result<()> {
    let dir = out.join("files");
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in generate::samples() {
        let path = dir.join(name);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::write(&path, bytes)?;
        }
    }
    Ok(())
}

/// Runs the client fuzzer on `provider` (a client target) until the budget is spent or,
/// without `keep_going`, a finding is saved.
pub async fn fuzz_client(
    config: &ClientFuzzConfig,
    provider: Arc<dyn Provider>,
    mut observe: impl FnMut(&ClientEvent),
) -> ClientSummary {
    let start = Instant::now();
    let mut summary = ClientSummary::default();
    if let Err(e) = write_samples(&config.out) {
        summary.error = Some(format!("cannot write the sample files: {e}"));
        return summary;
    }
    let exec = Exec {
        provider,
        settings: RunSettings {
            default_timeout: config.timeout,
            ..RunSettings::default()
        },
        path: config.out.join("session.chat"),
        timeout: config.timeout,
    };
    let mut index = 0u64;
    'run: loop {
        let count = match config.budget {
            Budget::Time(d) if start.elapsed() >= d => 0,
            Budget::Time(_) => config.jobs.max(1) as u64,
            Budget::Sessions(n) => n.saturating_sub(index).min(config.jobs.max(1) as u64),
        };
        if count == 0 {
            break;
        }
        let batch: Vec<(u64, Session)> = (index..index + count)
            .map(|i| {
                let seed = Rng::session_seed(config.seed, i);
                (seed, Generator::session(seed, config.max_blocks))
            })
            .collect();
        let outcomes = join_all(batch.iter().map(|(_, s)| exec.run(&s.blocks))).await;
        for ((seed, session), outcome) in batch.into_iter().zip(outcomes) {
            index += 1;
            summary.sessions = index;
            match outcome {
                Outcome::Pass => {}
                Outcome::Error(e) => {
                    summary.error = Some(e);
                    break 'run;
                }
                Outcome::Found(oracle, ..)
                    if summary.findings.iter().any(|f| f.oracle == oracle) =>
                {
                    summary.repeats += 1;
                }
                Outcome::Found(oracle, _, line) => {
                    observe(&ClientEvent::Shrinking(oracle));
                    let began = Instant::now();
                    let found =
                        minimise(config, &exec, session, (oracle, line), seed, index - 1).await;
                    summary.shrinking += began.elapsed();
                    match found {
                        Ok(Some(mut finding)) => {
                            finding.found_after = start.elapsed();
                            observe(&ClientEvent::Saved(finding.clone()));
                            summary.findings.push(finding);
                            if !config.keep_going || config.stop_on.contains(&oracle) {
                                break 'run;
                            }
                        }
                        Ok(None) => summary.flaky += 1,
                        Err(e) => {
                            summary.error = Some(format!("cannot write the finding: {e}"));
                            break 'run;
                        }
                    }
                }
            }
            observe(&ClientEvent::Session {
                sessions: index,
                findings: summary.findings.len(),
            });
        }
    }
    summary.elapsed = start.elapsed();
    summary
}

/// Shrinks a failing session by whole blocks, re-checks it, and saves it.
async fn minimise(
    config: &ClientFuzzConfig,
    exec: &Exec,
    session: Session,
    (oracle, line): (ClientOracle, usize),
    seed: u64,
    index: u64,
) -> std::io::Result<Option<ClientFinding>> {
    const RECHECKS: usize = 3;
    let until = Instant::now() + config.shrink_time;
    // The login's four statements count too.
    let before: usize = 4 + session.blocks.iter().map(Vec::len).sum::<usize>();
    let mut blocks = match (line.saturating_sub(1)).checked_sub(prologue(config.timeout).len()) {
        Some(index) => truncate(session.blocks.clone(), index),
        None => Vec::new(),
    };
    // The other checks only watch: without them the traffic is the same.
    let quiet = without_checks(&blocks);
    if quiet != blocks && exec.fails_with(&quiet, oracle).await {
        blocks = quiet;
    }
    // Each block is tried away on its own, side by side; then all the blocks that could go
    // at once, or else one by one from the end.
    if blocks.len() > 1 && Instant::now() < until {
        let candidates: Vec<Vec<generate::Block>> = (0..blocks.len() - 1)
            .map(|i| {
                let mut c = blocks.clone();
                c.remove(i);
                c
            })
            .collect();
        let mut removable = Vec::new();
        for (chunk_start, chunk) in candidates.chunks(config.jobs.max(1)).enumerate() {
            let results = join_all(chunk.iter().map(|c| exec.fails_with(c, oracle))).await;
            let first = chunk_start * config.jobs.max(1);
            removable.extend(
                results
                    .into_iter()
                    .enumerate()
                    .filter(|(_, still)| *still)
                    .map(|(k, _)| first + k),
            );
        }
        let all_gone = |blocks: &[generate::Block], gone: &[usize]| -> Vec<generate::Block> {
            blocks
                .iter()
                .enumerate()
                .filter(|(i, _)| !gone.contains(i))
                .map(|(_, b)| b.clone())
                .collect()
        };
        let together = all_gone(&blocks, &removable);
        if removable.len() > 1 && !exec.fails_with(&together, oracle).await {
            let mut gone = Vec::new();
            for &i in removable.iter().rev() {
                if Instant::now() >= until {
                    break;
                }
                let mut trial = gone.clone();
                trial.push(i);
                if exec.fails_with(&all_gone(&blocks, &trial), oracle).await {
                    gone = trial;
                }
            }
            blocks = all_gone(&blocks, &gone);
        } else {
            blocks = together;
        }
    }
    let mut reproduced = 0;
    let mut observed = String::new();
    let mut failed_line = 0;
    let reruns = join_all((0..RECHECKS).map(|_| exec.run(&blocks))).await;
    for rerun in reruns {
        if let Outcome::Found(o, what, at) = rerun {
            if o == oracle {
                reproduced += 1;
                observed = what;
                failed_line = at;
            }
        }
    }
    if reproduced == 0 {
        return Ok(None);
    }
    let after: usize = 4 + blocks.iter().map(Vec::len).sum::<usize>();
    let (text, _) = render(config.timeout, &blocks);
    let text = text.replacen(
        "description: client fuzz session",
        &format!(
            "description: fuzz finding: {} ({})",
            oracle.name(),
            oracle.meaning()
        ),
        1,
    );
    let mut header = vec![
        "Found by chat-harness fuzz --client.".to_owned(),
        format!(
            "seed: {} (session {index} of `chat-harness fuzz --client ... --seed {}`; session seed {seed:#018x})",
            config.seed, config.seed
        ),
        format!("oracle: {} — {}", oracle.name(), oracle.meaning()),
        format!("observed: {}", clip(&observed.replace('\n', " "), 400)),
        format!("shrunk from {before} to {after} statements; failed the same way {reproduced} of {RECHECKS} re-runs"),
    ];
    // Counted in the file, this header (and the line saying so) included.
    header.push(format!("fails at line {}", failed_line + header.len() + 1));
    let mut file: String = header.iter().map(|l| format!("# {l}\n")).collect();
    file.push_str(&text);
    let path = config.out.join(format!(
        "client-{}-{:08x}.chat",
        oracle.name(),
        fnv(&text) as u32
    ));
    std::fs::create_dir_all(&config.out)?;
    std::fs::write(&path, file)?;
    Ok(Some(ClientFinding {
        oracle,
        observed,
        path,
        line: failed_line + header.len(),
        steps: (before, after),
        reproduced: (reproduced, RECHECKS),
        found_after: Duration::ZERO,
    }))
}

/// The blocks up to and including the statement at `index` (0-based, after the prologue):
/// what came after it never ran.
fn truncate(blocks: Vec<generate::Block>, index: usize) -> Vec<generate::Block> {
    let mut out = Vec::new();
    let mut left = index + 1;
    for mut block in blocks {
        if left == 0 {
            break;
        }
        if block.len() >= left {
            block.truncate(left);
            out.push(block);
            break;
        }
        left -= block.len();
        out.push(block);
    }
    out
}

/// The blocks with every check but the last statement's removed, except the expectations of
/// frames from the client (each consumes a frame the next one would otherwise see).
fn without_checks(blocks: &[generate::Block]) -> Vec<generate::Block> {
    let last = blocks.len().saturating_sub(1);
    blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let end = if i == last {
                block.len().saturating_sub(1)
            } else {
                block.len()
            };
            block
                .iter()
                .enumerate()
                .filter(|(j, l)| *j >= end || l.oracle.is_none() || l.text.starts_with("server<"))
                .map(|(_, l)| l.clone())
                .collect()
        })
        .filter(|b: &generate::Block| !b.is_empty())
        .collect()
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
