//! `chat-harness run` as a library function: load, select, run, report, exit status. The
//! binary only translates its arguments into a [`RunConfig`].

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use regex::Regex;

use super::embedded::Sources;
use super::known_failures::KnownFailures;
use super::outcome::Summary;
use super::run_end::{RunEnd, RunError};
use super::seat_counts::SeatCounts;
use super::suite::{self, Retries};
use crate::report::partial::Interrupted;
use crate::report::{self, Style};
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;

/// The report format on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Lines for people.
    Human,
    /// JSON lines.
    Json,
}

/// Everything `chat-harness run` needs.
pub struct RunConfig {
    /// Files and folders to run.
    pub paths: Vec<PathBuf>,
    /// Where the servers come from.
    pub provider: Arc<dyn Provider>,
    /// A description of the target for the report header.
    pub target_description: String,
    /// Parallel scenarios (for isolated targets).
    pub jobs: usize,
    /// Keep scenarios whose id matches.
    pub filter: Option<Regex>,
    /// Keep scenarios with one of these tags.
    pub tags: Vec<String>,
    /// Known failures.
    pub known_failures: KnownFailures,
    /// Step timeouts and strictness.
    pub settings: RunSettings,
    /// The report format.
    pub format: Format,
    /// Also write JUnit XML here.
    pub junit: Option<PathBuf>,
    /// Show durations.
    pub style: Style,
    /// Runs again of a failed scenario, and whether passing on a retry is enough.
    pub retries: Retries,
}

/// Runs the scenarios and writes the report to `out`; returns how the run ended, or why it
/// could not run. Notes on scenarios skipped go to `err`; errors are returned, never printed.
pub async fn execute(
    config: RunConfig,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunEnd, RunError> {
    execute_with_html(config, None, out, err).await
}

/// [`execute`], also writing the self-contained HTML report (`run --html FILE`) to `html`.
pub async fn execute_with_html(
    config: RunConfig,
    html: Option<&std::path::Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunEnd, RunError> {
    let files = super::written::ReportFiles {
        html,
        diagram: None,
    };
    execute_with_files(config, files, out, err).await
}

/// [`execute`], also writing the files of `files` (`--html`, `--diagram`).
pub async fn execute_with_files(
    config: RunConfig,
    files: super::written::ReportFiles<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunEnd, RunError> {
    let html = files.html;
    // `sources` keeps the built-in suite's files on disk until the run is over.
    let Selected {
        entries,
        sources,
        seats,
    } = select(&config, err)?;
    if let Some(refused) = super::written::check_diagram(&files, entries.len()) {
        return Err(RunError::Setup(refused));
    }
    config.provider.preflight().await.map_err(RunError::Setup)?;
    let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
    let jobs = if config.provider.isolated() {
        config.jobs.max(1)
    } else {
        1
    };
    if config.format == Format::Human {
        let _ = write!(
            out,
            "{}",
            report::header(entries.len(), &config.target_description, jobs)
        );
        let _ = writeln!(out, "{}", sources.describe());
        let _ = writeln!(out, "{}", seats.header());
        if config.provider.shares_state() {
            let _ = writeln!(
                out,
                "names: every scenario meets the same server, so each one's clients get names of their own (alice -> alice{}); the core scenarios run first",
                super::shared_names::suffix(0, 1)
            );
        }
        let _ = out.flush();
    }
    let started = Instant::now();
    let (format, style) = (config.format, config.style);
    let (outcomes, setup_error) = suite::run_all_guarded(
        entries,
        config.provider.clone(),
        Arc::new(config.settings.clone()),
        Arc::new(config.known_failures.clone()),
        jobs,
        config.retries,
        true,
        |outcome| {
            let text = match format {
                Format::Human => report::scenario_line(outcome, style),
                Format::Json => report::scenario_json(outcome, style),
            };
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        },
    )
    .await;
    if let Some(error) = setup_error {
        return Err(RunError::Setup(error));
    }
    let summary = Summary::of(&outcomes);
    write_report(&config, &summary, &outcomes, &ids, started, out);
    // A stop signal: what finished is reported, and every report says it is partial.
    let interrupted = crate::interrupt::received().map(|signal| Interrupted {
        signal: crate::interrupt::name(signal),
        not_run: ids
            .iter()
            .filter(|id| !outcomes.iter().any(|o| &o.id == *id))
            .cloned()
            .collect(),
    });
    if let Some(interrupted) = &interrupted {
        let text = match config.format {
            Format::Human => interrupted.line(),
            Format::Json => interrupted.json(),
        };
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
    let mut written = write_files(&config, html, &outcomes, interrupted.as_ref(), err);
    if let Err(e) = super::written::write_diagram(&files, &outcomes, config.style, err) {
        written = written.and(Err(RunError::Setup(e)));
    }
    if let Some(signal) = crate::interrupt::received() {
        return Ok(RunEnd::Interrupted {
            signal,
            unwritten: written.err(),
        });
    }
    written?;
    Ok(summary.end())
}

/// The scenarios of `config.paths` that parse, match the filter and tags and are for this
/// provider; notes on what was skipped go to `err`. Parse errors and an empty selection are
/// returned.
fn select(config: &RunConfig, err: &mut dyn Write) -> Result<Selected, RunError> {
    let sources =
        super::embedded::locate(&config.paths).map_err(|e| RunError::Setup(e.to_string()))?;
    let files = suite::discover(sources.paths()).map_err(|e| RunError::Setup(e.to_string()))?;
    let (entries, errors) = suite::load(files);
    if !errors.is_empty() {
        return Err(RunError::Unparsed(errors));
    }
    if let Some(message) = unknown_tag(&entries, &config.tags) {
        return Err(RunError::Setup(message));
    }
    let entries = suite::select(entries, config.filter.as_ref(), &config.tags);
    let mut seats = SeatCounts::default();
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| {
            let runs = config.provider.accepts(&e.scenario);
            seats.add(&e.scenario, runs);
            runs
        })
        .collect();
    for note in seats.notes() {
        let _ = writeln!(err, "{note}");
    }
    if entries.is_empty() {
        return Err(RunError::Setup(
            "no scenario matches (check the paths, --filter and --tag)".to_owned(),
        ));
    }
    let entries = if config.provider.shares_state() {
        super::shared_names::core_first(entries)
    } else {
        entries
    };
    Ok(Selected {
        entries,
        sources,
        seats,
    })
}

/// Why `--tag` selects nothing the user meant: a tag no loaded scenario carries, with the
/// nearest one that exists and the list of those that do.
fn unknown_tag(entries: &[suite::Entry], tags: &[String]) -> Option<String> {
    let known: std::collections::BTreeSet<&str> = entries
        .iter()
        .flat_map(|e| e.scenario.tags.iter().map(String::as_str))
        .collect();
    let typed = tags.iter().find(|t| !known.contains(t.as_str()))?;
    Some(format!(
        "no scenario has the tag `{typed}`{}; the tags are: {}",
        super::nearest::suggestion(typed, known.iter().copied()),
        known.into_iter().collect::<Vec<_>>().join(", ")
    ))
}

/// What [`select`] found.
struct Selected {
    /// The scenarios to run.
    entries: Vec<suite::Entry>,
    /// Where their files are: the built-in suite's folder lives as long as this.
    sources: Sources,
    /// The scenarios run and skipped, by seat.
    seats: SeatCounts,
}

/// The report on `out`: human lines (shared causes, failure details, stale `--expect`
/// entries, the summary line) or the JSON summary.
fn write_report(
    config: &RunConfig,
    summary: &Summary,
    outcomes: &[suite::Outcome],
    ids: &[String],
    started: Instant,
    out: &mut dyn Write,
) {
    let shared = crate::scenario::shared_cause::shared_deviations(outcomes);
    match config.format {
        Format::Human => {
            let causes = report::shared_causes(&shared);
            if !causes.is_empty() {
                let _ = write!(out, "\n{causes}");
            }
            let details = report::failure_report(outcomes);
            if !details.is_empty() {
                let _ = write!(out, "\n{details}");
            }
            if config.provider.shares_state() {
                if let Some(note) = super::shared_names::shared_failure_note(outcomes) {
                    let _ = writeln!(out, "{note}");
                }
            }
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            for stale in config.known_failures.unused(&id_refs) {
                let _ = writeln!(
                    out,
                    "note: the --expect entry `{stale}` matches no scenario that ran{}",
                    super::nearest::suggestion(stale, id_refs.iter().copied())
                );
            }
            let elapsed = config.style.timings.then(|| started.elapsed());
            let _ = write!(out, "\n{}", report::summary_line(summary, elapsed));
        }
        Format::Json => {
            let _ = out.write_all(report::summary_json(summary, &shared).as_bytes());
        }
    }
}

/// The JUnit and HTML files asked for; the first that cannot be written is the error.
fn write_files(
    config: &RunConfig,
    html: Option<&std::path::Path>,
    outcomes: &[suite::Outcome],
    interrupted: Option<&Interrupted>,
    err: &mut dyn Write,
) -> Result<(), RunError> {
    if let Some(path) = &config.junit {
        let xml = match interrupted {
            Some(interrupted) => interrupted.junit_xml(outcomes),
            None => report::junit_xml(outcomes),
        };
        let written = xml
            .map_err(|e| e.to_string())
            .and_then(|xml| std::fs::write(path, xml).map_err(|e| e.to_string()));
        if let Err(reason) = written {
            return Err(RunError::Write {
                path: path.clone(),
                reason,
            });
        }
        super::written::announce(path, err);
    }
    if let Some(path) = html {
        let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
        let mut page = report::html::run_page(&config.target_description, &date, outcomes);
        if let Some(interrupted) = interrupted {
            page = interrupted.mark_html(&page);
        }
        if let Err(e) = std::fs::write(path, page) {
            return Err(RunError::Write {
                path: path.to_path_buf(),
                reason: e.to_string(),
            });
        }
        super::written::announce(path, err);
    }
    Ok(())
}
