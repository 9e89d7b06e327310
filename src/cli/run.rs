//! `chat-harness run`: turns the command-line arguments into a [`RunConfig`] and runs it on a
//! tokio runtime. Everything else lives in the library (`chat_harness::scenario`).

use std::sync::Arc;

use anyhow::Context;
use chat_harness::client_seat::{ClientTarget, Seats};
use chat_harness::report::Style;
use chat_harness::scenario::command::{self, Format, RunConfig};
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::run_end::{RunEnd, RunError};
use chat_harness::scenario::suite::Retries;
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::limits::Limits;

use crate::cli::args::{ReportFormat, RunArgs, TargetArgs};
use crate::cli::target::{provider, server_under_test};
use crate::cli::Outcome;

/// Runs the scenarios and reports them.
pub fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    chat_harness::interrupt::install().context("cannot install the signal handlers")?;
    crate::cli::limits::configure(args.target.limits.as_deref(), Limits::RUN)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let (provider, description) = run_provider(&args)?;
        let filter = args
            .filter
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .context("--filter is not a valid regex")?;
        let known_failures = match &args.expect {
            Some(path) => KnownFailures::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
            None => KnownFailures::default(),
        };
        let jobs = args
            .jobs
            .unwrap_or_else(chat_harness::scenario::slots::default_jobs);
        let config = RunConfig {
            paths: args.paths,
            provider,
            target_description: description,
            jobs,
            filter,
            tags: args.tag,
            known_failures,
            settings: RunSettings {
                default_timeout: args.timeout,
                strict: args.strict,
                graceful_close: args.target.target.is_some(),
                timeout_cap: None,
                transport: args.transport,
                foreign_names: None,
            },
            format: match args.format {
                ReportFormat::Human => Format::Human,
                ReportFormat::Json => Format::Json,
            },
            junit: args.junit,
            style: Style { timings: true },
            retries: Retries {
                count: args.retries,
                allow_flaky: args.allow_flaky,
            },
        };
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        let files = chat_harness::scenario::written::ReportFiles {
            html: args.html.as_deref(),
            diagram: args.diagram.as_deref(),
        };
        let end = command::execute_with_files(config, files, &mut out, &mut err).await;
        if matches!(args.format, ReportFormat::Json) {
            use std::io::Write as _;
            let _ = out.flush();
            if let Some(path) = chat_harness::scenario::written::stdout_file() {
                chat_harness::scenario::written::announce(&path, &mut err);
            }
        }
        Ok(match end {
            Ok(RunEnd::Passed) => Outcome::Passed,
            Ok(RunEnd::Failed) => Outcome::Failed,
            Ok(RunEnd::Errors) => Outcome::Errors,
            Ok(RunEnd::Interrupted { signal, unwritten }) => Outcome::Interrupted {
                signal,
                error: unwritten.map(anyhow::Error::from),
            },
            Err(e @ RunError::Unparsed(_)) => Outcome::Unparsed {
                summary: e.to_string(),
                errors: match e {
                    RunError::Unparsed(errors) => errors.iter().map(|e| e.to_string()).collect(),
                    _ => Vec::new(),
                },
            },
            Err(e) => return Err(e.into()),
        })
    })
}

/// What `run` runs against: a client (`--client`, `--client-builtin`), a server (`--target`,
/// `--spawn`), both (a client and `--spawn`: server scenarios on the spawned server, client
/// scenarios on the client, interop ones on both), or by default the built-in server for
/// server scenarios and the reference client for client scenarios.
fn run_provider(args: &RunArgs) -> anyhow::Result<(Arc<dyn Provider>, String)> {
    let port = args.target.port;
    let exe = std::env::current_exe().context("cannot find the chat-harness binary")?;
    let client = match &args.client {
        Some(command) => Some(ClientTarget::command(command, port)?),
        None if args.client_builtin => Some(ClientTarget::builtin(&exe, port)),
        None => None,
    };
    if let Some(client) = client {
        let target = with_interop_server(client, &args.target)?;
        let description = target.describe();
        if args.target.spawn.is_none() {
            return Ok((Arc::new(target), description));
        }
        // A client and --spawn: every seat in one run.
        let (server, server_description) = provider(&args.target)?;
        let client: Arc<dyn Provider> = Arc::new(target);
        let description = format!("{server_description}; client scenarios: {description}");
        return Ok((Arc::new(Seats { server, client }), description));
    }
    let (server, description) = provider(&args.target)?;
    if args.target.target.is_some() || args.target.spawn.is_some() {
        return Ok((server, description));
    }
    let client: Arc<dyn Provider> = Arc::new(ClientTarget::builtin(&exe, None));
    let description = format!(
        "{description}; client scenarios: {}",
        target_description(&exe)
    );
    Ok((Arc::new(Seats { server, client }), description))
}

/// The client target, with the server of `--spawn` or `--server-mode threaded` for its
/// interop scenarios (the built-in polling server otherwise).
fn with_interop_server(client: ClientTarget, args: &TargetArgs) -> anyhow::Result<ClientTarget> {
    let polling =
        chat_harness::server::Mode::from(args.server_mode) == chat_harness::server::Mode::Polling;
    Ok(if args.spawn.is_none() && polling {
        client
    } else {
        client.with_interop_server(server_under_test(args)?)
    })
}

fn target_description(exe: &std::path::Path) -> String {
    ClientTarget::builtin(exe, None).describe()
}
