//! `chat-harness matrix --shard K/N` (writing its part) and `chat-harness matrix merge`
//! (writing the whole matrix from the parts): the command-line side of
//! [`chat_harness::matrix::shard`] and [`chat_harness::matrix::merge`].

use std::path::Path;

use anyhow::Context;

use chat_harness::matrix::{self, MatrixResult};
use chat_harness::report::partial::Interrupted;
use chat_harness::shard::Shard;

use crate::cli::args::MatrixMergeArgs;
use crate::cli::Outcome;

/// Where and how a shard is written.
pub struct Written<'a> {
    /// The output folder.
    pub out: &'a Path,
    /// Dates and times in the file.
    pub timings: bool,
    /// A stop signal cut the run short.
    pub interrupted: Option<&'a Interrupted>,
    /// The matrix file's `[grading]` weights, carried to the merge.
    pub grading: matrix::grades::Weights,
}

/// Writes a shard's `matrix.json` (its cells, marked as shard K/N of the matrix file at
/// `path`); passed when its cells are as expected.
pub fn write_shard(
    path: &Path,
    result: &MatrixResult,
    shard: Shard,
    written: &Written<'_>,
) -> anyhow::Result<Outcome> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let digest = matrix::shard::toml_digest(&bytes);
    let json = matrix::json::matrix_json(result, written.timings);
    let mut json = matrix::shard::shard_json(&json, result, shard, &digest, written.grading);
    if let Some(interrupted) = written.interrupted {
        json = matrix::partial::mark_json(&json, interrupted);
    }
    std::fs::create_dir_all(written.out)
        .with_context(|| format!("cannot create {}", written.out.display()))?;
    let json_path = written.out.join("matrix.json");
    std::fs::write(&json_path, json)
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    let cells: usize = result
        .grids
        .iter()
        .map(|g| g.cells.iter().flatten().flatten().count())
        .sum();
    println!(
        "wrote shard {shard} ({cells} cells) to {} in {:.1} s; `chat-harness matrix merge` of all {} shards writes the whole matrix",
        json_path.display(),
        result.duration.as_secs_f64(),
        shard.count
    );
    if let (Some(interrupted), Some(signal)) =
        (written.interrupted, chat_harness::interrupt::received())
    {
        print!("{}", interrupted.line());
        return Ok(Outcome::Interrupted {
            signal,
            error: None,
        });
    }
    Ok(Outcome::passed_if(matrix::shard::as_expected(
        result, shard,
    )))
}

/// Merges the shards into `matrix.html` and `matrix.json`; passed when every cell is as
/// expected, as `matrix` itself.
pub fn run(args: &MatrixMergeArgs) -> anyhow::Result<Outcome> {
    let merged = matrix::merge::merge(&args.shards)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let timings = !args.no_timings;
    let html_path = args.out.join("matrix.html");
    let json_path = args.out.join("matrix.json");
    std::fs::write(&html_path, merged.page(timings))
        .with_context(|| format!("cannot write {}", html_path.display()))?;
    std::fs::write(&json_path, merged.json(timings))
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    let grades = matrix::grades::grades(&merged.result, &merged.grading);
    let csv_path = args.out.join("grades.csv");
    std::fs::write(&csv_path, matrix::grades::grades_csv(&grades)?)
        .with_context(|| format!("cannot write {}", csv_path.display()))?;
    crate::cli::matrix_progress::print_column_summaries(&merged.result);
    println!(
        "merged {} shards: wrote {}, {} and {}",
        merged.shards.len(),
        html_path.display(),
        json_path.display(),
        csv_path.display()
    );
    Ok(Outcome::passed_if(merged.result.as_expected()))
}
