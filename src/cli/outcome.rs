//! How a subcommand ended. Every subcommand returns `anyhow::Result<Outcome>`: the `Err` is a
//! usage or setup error (exit status 2), the `Ok` says how a run that happened went. Only
//! `main.rs` turns it into an exit status and an error line.

/// How a subcommand that ran ended.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing failed (exit status 0).
    Passed,
    /// A check failed; the report on stdout says which (exit status 1).
    Failed,
    /// The connection was lost; the error says how (exit status 1).
    Lost(anyhow::Error),
    /// The run ended with errors (a scenario that could not run, a report that could not be
    /// written), already reported (exit status 2).
    Errors,
    /// Scenario files that do not parse, one message each, and the sentence that sums them
    /// up; nothing was run (exit status 2).
    Unparsed {
        /// Each file's parse error.
        errors: Vec<String>,
        /// How many, and that nothing ran.
        summary: String,
    },
    /// A stop signal ended the run early; what finished was reported, marked partial (exit
    /// status 128 + the signal: 130 for SIGINT, 143 for SIGTERM).
    Interrupted {
        /// The signal's number.
        signal: i32,
        /// A report file that could not be written on the way out.
        error: Option<anyhow::Error>,
    },
}

impl Outcome {
    /// Passed when `passed`, failed otherwise.
    pub fn passed_if(passed: bool) -> Self {
        if passed {
            Outcome::Passed
        } else {
            Outcome::Failed
        }
    }
}
