//! The `chat-harness` binary: parse the command line, dispatch, map errors to exit codes.

mod cli;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chat_harness::scenario::command::{self, Format, RunConfig};
use chat_harness::scenario::expectations::Expectations;
use chat_harness::scenario::report::Style;
use chat_harness::scenario::run::RunSettings;
use chat_harness::scenario::suite::Provider;
use chat_harness::scenario::target::Target;
use clap::Parser;

use cli::{Cli, Command, ReportFormat, RunArgs};

/// Exit status for usage and setup errors (clap uses 2 for its own usage errors too).
const EXIT_SETUP: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let name = match cli.command {
        Command::Run(args) => {
            return match run(*args) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("chat-harness run: {e:#}");
                    ExitCode::from(EXIT_SETUP)
                }
            }
        }
        Command::Serve => "serve",
        Command::Client => "client",
        Command::Fuzz => "fuzz",
        Command::Bench => "bench",
    };
    eprintln!("chat-harness {name}: not yet available in this version");
    ExitCode::from(EXIT_SETUP)
}

fn run(args: RunArgs) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let (provider, description): (Arc<dyn Provider>, String) = match (&args.target, &args.spawn) {
            (Some(addr), _) => {
                let target = Target::address(addr)?;
                let description = target.describe();
                (Arc::new(target), description)
            }
            (None, Some(cmd)) => {
                let target = Target::spawn(cmd, args.spawn_timeout)?;
                let description = target.describe();
                (Arc::new(target), description)
            }
            (None, None) => anyhow::bail!(
                "the built-in server is not in this build yet: pass --target HOST:PORT or --spawn 'CMD {{port}}'"
            ),
        };
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
                graceful_close: args.target.is_some(),
            },
            format: match args.format {
                ReportFormat::Human => Format::Human,
                ReportFormat::Json => Format::Json,
            },
            junit: args.junit,
            style: Style { timings: true },
        };
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        Ok(command::execute(config, &mut out, &mut err).await)
    })
}
