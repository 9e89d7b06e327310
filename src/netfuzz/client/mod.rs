//! `chat-harness fuzz --client`: the harness plays a hostile server for a client program.
//! Each session is a generated client scenario ([`generate`]) run by the client seat (a fresh
//! private working directory with sample files, stdin typed, stdout read, files and the exit
//! checked); a failing step names its oracle ([`oracle`]); the failing session is shrunk by
//! whole blocks and saved as a `tests: client` scenario that `chat-harness run FILE --client
//! CMD` replays. Nothing here decodes bytes: the client seat and the codec do.

mod exec;
pub mod generate;
mod hostile;
pub mod oracle;
mod shrink;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use exec::render;
pub use generate::{Generator, Session};
pub use oracle::ClientOracle;

use futures_util::future::join_all;

use crate::netfuzz::rng::Rng;
use crate::netfuzz::Budget;
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;

use self::exec::{Exec, Outcome};
use self::shrink::minimise;

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
    /// Failures that did not fail the same way in a majority of their re-runs (not saved).
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
