//! `grades.csv`: one row per implementation of each grid (servers, clients, client × server
//! pairs) with passed/total per level (`core`, `robust`, `reference`, `wording`) and a
//! weighted score from the matrix file's `[grading]` weights, written with the `csv` crate.
//! A scenario passes when it passed (or passed on a retry it may take); a known failure, an
//! error or a missing cell counts in the total, not in the passed.

use serde::{Deserialize, Serialize};

use super::{Grid, MatrixResult};
use crate::scenario::suite::{Kind, Outcome, Status};

/// The levels, in the order of the report's `by tag:` line.
pub const LEVELS: [&str; 4] = ["core", "robust", "reference", "wording"];

/// The index in [`LEVELS`] of the first level among `tags`.
fn level(tags: &[String]) -> Option<usize> {
    tags.iter().find_map(|t| LEVELS.iter().position(|l| l == t))
}

/// The weight of each level in the score (`[grading]` in the matrix file). The defaults
/// grade what every implementation must do: the lab protocol counts most, robustness next,
/// exact wording a little, and the reference's own answers to open questions not at all.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// `core` scenarios.
    pub core: f64,
    /// `robust` scenarios.
    pub robust: f64,
    /// `reference` scenarios.
    pub reference: f64,
    /// `wording` scenarios.
    pub wording: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            core: 3.0,
            robust: 2.0,
            reference: 0.0,
            wording: 1.0,
        }
    }
}

impl Weights {
    /// The weights in the order of [`LEVELS`].
    fn by_level(&self) -> [f64; 4] {
        [self.core, self.robust, self.reference, self.wording]
    }
}

/// One implementation's grade.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    /// `server`, `client` or `interop`.
    pub suite: String,
    /// The implementation's name (a pair's column name in the interop grid).
    pub implementation: String,
    /// (passed, total) per level, in the order of [`LEVELS`].
    pub levels: [(usize, usize); 4],
    /// The weighted score, 0 to 100: the weighted mean of each level's pass ratio over the
    /// levels that have scenarios.
    pub score: f64,
}

/// Whether an outcome counts as passed.
fn passed(outcome: &Outcome) -> bool {
    outcome.kind == Kind::Pass || (outcome.kind == Kind::Flaky && outcome.status == Status::Pass)
}

/// The grades of every implementation of every grid.
pub fn grades(result: &MatrixResult, weights: &Weights) -> Vec<Grade> {
    result
        .grids
        .iter()
        .flat_map(|grid| grid_grades(grid, weights))
        .collect()
}

/// The grades of one grid's implementations.
pub fn grid_grades(grid: &Grid, weights: &Weights) -> Vec<Grade> {
    let suite = serde_json::to_value(grid.suite)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    grid.columns
        .iter()
        .zip(&grid.cells)
        .map(|(column, cells)| {
            let mut levels = [(0, 0); 4];
            for (row, cell) in grid.rows.iter().zip(cells) {
                let Some(i) = level(&row.tags) else {
                    continue;
                };
                levels[i].1 += 1;
                levels[i].0 += usize::from(cell.as_ref().is_some_and(passed));
            }
            Grade {
                suite: suite.clone(),
                implementation: column.name.clone(),
                levels,
                score: score(&levels, weights),
            }
        })
        .collect()
}

/// The weighted mean pass ratio, in percent, over the levels with scenarios and a weight.
pub fn score(levels: &[(usize, usize); 4], weights: &Weights) -> f64 {
    let (mut sum, mut total_weight) = (0.0, 0.0);
    for ((passed, total), weight) in levels.iter().zip(weights.by_level()) {
        if *total > 0 && weight > 0.0 {
            sum += weight * (*passed as f64) / (*total as f64);
            total_weight += weight;
        }
    }
    if total_weight > 0.0 {
        (1000.0 * sum / total_weight).round() / 10.0
    } else {
        0.0
    }
}

/// The grades as CSV: a header line, then one row per implementation.
pub fn grades_csv(grades: &[Grade]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["suite".to_owned(), "implementation".to_owned()];
    for level in LEVELS {
        header.push(format!("{level}_passed"));
        header.push(format!("{level}_total"));
    }
    header.push("score".to_owned());
    writer.write_record(&header)?;
    for grade in grades {
        let mut record = vec![grade.suite.clone(), grade.implementation.clone()];
        for (passed, total) in grade.levels {
            record.push(passed.to_string());
            record.push(total.to_string());
        }
        record.push(format!("{:.1}", grade.score));
        writer.write_record(&record)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `core 12/14 · robust 30/41 · ...` for the page, levels without scenarios left out.
pub fn levels_line(grade: &Grade) -> String {
    let parts: Vec<String> = LEVELS
        .iter()
        .zip(grade.levels)
        .filter(|(_, (_, total))| *total > 0)
        .map(|(level, (passed, total))| format!("{level} {passed}/{total}"))
        .collect();
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_weighs_each_level_that_has_scenarios() {
        let w = Weights::default();
        // (3 × 1 + 2 × 0.5 + 1 × 1) / 6; reference weighs nothing by default.
        assert_eq!(score(&[(10, 10), (5, 10), (0, 4), (1, 1)], &w), 83.3);
        // No wording scenarios: core and robust alone, 3:2.
        assert_eq!(score(&[(10, 10), (0, 10), (0, 0), (0, 0)], &w), 60.0);
        assert_eq!(score(&[(0, 0); 4], &w), 0.0);
    }

    #[test]
    fn the_csv_has_a_header_and_a_row_per_grade() {
        let grade = Grade {
            suite: "server".into(),
            implementation: "a, \"quoted\" one".into(),
            levels: [(1, 2), (3, 4), (0, 1), (0, 0)],
            score: 41.7,
        };
        let text = grades_csv(&[grade]).expect("csv");
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("suite,implementation,core_passed,core_total,robust_passed,robust_total,reference_passed,reference_total,wording_passed,wording_total,score")
        );
        assert_eq!(
            lines.next(),
            Some("server,\"a, \"\"quoted\"\" one\",1,2,3,4,0,1,0,0,41.7")
        );
    }
}
