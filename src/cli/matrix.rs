//! `chat-harness matrix`: reads the matrix file, runs it on a tokio runtime with a progress
//! bar over every cell, writes `matrix.html` and `matrix.json`, and returns the exit status.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use chat_harness::matrix::{self, MatrixFile, MatrixSettings};
use chat_harness::report::partial::Interrupted;
use chat_harness::scenario::suite::{Retries, Status};
use chat_harness::server_seat::RunSettings;

use crate::cli::args::{MatrixAction, MatrixArgs};
use crate::cli::Outcome;

/// Runs the matrix: passed when every cell is as expected.
pub fn run(args: MatrixArgs) -> anyhow::Result<Outcome> {
    if let Some(MatrixAction::Merge(merge)) = args.action {
        return crate::cli::matrix_merge::run(&merge);
    }
    let Some(path) = args.file.clone() else {
        anyhow::bail!("give the matrix file (or `matrix merge SHARD.json...`)");
    };
    chat_harness::interrupt::install().context("cannot install the signal handlers")?;
    crate::cli::limits::configure(
        args.limits.as_deref(),
        chat_harness::under_test::limits::Limits::MATRIX,
    )?;
    let file = MatrixFile::load(&path)?;
    let grading = file.grading;
    let settings = MatrixSettings {
        jobs: args
            .jobs
            .unwrap_or_else(chat_harness::scenario::slots::default_matrix_jobs),
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
        shard: args.shard,
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
    let mut lines = crate::cli::matrix_progress::Lines::new();
    let result = runtime.block_on(matrix::run_matrix(
        &path,
        &file,
        &settings,
        |at, outcome| {
            bar.set_length(at.total as u64);
            bar.inc(1);
            let failed = matches!(outcome.status, Status::Fail | Status::Error);
            if failed {
                unexpected += 1;
            }
            let finished = lines.cell(at, failed);
            bar.set_message(format!(
                "{finished} implementations done; {unexpected} unexpected"
            ));
        },
    ));
    lines.finish();
    bar.finish_and_clear();
    let result = result?;
    // A stop signal: the cells that finished are written, the files marked partial.
    let interrupted = chat_harness::interrupt::received().map(|signal| Interrupted {
        signal: chat_harness::interrupt::name(signal),
        not_run: matrix::partial::not_run(&result),
    });
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let timings = !args.no_timings;
    if let Some(shard) = args.shard {
        let written = crate::cli::matrix_merge::Written {
            out: &args.out,
            timings,
            interrupted: interrupted.as_ref(),
            grading,
        };
        return crate::cli::matrix_merge::write_shard(&path, &result, shard, &written);
    }
    let html_path = args.out.join("matrix.html");
    let json_path = args.out.join("matrix.json");
    let mut page = matrix::page::matrix_page(&result, timings);
    let mut json = matrix::json::matrix_json(&result, timings);
    if let Some(interrupted) = &interrupted {
        page = interrupted.mark_html(&page);
        json = matrix::partial::mark_json(&json, interrupted);
    }
    std::fs::write(&html_path, page)
        .with_context(|| format!("cannot write {}", html_path.display()))?;
    std::fs::write(&json_path, json)
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    let grades = matrix::grades::grades(&result, &grading);
    let csv_path = args.out.join("grades.csv");
    std::fs::write(&csv_path, matrix::grades::grades_csv(&grades)?)
        .with_context(|| format!("cannot write {}", csv_path.display()))?;
    crate::cli::matrix_progress::print_column_summaries(&result);
    println!(
        "{} and {} in {:.1} s",
        chat_harness::scenario::written::line(&html_path),
        chat_harness::scenario::written::line(&json_path).replacen("wrote ", "", 1),
        result.duration.as_secs_f64()
    );
    if let (Some(interrupted), Some(signal)) = (&interrupted, chat_harness::interrupt::received()) {
        print!("{}", interrupted.line());
        return Ok(Outcome::Interrupted {
            signal,
            error: None,
        });
    }
    Ok(Outcome::passed_if(result.as_expected()))
}
