//! Runs a matrix: loads and selects the scenarios once, builds a provider per implementation
//! (the built-in server or client, or a command in its `dir`) and per client × server pair,
//! and runs their suites side by side through the scheduler of `chat-harness run`, over one
//! set of `-j` slots (with retries), reporting each finished cell to a progress callback.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use regex::Regex;

use super::config::MatrixFile;
use super::prepare::{pairs, prepare_all};
use super::settings::{MatrixError, MatrixSettings};
use super::{Grid, MatrixResult, Row, Suite};
use crate::scenario::suite::{self, Entry, Outcome, Slots};

/// Where a finished cell belongs, for progress reports.
#[derive(Debug, Clone, Copy)]
pub struct ColumnProgress<'a> {
    /// Cells of the whole matrix (of this shard).
    pub total: usize,
    /// The implementation (or client × server pair) of the cell.
    pub implementation: &'a str,
    /// Cells of that implementation.
    pub cells: usize,
}

/// Runs `file` (read from `path`), every implementation side by side over `settings.jobs`
/// slots, calling `progress` for each finished cell.
pub async fn run_matrix(
    path: &Path,
    file: &MatrixFile,
    settings: &MatrixSettings,
    mut progress: impl FnMut(&ColumnProgress<'_>, &Outcome),
) -> Result<MatrixResult, MatrixError> {
    let started = Instant::now();
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let Scenarios {
        server: server_entries,
        client: client_entries,
        interop: interop_entries,
        sources: _sources,
    } = scenarios(file)?;
    let servers = prepare_all("server", &file.server, settings)?;
    let clients = prepare_all("client", &file.client, settings)?;
    let pairs = pairs(&clients, &servers, file.interop_pairs);
    let plan = [
        (Suite::Server, server_entries, servers),
        (Suite::Client, client_entries, clients),
        (Suite::Interop, interop_entries, pairs),
    ];
    let total: usize = plan.iter().map(|(_, e, p)| e.len() * p.len()).sum();
    if total == 0 {
        return Err(MatrixError::Scenarios(
            "no scenario to run: no server scenario for the servers and no client scenario for the clients (check `scenarios`, `filter` and `tags`)".into(),
        ));
    }
    let total = settings
        .shard
        .map_or(total, |s| s.size_of(total as u64) as usize);
    let run_settings = Arc::new(settings.run.clone());
    let slots = Slots::new(settings.jobs);
    let progress = std::cell::RefCell::new(&mut progress);
    // Every implementation's cells, as futures polled side by side over the one set of slots;
    // those on a fixed port (not isolated) one after another, as they would clash.
    let mut side_by_side = Vec::new();
    let mut fixed_port = Vec::new();
    let mut layout = Vec::new();
    // The matrix's cells are numbered grid by grid, column by column, row by row.
    let mut first_cell = 0u64;
    for (suite, entries, prepared) in plan {
        if prepared.is_empty() || entries.is_empty() {
            continue;
        }
        let rows: Vec<Row> = entries
            .iter()
            .map(|e| Row {
                id: e.id.clone(),
                description: e.scenario.description.clone(),
                tags: e.scenario.tags.clone(),
            })
            .collect();
        let mut columns = Vec::new();
        for imp in prepared {
            let owned = super::shard::owned(&entries, first_cell, settings.shard);
            first_cell += entries.len() as u64;
            let cells = owned
                .iter()
                .filter(|e| imp.provider.accepts(&e.scenario))
                .count();
            let name = imp.column.name.clone();
            let (progress, run_settings, slots) = (&progress, run_settings.clone(), slots.clone());
            let isolated = imp.provider.isolated();
            let column = async move {
                suite::run_all_guarded(
                    owned,
                    imp.provider,
                    run_settings,
                    imp.known_failures,
                    slots,
                    settings.retries,
                    false,
                    |outcome| {
                        let done = ColumnProgress {
                            total,
                            implementation: &name,
                            cells,
                        };
                        (progress.borrow_mut())(&done, outcome)
                    },
                )
                .await
                .0
            };
            let at = (layout.len(), columns.len());
            if isolated {
                side_by_side.push(column.map(move |o| (at, o)));
            } else {
                fixed_port.push((at, column));
            }
            columns.push(imp.column);
        }
        layout.push((suite, rows, columns));
    }
    let one_after_another = async move {
        let mut out = Vec::new();
        for (at, column) in fixed_port {
            out.push((at, column.await));
        }
        out
    };
    let (mut finished, later) = futures_util::future::join(
        futures_util::future::join_all(side_by_side),
        one_after_another,
    )
    .await;
    finished.extend(later);
    let mut cells_of: std::collections::HashMap<(usize, usize), Vec<Outcome>> =
        finished.into_iter().collect();
    let grids = layout
        .into_iter()
        .enumerate()
        .map(|(g, (suite, rows, columns))| {
            let cells = (0..columns.len())
                .map(|c| {
                    let mut by_row: Vec<Option<Outcome>> = vec![None; rows.len()];
                    for outcome in cells_of.remove(&(g, c)).unwrap_or_default() {
                        if let Some(i) = rows.iter().position(|r| r.id == outcome.id) {
                            by_row[i] = Some(outcome);
                        }
                    }
                    by_row
                })
                .collect();
            Grid {
                suite,
                rows,
                columns,
                cells,
            }
        })
        .collect();
    Ok(MatrixResult {
        date,
        file: path.display().to_string(),
        grids,
        duration: started.elapsed(),
    })
}

/// The matrix's scenarios, parsed and selected, by what they test.
struct Scenarios {
    server: Vec<Entry>,
    client: Vec<Entry>,
    interop: Vec<Entry>,
    /// Where the files are; keeps the built-in suite's folder until the matrix is done.
    sources: crate::scenario::embedded::Sources,
}

/// The matrix's scenarios, parsed, selected and split by what they test.
fn scenarios(file: &MatrixFile) -> Result<Scenarios, MatrixError> {
    let scenarios_error = |e: crate::scenario::ParseError| MatrixError::Scenarios(e.to_string());
    let sources = crate::scenario::embedded::locate(&file.scenarios).map_err(scenarios_error)?;
    let found = suite::discover(sources.paths()).map_err(scenarios_error)?;
    let (entries, errors) = suite::load(found);
    if let Some(first) = errors.first() {
        return Err(MatrixError::Scenarios(format!(
            "{first}\n({} scenario file(s) do not parse; nothing was run)",
            errors.len()
        )));
    }
    let filter = file
        .filter
        .as_deref()
        .map(Regex::new)
        .transpose()
        .map_err(|e| MatrixError::Scenarios(format!("`filter` is not a valid regex: {e}")))?;
    // A scenario that sets the server's limits runs on the built-in server alone: no column
    // to compare it with (`run --server-mode` and the conformance suite run it).
    let entries: Vec<Entry> = suite::select(entries, filter.as_ref(), &file.tags)
        .into_iter()
        .filter(|e| e.scenario.server_limits.is_none())
        .collect();
    let (client_entries, server_entries): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| e.scenario.tests_client());
    let (interop_entries, client_entries): (Vec<Entry>, Vec<Entry>) = client_entries
        .into_iter()
        .partition(|e| e.scenario.tests_interop());
    Ok(Scenarios {
        server: server_entries,
        client: client_entries,
        interop: interop_entries,
        sources,
    })
}
