//! `matrix` progress where no progress bar can be drawn (stderr not a terminal: CI logs): one
//! line per finished implementation. Implementations run one after another, so one is
//! finished when a cell of the next one finishes, or when the matrix is over. Also the
//! counts per implementation that a whole or merged matrix prints at its end.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// The implementation whose cells are finishing, and what it has so far.
struct Current {
    name: String,
    cells: usize,
    unexpected: usize,
    started: Instant,
}

/// The progress lines of a matrix run (silent on a terminal, where the bar shows).
pub struct Lines {
    on: bool,
    current: Option<Current>,
    done: usize,
    total: usize,
}

impl Lines {
    /// Lines on stderr only when it is not a terminal.
    pub fn new() -> Self {
        Self {
            on: !std::io::stderr().is_terminal(),
            current: None,
            done: 0,
            total: 0,
        }
    }

    /// One cell of `implementation` finished (`unexpected`: failed or erred unexpectedly).
    pub fn cell(&mut self, total: usize, implementation: &str, unexpected: bool) {
        self.total = total;
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.name != implementation)
        {
            self.finish();
        }
        let current = self.current.get_or_insert_with(|| Current {
            name: implementation.to_owned(),
            cells: 0,
            unexpected: 0,
            started: Instant::now(),
        });
        current.cells += 1;
        current.unexpected += usize::from(unexpected);
        self.done += 1;
    }

    /// The line of the implementation in progress, if any (call at the end of the matrix).
    pub fn finish(&mut self) {
        let Some(c) = self.current.take() else {
            return;
        };
        if !self.on {
            return;
        }
        let _ = writeln!(
            std::io::stderr(),
            "matrix: {} finished: {} cells, {} unexpected, {:.1} s ({} of {} cells done)",
            c.name,
            c.cells,
            c.unexpected,
            c.started.elapsed().as_secs_f64(),
            self.done,
            self.total
        );
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
