//! `matrix` progress where no progress bar can be drawn (stderr not a terminal: CI logs): one
//! line per implementation when its last cell finishes. Implementations run side by side, so
//! each is counted apart and its line comes when its count is full; at the end (or on a stop)
//! the unfinished ones get a line each. Also the counts per implementation that a whole or
//! merged matrix prints at its end.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use chat_harness::matrix::run::ColumnProgress;

/// One implementation's cells so far.
#[derive(Default)]
struct Counts {
    done: usize,
    of: usize,
    unexpected: usize,
}

/// The progress lines of a matrix run (silent on a terminal, where the bar shows).
pub struct Lines {
    on: bool,
    started: Instant,
    columns: BTreeMap<String, Counts>,
    finished: usize,
    done: usize,
    total: usize,
}

impl Lines {
    /// Lines on stderr only when it is not a terminal.
    pub fn new() -> Self {
        Self {
            on: !std::io::stderr().is_terminal(),
            started: Instant::now(),
            columns: BTreeMap::new(),
            finished: 0,
            done: 0,
            total: 0,
        }
    }

    /// One cell finished (`unexpected`: failed or erred unexpectedly); returns how many
    /// implementations have all their cells.
    pub fn cell(&mut self, at: &ColumnProgress<'_>, unexpected: bool) -> usize {
        self.total = at.total;
        self.done += 1;
        let counts = self
            .columns
            .entry(at.implementation.to_owned())
            .or_default();
        counts.of = at.cells;
        counts.done += 1;
        counts.unexpected += usize::from(unexpected);
        if counts.done == counts.of {
            self.finished += 1;
            let line = format!(
                "matrix: {} finished: {} cells, {} unexpected, at {:.1} s ({} of {} cells done)",
                at.implementation,
                counts.done,
                counts.unexpected,
                self.started.elapsed().as_secs_f64(),
                self.done,
                self.total
            );
            self.say(&line);
        }
        self.finished
    }

    /// A line for each implementation whose cells did not all finish (call at the end).
    pub fn finish(&mut self) {
        let unfinished: Vec<String> = self
            .columns
            .iter()
            .filter(|(_, c)| c.done < c.of)
            .map(|(name, c)| {
                format!(
                    "matrix: {name} stopped: {} of {} cells, {} unexpected",
                    c.done, c.of, c.unexpected
                )
            })
            .collect();
        for line in unfinished {
            self.say(&line);
        }
    }

    fn say(&self, line: &str) {
        if self.on {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }
}

/// One line of counts per implementation of each grid, as a whole or merged matrix ends.
pub fn print_column_summaries(result: &chat_harness::matrix::MatrixResult) {
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
}
