//! Runs a matrix: loads and selects the scenarios once, builds a provider per implementation
//! (the built-in server or client, or a command in its `dir`) and per client × server pair,
//! and runs their suites side by side through the scheduler of `chat-harness run`, over one
//! set of `-j` slots (with retries), reporting each finished cell to a progress callback.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use regex::Regex;
use thiserror::Error;

use super::config::{ConfigError, Implementation, MatrixFile};
use super::{Column, Grid, MatrixResult, Row, Suite};
use crate::client_seat::ClientTarget;
use crate::scenario::known_failures::KnownFailures;
use crate::scenario::replay::shell_quote;
use crate::scenario::suite::{self, Entry, Outcome, Retries, Slots};
use crate::server::Mode;
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;
use crate::under_test::target::Target;

/// How to run the matrix (the command line's part).
#[derive(Debug, Clone)]
pub struct MatrixSettings {
    /// Scenarios at a time in the whole matrix (implementations on a fixed port run one
    /// scenario at a time, one after another).
    pub jobs: usize,
    /// Retries of a failed scenario, and whether passing on one is enough.
    pub retries: Retries,
    /// Step timeouts and strictness.
    pub run: RunSettings,
    /// How long a spawned server may take to accept its first connection.
    pub spawn_timeout: Duration,
    /// The chat-harness binary (for the built-in reference client).
    pub exe: PathBuf,
    /// Only this part of the cells (`--shard K/N`; see [`super::shard`]); `None`: all.
    pub shard: Option<crate::shard::Shard>,
}

/// Why a matrix could not run at all.
#[derive(Debug, Error)]
pub enum MatrixError {
    /// The matrix file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A scenario or an expect file does not parse, or a path does not exist.
    #[error("{0}")]
    Scenarios(String),
    /// An implementation cannot be set up.
    #[error("{side} `{name}`: {problem}")]
    Implementation {
        /// `server` or `client`.
        side: &'static str,
        /// Its name.
        name: String,
        /// Why.
        problem: String,
    },
}

/// One implementation, ready to run.
struct Prepared {
    column: Column,
    provider: Arc<dyn Provider>,
    known_failures: Arc<KnownFailures>,
    /// Its part in the interop pairs.
    role: Role,
}

/// What an implementation brings to an interop pair.
enum Role {
    Server(Target),
    Client(ClientTarget),
}

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

/// The client × server pairs: the client's program through the server, known failures of
/// either. Every pair, or with `per_client`, that many servers for each client, in turn.
fn pairs(clients: &[Prepared], servers: &[Prepared], per_client: Option<usize>) -> Vec<Prepared> {
    let mut out = Vec::new();
    let take = per_client.unwrap_or(servers.len()).min(servers.len());
    for (i, client) in clients.iter().enumerate() {
        let Role::Client(target) = &client.role else {
            continue;
        };
        for server in (0..take).map(|j| &servers[(i + j) % servers.len()]) {
            let Role::Server(source) = &server.role else {
                continue;
            };
            let target = target.clone().with_interop_server(source.clone());
            out.push(Prepared {
                column: Column {
                    name: format!("{} × {}", client.column.name, server.column.name),
                    description: target.describe(),
                    client: Some(client.column.name.clone()),
                    server: Some(server.column.name.clone()),
                },
                known_failures: Arc::new(client.known_failures.merged(&server.known_failures)),
                provider: Arc::new(target.clone()),
                role: Role::Client(target),
            });
        }
    }
    out
}

fn prepare_all(
    side: &'static str,
    list: &[Implementation],
    settings: &MatrixSettings,
) -> Result<Vec<Prepared>, MatrixError> {
    list.iter()
        .map(|imp| {
            prepare(side, imp, settings).map_err(|problem| MatrixError::Implementation {
                side,
                name: imp.name.clone(),
                problem,
            })
        })
        .collect()
}

fn prepare(
    side: &str,
    imp: &Implementation,
    settings: &MatrixSettings,
) -> Result<Prepared, String> {
    let known_failures = match &imp.expect {
        Some(path) => KnownFailures::load(path).map_err(|e| e.to_string())?,
        None => KnownFailures::default(),
    };
    let (provider, description, role): (Arc<dyn Provider>, String, Role) =
        match (side, &imp.builtin, &imp.spawn) {
            ("server", Some(mode), _) => {
                let mode = if mode == "threaded" {
                    Mode::Threaded
                } else {
                    Mode::Polling
                };
                server(Target::builtin(mode))
            }
            ("server", None, Some(command)) => {
                let command = match imp.dir.as_ref().filter(|d| *d != Path::new(".")) {
                    Some(dir) => format!(
                        "cd {} && {command}",
                        shell_quote(&dir.display().to_string())
                    ),
                    None => command.clone(),
                };
                server(
                    Target::spawn(&command, settings.spawn_timeout, imp.port)
                        .map_err(|e| e.to_string())?,
                )
            }
            (_, Some(_), _) => {
                let target = ClientTarget::builtin(&settings.exe, imp.port);
                let description = target.describe();
                (Arc::new(target.clone()), description, Role::Client(target))
            }
            (_, None, Some(command)) => {
                let command = match &imp.dir {
                    Some(dir) => absolute_words(command, dir),
                    None => command.clone(),
                };
                let target =
                    ClientTarget::command(&command, imp.port).map_err(|e| e.to_string())?;
                let description = target.describe();
                (Arc::new(target.clone()), description, Role::Client(target))
            }
            _ => return Err("give `builtin` or `spawn`".into()),
        };
    Ok(Prepared {
        column: Column {
            name: imp.name.clone(),
            description,
            client: None,
            server: None,
        },
        provider,
        known_failures: Arc::new(known_failures),
        role,
    })
}

/// A server implementation: its provider, description and role.
fn server(target: Target) -> (Arc<dyn Provider>, String, Role) {
    let description = target.describe();
    (Arc::new(target.clone()), description, Role::Server(target))
}

/// The words of `command` that name a file in `dir`, made absolute: a client runs in a
/// private working directory of its own, not in `dir`.
fn absolute_words(command: &str, dir: &Path) -> String {
    command
        .split(' ')
        .map(|word| {
            let candidate = dir.join(word);
            let is_file = !word.is_empty() && Path::new(word).is_relative() && candidate.is_file();
            match std::path::absolute(&candidate) {
                Ok(absolute) if is_file => absolute.display().to_string(),
                _ => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
