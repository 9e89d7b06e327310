//! The black-box network fuzzer behind `chat-harness fuzz`: generates multi-client sessions
//! from the protocol model with mutations ([`generate`], [`mutate`]) and checking clients
//! ([`probe`], [`stall`]), runs each as a scenario through the runner's targets (so every
//! byte from the server goes through the project's decoder), judges it by layered oracles
//! ([`oracle`]; the project's core run as the model oracle in [`oracle_core`]), shrinks a
//! failing session while it stays coherent ([`shrink`], [`coherence`]) and saves it as a
//! `.chat` reproducer that `chat-harness run` replays, if it reproduces in a majority of its
//! re-runs ([`finding`]); one that does not is reported as [`Flaky`] and not saved.

pub mod client;
pub mod coherence;
pub mod finding;
pub mod generate;
pub mod mutate;
pub mod oracle;
pub mod oracle_core;
pub mod probe;
pub mod rng;
pub mod role;
pub mod shard;
pub mod shrink;
pub mod stall;
pub mod steady;
pub mod steps;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use generate::{Generator, Shape};
pub use oracle::{Judgement, Oracle};
pub use oracle_core::Profile;

use self::finding::Outcome;
use self::rng::Rng;
use self::shrink::Exec;
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;

/// When to stop.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// After this long.
    Time(Duration),
    /// After this many sessions.
    Sessions(u64),
}

/// A fuzzing run.
#[derive(Debug, Clone)]
pub struct FuzzConfig {
    /// The run's seed; session `i` has seed [`Rng::session_seed`]`(seed, i)`.
    pub seed: u64,
    /// When to stop.
    pub budget: Budget,
    /// How sessions look.
    pub shape: Shape,
    /// Where reproducers go.
    pub out: PathBuf,
    /// Go on after a finding (each oracle is shrunk and saved once).
    pub keep_going: bool,
    /// Most sessions spent shrinking one finding.
    pub shrink_runs: usize,
    /// Most time spent shrinking one finding.
    pub shrink_time: Duration,
    /// Only this part of the sessions (`--shard K/N`, see [`shard`]); `None`: all.
    pub shard: Option<crate::shard::Shard>,
}

/// A saved finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The oracle that failed.
    pub oracle: Oracle,
    /// The seed of the session that found it.
    pub session_seed: u64,
    /// Its index in the run.
    pub session: u64,
    /// What was observed (on the shrunk session).
    pub observed: String,
    /// The reproducer.
    pub path: PathBuf,
    /// Steps before and after shrinking.
    pub steps: (usize, usize),
    /// How often the saved session failed the same oracle on re-runs, out of how many: a
    /// majority ([`finding::reproducible`]).
    pub reproduced: (usize, usize),
    /// Seconds from the start of the run to the finding.
    pub found_after: Duration,
    /// What failed (`fuzz merge` keeps one finding per signature).
    pub signature: shard::Signature,
}

/// A failure that was not saved because it did not reproduce: neither its shrunk form nor
/// the whole session failed the same oracle in a majority of its re-runs
/// ([`finding::reproducible`]). Its session number and seed bring it back.
#[derive(Debug, Clone)]
pub struct Flaky {
    /// The oracle that failed.
    pub oracle: Oracle,
    /// The seed of the session that failed.
    pub session_seed: u64,
    /// Its index in the run.
    pub session: u64,
    /// What was observed when it first failed.
    pub observed: String,
    /// The most re-runs of one form (shrunk or whole) that failed the same way, out of how
    /// many.
    pub reproduced: (usize, usize),
}

/// How a run went.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Sessions run (shrinking not counted).
    pub sessions: u64,
    /// Sessions cut short at an attacker's own step (oracles after it unchecked).
    pub attacker_only: u64,
    /// Saved findings.
    pub findings: Vec<Finding>,
    /// Further failures of oracles already saved (with `--keep-going`).
    pub repeats: u64,
    /// Failures that did not reproduce in a majority of re-runs, shrunk or whole: not saved,
    /// fuzzing goes on (and may find the oracle fail again).
    pub flaky: Vec<Flaky>,
    /// Wall time.
    pub elapsed: Duration,
    /// Of which spent shrinking and re-checking findings.
    pub shrinking: Duration,
    /// A setup error that stopped the run.
    pub error: Option<String>,
}

impl Summary {
    /// Sessions per second of fuzzing (shrinking not counted).
    pub fn rate(&self) -> f64 {
        let fuzzing = self.elapsed.saturating_sub(self.shrinking);
        self.sessions as f64 / fuzzing.as_secs_f64().max(1e-9)
    }
}

/// What the fuzzer reports as it goes (for a progress bar).
#[derive(Debug, Clone)]
pub enum Event {
    /// A session finished.
    Session {
        /// Sessions so far.
        sessions: u64,
        /// Findings so far.
        findings: usize,
    },
    /// A failure was found and is being shrunk.
    Shrinking(Oracle),
    /// A finding was saved.
    Saved(Finding),
    /// A failure did not reproduce often enough and was dropped.
    Dropped(Flaky),
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

/// Runs the fuzzer against `provider` until the budget is spent or (without `keep_going`) a
/// finding is saved.
pub async fn fuzz(
    config: &FuzzConfig,
    provider: Arc<dyn Provider>,
    mut observe: impl FnMut(&Event),
) -> Summary {
    let start = Instant::now();
    let exec = Exec {
        provider: provider.clone(),
        settings: RunSettings {
            default_timeout: config.shape.timeout,
            strict: false,
            graceful_close: !provider.isolated(),
            timeout_cap: None,
            transport: None,
            foreign_names: None,
        },
        path: config.out.join("session.chat"),
    };
    let mut generator = Generator::new(config.shape.clone());
    let mut summary = Summary::default();
    let mut index = 0u64;
    loop {
        let spent = match config.budget {
            Budget::Time(d) => start.elapsed() >= d,
            Budget::Sessions(n) => index >= n,
        };
        if spent {
            break;
        }
        // The session's number in the unsharded run: shards never share one.
        let number = config.shard.map_or(index, |s| s.item(index));
        let seed = Rng::session_seed(config.seed, number);
        let session = generator.session(seed);
        let (judgement, _) = exec.run(&session).await;
        index += 1;
        summary.sessions = index;
        match judgement {
            Judgement::Clean => {}
            Judgement::AttackerOnly => summary.attacker_only += 1,
            Judgement::Error(e) => {
                summary.error = Some(e);
                break;
            }
            Judgement::Found(oracle, failure) => {
                if summary.findings.iter().any(|f| f.oracle == oracle) {
                    summary.repeats += 1;
                } else {
                    observe(&Event::Shrinking(oracle));
                    let shrink_start = Instant::now();
                    let first = (oracle, oracle::observed(&failure));
                    let outcome =
                        finding::minimise(config, &exec, session, first, seed, number).await;
                    summary.shrinking += shrink_start.elapsed();
                    match outcome {
                        Ok(Outcome::Kept(mut finding)) => {
                            finding.found_after = start.elapsed();
                            observe(&Event::Saved(finding.clone()));
                            summary.findings.push(finding);
                            if !config.keep_going {
                                break;
                            }
                        }
                        // It did not reproduce: a hiccup of timing, not a finding.
                        Ok(Outcome::Dropped(flaky)) => {
                            observe(&Event::Dropped(flaky.clone()));
                            summary.flaky.push(flaky);
                        }
                        Err(e) => {
                            summary.error = Some(format!("cannot write the reproducer: {e}"));
                            break;
                        }
                    }
                }
            }
        }
        observe(&Event::Session {
            sessions: index,
            findings: summary.findings.len(),
        });
    }
    summary.elapsed = start.elapsed();
    summary
}
