//! `matrix merge SHARD.json…`: the `matrix.json` files of `matrix --shard K/N` runs put back
//! together into the [`MatrixResult`] a single run would have had, after checking that they
//! are the N parts of one matrix (same TOML, same suite version, same grids), each given
//! once, none interrupted, and that together they hold every cell exactly once. The page and
//! the JSON are then written by the same writers as a single run's ([`super::page`],
//! [`super::json`]); the details blocks come ready-rendered from the shards.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use super::page::{cell_anchor, matrix_page_with};
use super::shard::ShardInfo;
use super::{Grid, MatrixResult};
use crate::scenario::suite::Outcome;

/// Why shards cannot be merged.
#[derive(Debug, Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no shard given: name the matrix.json of every `matrix --shard K/N` run")]
    Nothing,
    /// A file cannot be read or is not JSON.
    #[error("{path}: {problem}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        problem: String,
    },
    /// A matrix.json without a `shard` member.
    #[error("{0}: not a shard (no `shard` member): it was not written by `chat-harness matrix --shard K/N`")]
    NotAShard(PathBuf),
    /// A shard of another matrix, suite or split.
    #[error("{path}: shard {shard} comes from {detail}; every shard must run the same matrix file with the same chat-harness")]
    Mismatch {
        /// The odd one.
        path: PathBuf,
        /// Its K/N.
        shard: String,
        /// What differs from the first shard given, and how.
        detail: String,
    },
    /// The same K given twice.
    #[error("shard {shard} given twice: {first} and {second}")]
    Duplicate {
        /// K/N.
        shard: String,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// Some K not given.
    #[error("shard {missing} missing (given: {given}); merge needs all {count} shards")]
    Missing {
        /// The missing ones, `K/N, ...`.
        missing: String,
        /// The ones given.
        given: String,
        /// N.
        count: u64,
    },
    /// A shard cut short by a stop signal.
    #[error("{path}: shard {shard} was interrupted ({signal}) and lacks cells; run it again")]
    Interrupted {
        /// The file.
        path: PathBuf,
        /// K/N.
        shard: String,
        /// The signal.
        signal: String,
    },
    /// A cell missing, doubled, out of its shard, or unreadable.
    #[error("{path}: shard {shard}: {problem}")]
    Cell {
        /// The file.
        path: PathBuf,
        /// K/N.
        shard: String,
        /// What is wrong.
        problem: String,
    },
}

/// Merged shards: the whole matrix's result, and the details blocks the shards rendered.
pub struct Merged {
    /// As a single run's.
    pub result: MatrixResult,
    /// By cell anchor: the full block and the short one.
    blocks: HashMap<String, (Option<String>, Option<String>)>,
    /// The shards, in K order.
    pub shards: Vec<PathBuf>,
    /// The matrix file's `[grading]` weights (the same in every shard: they share its digest).
    pub grading: super::grades::Weights,
}

impl Merged {
    /// `matrix.html`, as a single run writes it.
    pub fn page(&self, timings: bool) -> String {
        matrix_page_with(&self.result, timings, &|anchor, full| {
            let (long, short) = self.blocks.get(anchor)?;
            if full {
                long.clone()
            } else {
                short.clone()
            }
        })
    }

    /// `matrix.json`, as a single run writes it.
    pub fn json(&self, timings: bool) -> String {
        super::json::matrix_json(&self.result, timings)
    }
}

/// Reads one shard's `matrix.json`.
fn read(path: &Path) -> Result<(ShardInfo, Option<String>), MergeError> {
    let unreadable = |problem: String| MergeError::Unreadable {
        path: path.to_owned(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| unreadable(format!("not JSON: {e}")))?;
    let interrupted = value
        .pointer("/interrupted/signal")
        .map(|s| s.as_str().unwrap_or("a signal").to_owned());
    let shard = value
        .get_mut("shard")
        .map(serde_json::Value::take)
        .ok_or_else(|| MergeError::NotAShard(path.to_owned()))?;
    let info: ShardInfo = serde_json::from_value(shard)
        .map_err(|e| unreadable(format!("its `shard` member does not read: {e}")))?;
    Ok((info, interrupted))
}

/// Reads, checks and merges the shards at `paths`.
pub fn merge(paths: &[PathBuf]) -> Result<Merged, MergeError> {
    let mut shards: Vec<(PathBuf, ShardInfo)> = Vec::new();
    for path in paths {
        let (info, interrupted) = read(path)?;
        if let Some(signal) = interrupted {
            return Err(MergeError::Interrupted {
                path: path.clone(),
                shard: info.shard.to_string(),
                signal,
            });
        }
        shards.push((path.clone(), info));
    }
    let Some((first_path, first)) = shards.first().cloned() else {
        return Err(MergeError::Nothing);
    };
    let mut by_index: BTreeMap<u64, PathBuf> = BTreeMap::new();
    for (path, info) in &shards {
        let mismatch = |what: &str, theirs: String, ours: String| MergeError::Mismatch {
            path: path.clone(),
            shard: info.shard.to_string(),
            detail: format!(
                "{what} than {} ({theirs} there, {ours} here)",
                first_path.display()
            ),
        };
        if info.toml_sha256 != first.toml_sha256 {
            return Err(mismatch(
                "another matrix file (TOML sha256)",
                short(&first.toml_sha256),
                short(&info.toml_sha256),
            ));
        }
        if info.suite_version != first.suite_version {
            return Err(mismatch(
                "another suite version",
                first.suite_version.clone(),
                info.suite_version.clone(),
            ));
        }
        if info.shard.count != first.shard.count {
            return Err(mismatch(
                "a split into another number of shards",
                first.shard.count.to_string(),
                info.shard.count.to_string(),
            ));
        }
        if info.grids != first.grids {
            return Err(mismatch(
                "other grids (other scenarios or implementations)",
                "its grids".into(),
                "other grids".into(),
            ));
        }
        if let Some(earlier) = by_index.insert(info.shard.index, path.clone()) {
            return Err(MergeError::Duplicate {
                shard: info.shard.to_string(),
                first: earlier,
                second: path.clone(),
            });
        }
    }
    let count = first.shard.count;
    let missing: Vec<String> = (1..=count)
        .filter(|k| !by_index.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            given: by_index
                .keys()
                .map(|k| format!("{k}/{count}"))
                .collect::<Vec<_>>()
                .join(", "),
            count,
        });
    }
    shards.sort_by_key(|(_, info)| info.shard.index);
    assemble(&first, &shards)
}

/// The whole matrix from checked shards, every cell exactly once.
fn assemble(first: &ShardInfo, shards: &[(PathBuf, ShardInfo)]) -> Result<Merged, MergeError> {
    let mut grids: Vec<Grid> = first
        .grids
        .iter()
        .map(|shape| Grid {
            suite: shape.suite,
            rows: shape.scenarios.clone(),
            columns: shape.implementations.clone(),
            cells: vec![vec![None; shape.scenarios.len()]; shape.implementations.len()],
        })
        .collect();
    let mut blocks = HashMap::new();
    for (path, info) in shards {
        let problem = |problem: String| MergeError::Cell {
            path: path.clone(),
            shard: info.shard.to_string(),
            problem,
        };
        for record in &info.cells {
            let grid = grids
                .get_mut(record.grid)
                .filter(|g| {
                    record.implementation < g.columns.len() && record.scenario < g.rows.len()
                })
                .ok_or_else(|| problem("a cell outside the grids".into()))?;
            let slot = &mut grid.cells[record.implementation][record.scenario];
            let name = format!(
                "{} × {}",
                grid.columns[record.implementation].name, grid.rows[record.scenario].id
            );
            if slot.is_some() {
                return Err(problem(format!("cell {name} is in another shard too")));
            }
            let outcome: Outcome = record
                .outcome(&grid.rows[record.scenario])
                .map_err(|e| problem(format!("cell {name}: {e}")))?;
            *slot = Some(outcome);
            let anchor = cell_anchor(grid, record.implementation, record.scenario);
            blocks.insert(
                anchor,
                (record.details.clone(), record.details_short.clone()),
            );
        }
    }
    // Every cell exactly once: the owner of an empty cell is named.
    let mut number = 0u64;
    for grid in &grids {
        for c in 0..grid.columns.len() {
            for r in 0..grid.rows.len() {
                if grid.cells[c][r].is_none() {
                    let (path, info) = shards
                        .iter()
                        .find(|(_, i)| i.shard.owns(number))
                        .unwrap_or(&shards[0]);
                    return Err(MergeError::Cell {
                        path: path.clone(),
                        shard: info.shard.to_string(),
                        problem: format!(
                            "no result for cell {} × {} (its task failed in that run)",
                            grid.columns[c].name, grid.rows[r].id
                        ),
                    });
                }
                number += 1;
            }
        }
    }
    let date = shards
        .iter()
        .map(|(_, i)| i.date.clone())
        .min()
        .unwrap_or_default();
    // The shards ran side by side: the matrix took as long as its slowest shard.
    let duration_ms = shards.iter().map(|(_, i)| i.duration_ms).max().unwrap_or(0);
    Ok(Merged {
        result: MatrixResult {
            date,
            file: first.file.clone(),
            grids,
            duration: Duration::from_millis(duration_ms),
        },
        blocks,
        shards: shards.iter().map(|(p, _)| p.clone()).collect(),
        grading: first.grading,
    })
}

/// The first 12 hex digits of a digest.
fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}
