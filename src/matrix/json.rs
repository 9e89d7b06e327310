//! `matrix.json`: every cell of every grid with stable field names — its implementation,
//! scenario, kind and status, attempts, the failed step (line, statement, reason, what came)
//! and the replay command for anything that did not pass. Transcripts stay in the HTML page
//! and in `chat-harness run --format json`.

use serde::Serialize;

use super::{Column, Grid, MatrixResult, Row, Suite};
use crate::record::{FailKind, Verdict};
use crate::scenario::suite::{Kind, KindCounts, Outcome, Status, Summary};

#[derive(Serialize)]
struct MatrixJson<'a> {
    file: &'a str,
    suite_version: String,
    date: Option<&'a str>,
    duration_ms: Option<u64>,
    exit_code: u8,
    grids: Vec<GridJson<'a>>,
}

#[derive(Serialize)]
struct GridJson<'a> {
    suite: Suite,
    implementations: &'a [Column],
    scenarios: &'a [Row],
    counts: Vec<ColumnCounts<'a>>,
    cells: Vec<CellJson<'a>>,
}

#[derive(Serialize)]
struct ColumnCounts<'a> {
    implementation: &'a str,
    passed: usize,
    failed: usize,
    expected_failures: usize,
    unexpected_passes: usize,
    errors: usize,
    kinds: KindCounts,
    /// Of `kinds`, the known failures that failed as expected.
    expected_kinds: KindCounts,
}

#[derive(Serialize)]
struct CellJson<'a> {
    implementation: &'a str,
    scenario: &'a str,
    kind: Option<Kind>,
    status: Option<Status>,
    attempts: u32,
    expected_failure_reason: Option<&'a str>,
    failure: Option<FailureJson<'a>>,
    error: Option<&'a str>,
    server_exit: Option<&'a str>,
    replay: Option<&'a str>,
}

#[derive(Serialize)]
struct FailureJson<'a> {
    kind: FailKind,
    line: usize,
    step: &'a str,
    client: Option<&'a str>,
    reason: &'a str,
    actual: Option<&'a str>,
    actual_hex: Option<&'a str>,
}

/// The matrix as pretty-printed JSON; without `timings`, `date` and `duration_ms` are null
/// (for reproducible output).
pub fn matrix_json(result: &MatrixResult, timings: bool) -> String {
    let value = MatrixJson {
        file: &result.file,
        suite_version: crate::scenario::embedded::version(),
        date: timings.then_some(result.date.as_str()),
        duration_ms: timings.then_some(result.duration.as_millis() as u64),
        exit_code: result.exit_code(),
        grids: result.grids.iter().map(grid_json).collect(),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("cannot serialise the matrix: {e}") }).to_string()
    });
    text.push('\n');
    text
}

fn grid_json(grid: &Grid) -> GridJson<'_> {
    let mut cells = Vec::new();
    let mut counts = Vec::new();
    for (column, outcomes) in grid.columns.iter().zip(&grid.cells) {
        let present: Vec<Outcome> = outcomes.iter().flatten().cloned().collect();
        let s = Summary::of(&present);
        counts.push(ColumnCounts {
            implementation: &column.name,
            passed: s.passed,
            failed: s.failed,
            expected_failures: s.expected_failures,
            unexpected_passes: s.unexpected_passes,
            errors: s.errors,
            kinds: s.kinds,
            expected_kinds: s.expected_kinds,
        });
        for (row, cell) in grid.rows.iter().zip(outcomes) {
            cells.push(cell_json(&column.name, &row.id, cell.as_ref()));
        }
    }
    GridJson {
        suite: grid.suite,
        implementations: &grid.columns,
        scenarios: &grid.rows,
        counts,
        cells,
    }
}

fn cell_json<'a>(
    implementation: &'a str,
    scenario: &'a str,
    cell: Option<&'a Outcome>,
) -> CellJson<'a> {
    let Some(o) = cell else {
        return CellJson {
            implementation,
            scenario,
            kind: None,
            status: None,
            attempts: 0,
            expected_failure_reason: None,
            failure: None,
            error: Some(
                "no result: the scenario did not run (an interrupted matrix) or its task failed",
            ),
            server_exit: None,
            replay: None,
        };
    };
    let failure = match &o.run.verdict {
        Verdict::Fail(f) => Some(FailureJson {
            kind: f.kind,
            line: f.line,
            step: &f.step,
            client: f.client.as_deref(),
            reason: &f.reason,
            actual: f.actual.as_deref(),
            actual_hex: f.actual_hex.as_deref(),
        }),
        _ => None,
    };
    let error = match &o.run.verdict {
        Verdict::Error(e) => Some(e.as_str()),
        _ => None,
    };
    CellJson {
        implementation,
        scenario,
        kind: Some(o.kind),
        status: Some(o.status),
        attempts: o.attempts,
        expected_failure_reason: o.expected_reason.as_deref(),
        failure,
        error,
        server_exit: o.run.server_exit.as_deref(),
        replay: (o.run.verdict != Verdict::Pass).then_some(o.replay.as_str()),
    }
}
