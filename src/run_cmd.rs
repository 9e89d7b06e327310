//! `chat-harness run`: turns the command-line arguments into a [`RunConfig`] and runs it on a
//! tokio runtime. Everything else lives in the library (`chat_harness::scenario`).

use std::sync::Arc;

use anyhow::Context;
use chat_harness::scenario::builtin::Builtin;
use chat_harness::scenario::command::{self, Format, RunConfig};
use chat_harness::scenario::expectations::Expectations;
use chat_harness::scenario::report::Style;
use chat_harness::scenario::run::RunSettings;
use chat_harness::scenario::suite::{Provider, Retries};
use chat_harness::scenario::target::Target;
use chat_harness::server::Mode;

use crate::cli::{ModeArg, ReportFormat, RunArgs, TargetArgs};

/// Runs the scenarios; returns the exit status.
pub fn run(args: RunArgs) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let (provider, description) = provider(&args.target)?;
        let filter = args
            .filter
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .context("--filter is not a valid regex")?;
        let expectations = match &args.expect {
            Some(path) => Expectations::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
            None => Expectations::default(),
        };
        let jobs = args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let config = RunConfig {
            paths: args.paths,
            provider,
            target_description: description,
            jobs,
            filter,
            tags: args.tag,
            expectations,
            settings: RunSettings {
                default_timeout: args.timeout,
                strict: args.strict,
                graceful_close: args.target.target.is_some(),
                timeout_cap: None,
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
        Ok(command::execute(config, &mut out, &mut err).await)
    })
}

/// The server behind `--target`, `--spawn` or the built-in one, and its description; shared
/// by `run` and `fuzz`.
pub fn provider(args: &TargetArgs) -> anyhow::Result<(Arc<dyn Provider>, String)> {
    Ok(match (&args.target, &args.spawn) {
        (Some(addr), _) => {
            let target = Target::address(addr)?;
            let description = target.describe();
            (Arc::new(target), description)
        }
        (None, Some(cmd)) => {
            let target = Target::spawn(cmd, args.spawn_timeout, args.port)?;
            let description = target.describe();
            (Arc::new(target), description)
        }
        (None, None) => {
            let builtin = Builtin::new(match args.server_mode {
                ModeArg::Threaded => Mode::Threaded,
                ModeArg::Polling => Mode::Polling,
            });
            let description = builtin.describe();
            (Arc::new(builtin), description)
        }
    })
}
