//! `chat-harness matrix`: reads the matrix file, runs it on a tokio runtime with a progress
//! bar over every cell, writes `matrix.html` and `matrix.json`, and returns the exit status.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use chat_harness::matrix::{self, MatrixFile, MatrixSettings};
use chat_harness::scenario::run::RunSettings;
use chat_harness::scenario::suite::{Retries, Status};

const MATRIX_EXAMPLES: &str = "\
The matrix file names the implementations; relative paths in it are taken from its folder:

  scenarios = [\"../scenarios\"]      # default: scenarios/ in the current folder
  tags = [\"core\"]                   # optional, as --tag; filter = \"REGEX\" as --filter
  [[server]]
  name = \"reference (polling)\"
  builtin = \"polling\"               # or \"threaded\"
  [[server]]
  name = \"lab server\"
  spawn = \"python3 Server.py\"       # through sh -c; {port} is filled in when present
  port = 55555                      # a fixed port: its scenarios run one at a time
  dir = \"../lab\"                    # working directory of the command
  expect = \"lab-server.expect\"      # known failures, as run --expect
  [[client]]
  name = \"reference client\"
  builtin = \"reference\"
  [[client]]
  name = \"lab client\"
  spawn = \"python3 Client.py {host} {port}\"

Examples:
  chat-harness matrix examples/matrix.toml
  chat-harness matrix class.toml -j 4 --retries 2 --out reports/

Exit status: 0 when every cell is as expected (passes, or known failures of the
implementation's expect file), 1 otherwise (a failure, or a cell that could not run),
2 when the matrix cannot run (a wrong file, a scenario that does not parse).";

/// Arguments of `chat-harness matrix`.
#[derive(Debug, Args)]
#[command(after_help = MATRIX_EXAMPLES)]
pub struct MatrixArgs {
    /// The matrix file (TOML).
    pub file: PathBuf,
    /// Where matrix.html and matrix.json are written.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Scenarios at a time within an implementation that takes {port} (or a built-in one).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run a failed scenario again, on a fresh server or client, up to N times; one that then
    /// passes is `flaky` (and not as expected, unless --allow-flaky).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,
    /// A scenario that passes only on a retry counts as passing.
    #[arg(long)]
    pub allow_flaky: bool,
    /// Default timeout of a step that waits, unless a scenario sets its own.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = crate::cli::duration)]
    pub timeout: std::time::Duration,
    /// How long a spawned server may take to accept its first connection.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = crate::cli::duration)]
    pub spawn_timeout: std::time::Duration,
    /// Leave the date and times out of both files (for reproducible output).
    #[arg(long, hide = true)]
    pub no_timings: bool,
}

/// Runs the matrix; returns the exit status.
pub fn run(args: MatrixArgs) -> anyhow::Result<u8> {
    let file = MatrixFile::load(&args.file)?;
    let settings = MatrixSettings {
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        retries: Retries {
            count: args.retries,
            allow_flaky: args.allow_flaky,
        },
        run: RunSettings {
            default_timeout: args.timeout,
            ..RunSettings::default()
        },
        spawn_timeout: args.spawn_timeout,
        exe: std::env::current_exe().context("cannot find the chat-harness binary")?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} cells, {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut unexpected = 0;
    let result = runtime.block_on(matrix::run_matrix(
        &args.file,
        &file,
        &settings,
        |total, implementation, outcome| {
            bar.set_length(total as u64);
            bar.inc(1);
            if matches!(outcome.status, Status::Fail | Status::Error) {
                unexpected += 1;
            }
            bar.set_message(format!("{implementation}; {unexpected} unexpected"));
        },
    ));
    bar.finish_and_clear();
    let result = result?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let timings = !args.no_timings;
    let html_path = args.out.join("matrix.html");
    let json_path = args.out.join("matrix.json");
    std::fs::write(&html_path, matrix::page::matrix_page(&result, timings))
        .with_context(|| format!("cannot write {}", html_path.display()))?;
    std::fs::write(&json_path, matrix::json::matrix_json(&result, timings))
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    for grid in &result.grids {
        for (column, cells) in grid.columns.iter().zip(&grid.cells) {
            let present: Vec<_> = cells.iter().flatten().cloned().collect();
            let s = chat_harness::scenario::suite::Summary::of(&present);
            println!(
                "{:?} {:<28} {} passed, {} failed, {} expected failures, {} unexpected passes, {} errors",
                grid.suite,
                column.name,
                s.passed,
                s.failed,
                s.expected_failures,
                s.unexpected_passes,
                s.errors
            );
        }
    }
    println!(
        "wrote {} and {} in {:.1} s",
        html_path.display(),
        json_path.display(),
        result.duration.as_secs_f64()
    );
    Ok(result.exit_code())
}
