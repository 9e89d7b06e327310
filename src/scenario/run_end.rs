//! How `chat-harness run` ended, as types: the library returns these and the binary alone
//! turns them into an exit status and error lines. Nothing here prints.

use std::path::PathBuf;

use crate::language::ParseError;

/// How a run that got as far as running scenarios ended.
#[derive(Debug)]
pub enum RunEnd {
    /// Nothing unexpected failed.
    Passed,
    /// A scenario failed unexpectedly; the report says which.
    Failed,
    /// A scenario could not run (an error verdict); the report says which.
    Errors,
    /// A stop signal ended the run early; what finished was reported, marked partial.
    Interrupted {
        /// The signal's number (SIGINT, SIGTERM, SIGHUP).
        signal: i32,
        /// A report file that could not be written on the way out.
        unwritten: Option<RunError>,
    },
}

/// Why a run could not start, or a report file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The paths, the selection, the implementation under test or the first scenarios' shared
    /// error: one sentence for the user.
    #[error("{0}")]
    Setup(String),
    /// Scenario files that do not parse; nothing was run.
    #[error("{} scenario file(s) could not be parsed; nothing was run", .0.len())]
    Unparsed(Vec<ParseError>),
    /// A JUnit or HTML report file that could not be written.
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        /// The file asked for.
        path: PathBuf,
        /// Why it could not be written.
        reason: String,
    },
}
