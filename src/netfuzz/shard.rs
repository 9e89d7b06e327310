//! `fuzz --shard K/N` and `fuzz merge DIR…`. A shard runs sessions K-1, K-1+N, K-1+2N, ... of
//! the run its seed names (session `i` has seed [`super::rng::Rng::session_seed`]`(seed, i)`,
//! distinct for distinct `i`), so N runners with one seed never repeat a session, and writes
//! what it ran and found to `DIR/fuzz-run.json` ([`RunRecord`]). The merge reads the records
//! of several runs, keeps one finding per [`Signature`] — what failed: the oracle, the
//! failing step's client and kind, and the frame kind waited for and the one that came — the
//! one with the fewest steps, copies those reproducers to one folder and writes one summary.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::role::Role;
use super::{FuzzConfig, Summary};
use crate::record::Failure;
use crate::shard::Shard;

/// The file a sharded run writes beside its findings.
pub const RECORD: &str = "fuzz-run.json";
/// The merged summary `fuzz merge` writes.
pub const MERGED: &str = "fuzz-merged.json";

/// What failed, the key findings are deduplicated by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Signature {
    /// The oracle's name.
    pub oracle: String,
    /// The failing step's client role and kind (`bystander< never`, `probe< reply`): a
    /// fault that fails either bystander is one fault.
    pub step: String,
    /// The frame kind the step waited for (`0x03 chat`), if it waited for one.
    pub expected: Option<String>,
    /// The frame kind that came instead.
    pub received: Option<String>,
}

impl Signature {
    /// The signature of a failure of `oracle`.
    pub fn of(oracle: &str, failure: &Failure) -> Self {
        // `b1< never chat from b1 *` (the client, a mark, the kind) or `connect canary1n0`
        // (the kind, then the client): the client becomes its role, values are left out.
        let client = failure.client.as_deref().unwrap_or_default();
        let mut words = failure.step.split_whitespace();
        let first = words.next().unwrap_or_default();
        let kind = match first.strip_prefix(client).filter(|_| !client.is_empty()) {
            Some(mark) => format!("{mark} {}", words.next().unwrap_or_default()),
            None => format!(" {first}"),
        };
        let who = match client {
            "" => String::new(),
            name => format!("{:?}", Role::of(name)).to_lowercase(),
        };
        let step = format!("{who}{kind}").trim().to_owned();
        Self {
            oracle: oracle.to_owned(),
            step,
            expected: failure.deviation.map(|d| d.expected.name().to_owned()),
            received: failure.deviation.map(|d| d.received.name().to_owned()),
        }
    }

    /// "relay at `bystander< chat`: expected 0x03 chat, got nothing".
    pub fn describe(&self) -> String {
        let kinds = match (&self.expected, &self.received) {
            (Some(e), Some(r)) => format!(": expected {e}, got {r}"),
            _ => String::new(),
        };
        format!("{} at `{}`{kinds}", self.oracle, self.step)
    }
}

/// One saved finding of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRecord {
    /// What failed.
    pub signature: Signature,
    /// The reproducer's file name, in the run's folder.
    pub file: String,
    /// Steps after shrinking.
    pub steps: usize,
    /// What was observed.
    pub observed: String,
    /// The session's index in the unsharded run.
    pub session: u64,
}

/// `fuzz-run.json`: what one run (shard) did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's seed.
    pub seed: u64,
    /// Its part of the sessions.
    pub shard: Shard,
    /// Sessions run.
    pub sessions: u64,
    /// Their seeds, in order (hex).
    pub session_seeds: Vec<String>,
    /// Saved findings.
    pub findings: Vec<FindingRecord>,
}

/// Writes `config.out/fuzz-run.json` for a finished run.
pub fn write_record(config: &FuzzConfig, summary: &Summary) -> std::io::Result<PathBuf> {
    let shard = config.shard.unwrap_or(Shard::WHOLE);
    let record = RunRecord {
        seed: config.seed,
        shard,
        sessions: summary.sessions,
        session_seeds: (0..summary.sessions)
            .map(|i| {
                format!(
                    "{:016x}",
                    super::rng::Rng::session_seed(config.seed, shard.item(i))
                )
            })
            .collect(),
        findings: summary
            .findings
            .iter()
            .map(|f| FindingRecord {
                signature: f.signature.clone(),
                file: f
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                steps: f.steps.1,
                observed: f.observed.clone(),
                session: f.session,
            })
            .collect(),
    };
    std::fs::create_dir_all(&config.out)?;
    let path = config.out.join(RECORD);
    let text = serde_json::to_string_pretty(&record).map_err(std::io::Error::other)?;
    std::fs::write(&path, text + "\n")?;
    Ok(path)
}

/// Why runs cannot be merged.
#[derive(Debug, Error)]
pub enum MergeError {
    /// A folder without a record, or one that does not read.
    #[error("{path}: {problem}")]
    Record {
        /// The file.
        path: PathBuf,
        /// Why.
        problem: String,
    },
    /// A finding's reproducer is missing, or the output cannot be written.
    #[error("{path}: {problem}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        problem: String,
    },
}

/// One distinct finding after the merge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Merged {
    /// What failed.
    pub signature: Signature,
    /// The reproducer kept (the fewest steps), in the output folder.
    pub file: String,
    /// Its steps.
    pub steps: usize,
    /// What it observed.
    pub observed: String,
    /// How many runs found it.
    pub found_by: usize,
}

/// `fuzz-merged.json`: the one summary of several runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergedSummary {
    /// The runs' folders.
    pub runs: Vec<String>,
    /// Sessions run in all.
    pub sessions: u64,
    /// Of those, sessions that more than one run ran (0 for shards of one seed).
    pub repeated_sessions: u64,
    /// Findings in all the runs.
    pub findings_in_runs: usize,
    /// The distinct findings.
    pub findings: Vec<Merged>,
}

fn read_record(dir: &Path) -> Result<RunRecord, MergeError> {
    let path = dir.join(RECORD);
    let problem = |problem: String| MergeError::Record {
        path: path.clone(),
        problem,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        problem(format!(
            "{e} (a folder of `chat-harness fuzz --shard K/N --out DIR`, which writes {RECORD})"
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| problem(format!("does not read: {e}")))
}

/// Merges the runs in `dirs` into `out`: each distinct finding's smallest reproducer, and
/// `fuzz-merged.json`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergedSummary, MergeError> {
    let mut best: BTreeMap<Signature, (Merged, PathBuf, u64)> = BTreeMap::new();
    let mut seen = HashSet::new();
    let mut summary = MergedSummary {
        runs: dirs.iter().map(|d| d.display().to_string()).collect(),
        sessions: 0,
        repeated_sessions: 0,
        findings_in_runs: 0,
        findings: Vec::new(),
    };
    for dir in dirs {
        let record = read_record(dir)?;
        summary.sessions += record.sessions;
        for seed in record.session_seeds {
            if !seen.insert(seed) {
                summary.repeated_sessions += 1;
            }
        }
        for finding in record.findings {
            summary.findings_in_runs += 1;
            let source = dir.join(&finding.file);
            let size = std::fs::metadata(&source)
                .map_err(|e| MergeError::Io {
                    path: source.clone(),
                    problem: format!("the reproducer is missing: {e}"),
                })?
                .len();
            let candidate = Merged {
                signature: finding.signature.clone(),
                file: finding.file,
                steps: finding.steps,
                observed: finding.observed,
                found_by: 1,
            };
            match best.get_mut(&finding.signature) {
                Some((kept, path, kept_size)) => {
                    let found_by = kept.found_by + 1;
                    if (candidate.steps, size) < (kept.steps, *kept_size) {
                        (*kept, *path, *kept_size) = (candidate, source, size);
                    }
                    kept.found_by = found_by;
                }
                None => {
                    best.insert(finding.signature, (candidate, source, size));
                }
            }
        }
    }
    let io = |path: &Path, e: std::io::Error| MergeError::Io {
        path: path.to_owned(),
        problem: e.to_string(),
    };
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    for (kept, source, _) in best.into_values() {
        let target = out.join(&kept.file);
        if source != target {
            std::fs::copy(&source, &target).map_err(|e| io(&target, e))?;
        }
        summary.findings.push(kept);
    }
    let path = out.join(MERGED);
    let text = serde_json::to_string_pretty(&summary).map_err(|e| io(&path, e.into()))?;
    std::fs::write(&path, text + "\n").map_err(|e| io(&path, e))?;
    Ok(summary)
}
