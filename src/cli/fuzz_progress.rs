//! The progress line both fuzzers (`fuzz` of a server, `fuzz --client`) draw while they run:
//! sessions and findings so far, the failure being shrunk, and a line per saved finding (and
//! per failure dropped as not reproducible).

use std::fmt::Display;
use std::path::Path;
use std::time::Duration;

use indicatif::ProgressBar;

/// A fuzz run's progress bar and what its findings count in (`steps`, `statements`).
pub struct FuzzProgress {
    bar: ProgressBar,
    unit: &'static str,
}

/// A saved finding, as the progress line tells it.
pub struct Found<'a, O: Display> {
    /// The oracle that failed.
    pub oracle: &'a O,
    /// When, from the start of the run.
    pub after: Duration,
    /// Its size before and after shrinking, in the progress's unit.
    pub size: (usize, usize),
    /// How often the shrunk session failed the same way on re-runs, out of how many.
    pub reproduced: (usize, usize),
    /// The reproducer.
    pub path: &'a Path,
}

impl FuzzProgress {
    /// Progress on `bar`, a finding's size counted in `unit`.
    pub fn new(bar: ProgressBar, unit: &'static str) -> Self {
        Self { bar, unit }
    }

    /// A session finished.
    pub fn session(&self, sessions: u64, findings: usize) {
        self.bar.set_position(sessions);
        self.bar.set_message(format!("{findings} findings"));
    }

    /// A failure of `oracle` is being shrunk.
    pub fn shrinking(&self, oracle: &impl Display) {
        self.bar
            .set_message(format!("shrinking a `{oracle}` failure…"));
    }

    /// A finding was saved.
    pub fn saved<O: Display>(&self, found: Found<'_, O>) {
        self.bar.println(format!(
            "found: {} after {:.1}s, {} → {} {}, same failure {}/{} re-runs: {}",
            found.oracle,
            found.after.as_secs_f64(),
            found.size.0,
            found.size.1,
            self.unit,
            found.reproduced.0,
            found.reproduced.1,
            found.path.display()
        ));
    }

    /// A failure of `oracle` did not reproduce in a majority of its re-runs and was dropped.
    pub fn dropped(&self, oracle: &impl Display, reproduced: (usize, usize)) {
        self.bar.println(format!(
            "not reproducible, dropped: {oracle}, same failure at most {}/{} re-runs",
            reproduced.0, reproduced.1
        ));
    }

    /// Clears the bar at the end of the run.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
