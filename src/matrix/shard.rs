//! `matrix --shard K/N`: which cells a shard runs, and the `matrix.json` it writes. The cells
//! of the whole matrix are numbered grid by grid (servers, clients, interop pairs), column by
//! column, row by row, and cell `i` is shard `i mod N + 1`'s ([`crate::shard::Shard`]): every
//! implementation's and every pair's scenarios are dealt out over all shards, so a slow
//! implementation (one whose known failures wait out their timeouts) slows every shard a
//! little rather than one shard a lot.
//!
//! A shard's `matrix.json` is the usual file restricted to its own cells, with a `shard`
//! member ([`ShardInfo`]) holding what `matrix merge` needs to write the page a single run
//! would have written: the TOML's SHA-256 and the suite version (to refuse parts of other
//! matrices), the shape of every grid, and each cell's outcome with its details blocks as the
//! page renders them ([`crate::report::html::outcome_block`], rendered here, where
//! the transcripts are).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::page::cell_anchor;
use super::{Column, Grid, MatrixResult, Row, Suite};
use crate::language::scenario::{Scenario, Subject};
use crate::record::{FailKind, Failure, FinishedRun, Verdict, Warning};
use crate::report::html::outcome_block;
use crate::scenario::suite::{Entry, Kind, Outcome, Status};
use crate::shard::Shard;

/// The entries of one column that `shard` runs; `first_cell` is the number of the column's
/// first cell in the whole matrix.
pub fn owned(entries: &[Entry], first_cell: u64, shard: Option<Shard>) -> Vec<Entry> {
    entries
        .iter()
        .enumerate()
        .filter(|(r, _)| shard.is_none_or(|s| s.owns(first_cell + *r as u64)))
        .map(|(_, e)| e.clone())
        .collect()
}

/// The SHA-256 of a matrix file's bytes, in hex.
pub fn toml_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `shard` member of a shard's `matrix.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Which part this is.
    #[serde(flatten)]
    pub shard: Shard,
    /// SHA-256 of the matrix file's bytes.
    pub toml_sha256: String,
    /// The scenario suite's version ([`crate::scenario::embedded::version`]).
    pub suite_version: String,
    /// The matrix file as given on the command line.
    pub file: String,
    /// When the shard ran.
    pub date: String,
    /// How long it took.
    pub duration_ms: u64,
    /// Every grid of the whole matrix, all its rows and columns.
    pub grids: Vec<GridShape>,
    /// This shard's cells.
    pub cells: Vec<CellRecord>,
    /// The matrix file's `[grading]` weights, so the merge writes `grades.csv` as a whole run
    /// does (a shard written before they were carried gets the defaults).
    #[serde(default)]
    pub grading: crate::matrix::grades::Weights,
}

/// A grid's rows and columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridShape {
    /// The suite.
    pub suite: Suite,
    /// Its columns.
    pub implementations: Vec<Column>,
    /// Its rows.
    pub scenarios: Vec<Row>,
}

/// One cell's outcome, enough to count it, put it in `matrix.json` and show it on the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellRecord {
    /// Its grid (index in [`ShardInfo::grids`]).
    pub grid: usize,
    /// Its column.
    pub implementation: usize,
    /// Its row.
    pub scenario: usize,
    /// The outcome kind, by its report name.
    pub kind: String,
    /// The status, by its report name.
    pub status: String,
    /// Runs.
    pub attempts: u32,
    /// The replay command.
    pub replay: String,
    /// The known-failure reason.
    pub expected_reason: Option<String>,
    /// The scenario file.
    pub path: String,
    /// `pass`, `fail` or `error`.
    pub verdict: String,
    /// A failed step.
    pub failure: Option<FailureRecord>,
    /// Why it could not run.
    pub error: Option<String>,
    /// Tolerated wording differences (line, message).
    pub warnings: Vec<(usize, String)>,
    /// How a spawned server ended during it.
    pub server_exit: Option<String>,
    /// Wall time.
    pub duration_ms: u64,
    /// Its details block in full, for a cell that did not pass.
    pub details: Option<String>,
    /// The same without hex and transcripts (used past the page's size budget).
    pub details_short: Option<String>,
}

/// [`Failure`] without its typed deviation (already in the rendered blocks).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailureRecord {
    /// The kind, by its report name.
    pub kind: String,
    /// 1-based line of the step.
    pub line: usize,
    /// The step as written.
    pub step: String,
    /// The `repeat` iteration.
    pub iteration: Option<u32>,
    /// The client concerned.
    pub client: Option<String>,
    /// Why.
    pub reason: String,
    /// What arrived instead.
    pub actual: Option<String>,
    /// Its hex dump.
    pub actual_hex: Option<String>,
}

/// `value`'s name as serde writes it (`"xfail"`, `"timeout"`).
fn name_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The one of `all` whose serde name is `name`.
fn by_name<T: Serialize + Copy>(all: &[T], name: &str) -> Option<T> {
    all.iter().copied().find(|v| name_of(v) == name)
}

const STATUSES: [Status; 5] = [
    Status::Pass,
    Status::Fail,
    Status::Xfail,
    Status::Xpass,
    Status::Error,
];
const FAIL_KINDS: [FailKind; 4] = [
    FailKind::Mismatch,
    FailKind::Wording,
    FailKind::Timeout,
    FailKind::Closed,
];

impl CellRecord {
    fn of(grid: &Grid, g: usize, c: usize, r: usize, o: &Outcome) -> Self {
        let (verdict, failure, error) = match &o.run.verdict {
            Verdict::Pass => ("pass", None, None),
            Verdict::Error(e) => ("error", None, Some(e.clone())),
            Verdict::Fail(f) => (
                "fail",
                Some(FailureRecord {
                    kind: name_of(&f.kind),
                    line: f.line,
                    step: f.step.clone(),
                    iteration: f.iteration,
                    client: f.client.clone(),
                    reason: f.reason.clone(),
                    actual: f.actual.clone(),
                    actual_hex: f.actual_hex.clone(),
                }),
                None,
            ),
        };
        let needs_details = o.status != Status::Pass || o.kind != Kind::Pass;
        let anchor = cell_anchor(grid, c, r);
        let block = |full| needs_details.then(|| outcome_block(o, &anchor, false, full));
        Self {
            grid: g,
            implementation: c,
            scenario: r,
            kind: o.kind.name().to_owned(),
            status: name_of(&o.status),
            attempts: o.attempts,
            replay: o.replay.clone(),
            expected_reason: o.expected_reason.clone(),
            path: o.scenario.path.display().to_string(),
            verdict: verdict.to_owned(),
            failure,
            error,
            warnings: o
                .run
                .warnings
                .iter()
                .map(|w| (w.line, w.message.clone()))
                .collect(),
            server_exit: o.run.server_exit.clone(),
            duration_ms: o.duration.as_millis() as u64,
            details: block(true),
            details_short: block(false),
        }
    }

    /// The outcome again (without transcripts: the details blocks hold them), for `row`.
    pub fn outcome(&self, row: &Row) -> Result<Outcome, String> {
        let kind =
            Kind::named(&self.kind).ok_or_else(|| format!("unknown kind `{}`", self.kind))?;
        let status = by_name(&STATUSES, &self.status)
            .ok_or_else(|| format!("unknown status `{}`", self.status))?;
        let verdict = match (self.verdict.as_str(), &self.failure) {
            ("pass", _) => Verdict::Pass,
            ("error", _) => Verdict::Error(self.error.clone().unwrap_or_default()),
            ("fail", Some(f)) => Verdict::Fail(Box::new(Failure {
                kind: by_name(&FAIL_KINDS, &f.kind)
                    .ok_or_else(|| format!("unknown failure kind `{}`", f.kind))?,
                line: f.line,
                step: f.step.clone(),
                iteration: f.iteration,
                client: f.client.clone(),
                reason: f.reason.clone(),
                actual: f.actual.clone(),
                actual_hex: f.actual_hex.clone(),
                deviation: None,
                skipped: None,
            })),
            (other, _) => return Err(format!("unknown verdict `{other}`")),
        };
        let mut run = FinishedRun::error(String::new());
        run.verdict = verdict;
        run.server_exit = self.server_exit.clone();
        run.warnings = self
            .warnings
            .iter()
            .map(|(line, message)| Warning {
                line: *line,
                message: message.clone(),
            })
            .collect();
        let scenario = Scenario {
            path: self.path.clone().into(),
            description: row.description.clone(),
            tags: row.tags.clone(),
            // The page's blocks were drawn on the shard; the merge needs no statement ids.
            checks: Vec::new(),
            timeout: None,
            server_limits: None,
            steps: Vec::new(),
            subject: Subject::default(),
        };
        Ok(Outcome {
            id: row.id.clone(),
            kind,
            attempts: self.attempts,
            replay: self.replay.clone(),
            scenario: Arc::new(scenario),
            status,
            expected_reason: self.expected_reason.clone(),
            run,
            server_stderr: None,
            duration: std::time::Duration::from_millis(self.duration_ms),
            names: Vec::new(),
        })
    }
}

/// Calls `each(grid index, grid, column, row, cell number)` for every cell of `result` that
/// `shard` owns, in the common order.
fn each_owned(
    result: &MatrixResult,
    shard: Shard,
    mut each: impl FnMut(usize, &Grid, usize, usize),
) {
    let mut number = 0u64;
    for (g, grid) in result.grids.iter().enumerate() {
        for c in 0..grid.columns.len() {
            for r in 0..grid.rows.len() {
                if shard.owns(number) {
                    each(g, grid, c, r);
                }
                number += 1;
            }
        }
    }
}

/// Whether every cell `shard` owns came back as expected.
pub fn as_expected(result: &MatrixResult, shard: Shard) -> bool {
    let mut fine = true;
    each_owned(result, shard, |_, grid, c, r| {
        fine &= grid.cells[c][r]
            .as_ref()
            .is_some_and(|o| !matches!(o.status, Status::Fail | Status::Error));
    });
    fine
}

/// The shard's `matrix.json`: `json` (the usual file) with only `shard`'s cells and its own
/// exit code, and the `shard` member.
pub fn shard_json(
    json: &str,
    result: &MatrixResult,
    shard: Shard,
    toml_sha256: &str,
    grading: crate::matrix::grades::Weights,
) -> String {
    let mut cells = Vec::new();
    let mut owned = std::collections::HashSet::new();
    each_owned(result, shard, |g, grid, c, r| {
        owned.insert((g, grid.columns[c].name.clone(), grid.rows[r].id.clone()));
        if let Some(o) = &grid.cells[c][r] {
            cells.push(CellRecord::of(grid, g, c, r, o));
        }
    });
    let info = ShardInfo {
        shard,
        toml_sha256: toml_sha256.to_owned(),
        suite_version: crate::scenario::embedded::version(),
        file: result.file.clone(),
        date: result.date.clone(),
        duration_ms: result.duration.as_millis() as u64,
        grids: result
            .grids
            .iter()
            .map(|g| GridShape {
                suite: g.suite,
                implementations: g.columns.clone(),
                scenarios: g.rows.clone(),
            })
            .collect(),
        cells,
        grading,
    };
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_owned();
    };
    if let Some(grids) = value.get_mut("grids").and_then(|g| g.as_array_mut()) {
        for (g, grid) in grids.iter_mut().enumerate() {
            if let Some(list) = grid.get_mut("cells").and_then(|c| c.as_array_mut()) {
                list.retain(|cell| {
                    let text = |k: &str| cell[k].as_str().unwrap_or_default().to_owned();
                    owned.contains(&(g, text("implementation"), text("scenario")))
                });
            }
        }
    }
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "exit_code".into(),
            u8::from(!as_expected(result, shard)).into(),
        );
        object.insert(
            "shard".into(),
            serde_json::to_value(&info).unwrap_or_default(),
        );
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| json.to_owned());
    text.push('\n');
    text
}
