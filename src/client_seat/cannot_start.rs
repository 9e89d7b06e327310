//! A client program that never got going — the shell could not run it (exit status 126 or
//! 127), or it ended before its first connection — tested nothing of the client: its scenario
//! ends in an `error` (said once for the whole run when the first few agree), not a failure.

use std::time::Duration;

use super::process::{show_exit, Exit, Program};
use super::step_error::StepError;
use crate::record::Verdict;

/// How long a client whose stdin broke may take to be seen ending.
const ENDING: Duration = Duration::from_secs(1);

/// The error of typing into a client that would not take it: a setup error when it ended
/// before ever connecting, otherwise a failure of the step.
pub(super) async fn cannot_type(
    program: &Program,
    never_connected: bool,
    error: std::io::Error,
) -> StepError {
    match program.exit_within(ENDING).await {
        Some(exit) if never_connected => StepError::Error(ended_before_connecting(exit, program)),
        _ => StepError::fail(format!(
            "cannot type into the client: {error} (has it ended?)"
        )),
    }
}

/// The error of a client that ended before connecting, with the last line it wrote to stderr
/// (a shell's "not found", an interpreter's last traceback line).
pub(super) fn ended_before_connecting(exit: Exit, program: &Program) -> String {
    format!(
        "the client ended ({}) before connecting{}",
        show_exit(exit),
        last_words(program)
    )
}

/// `verdict`, made one error when the shell could not run the client program at all (the
/// shell's own statuses: 127 not found, 126 not executable), worded the same whichever step
/// noticed it (in the client seat or an interop scenario), so that a run says it once.
pub(super) fn unless_never_ran(verdict: Verdict, program: &Program) -> Verdict {
    match (verdict, program.exited()) {
        (Verdict::Fail(_) | Verdict::Error(_), Some(exit @ Some(126 | 127))) => {
            Verdict::Error(format!(
                "the client program could not be run ({}){}",
                show_exit(exit),
                last_words(program)
            ))
        }
        (verdict, _) => verdict,
    }
}

/// `: LINE` for the last non-blank line of the program's stderr, or nothing.
fn last_words(program: &Program) -> String {
    let stderr = program.stderr();
    stderr
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| format!(": {}", super::process::shown(line)))
        .unwrap_or_default()
}
