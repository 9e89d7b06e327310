//! Sequence diagrams: one scenario run drawn as an SVG message sequence chart — a lane per
//! party (the server, then each client), an arrow per frame (file bodies as one arrow with
//! their size, the frames of one write bracketed together), gaps for pauses, marks for a
//! connection's close or reset, and the failing step highlighted with expected against got.
//! It reads the record (the run's timeline and failure) only. Every text goes through maud,
//! which escapes it: no server, client or scenario byte reaches the SVG unescaped.

mod layout;
mod render;

pub use layout::{layout, Direction, FailingStep, Layout, Row};

use super::Style;
use crate::record::{FinishedRun, Verdict};

/// What a diagram shows besides the timeline: its title and the failure, if any.
#[derive(Debug, Clone, Default)]
pub struct Caption<'a> {
    /// The scenario's id (the diagram's title).
    pub title: &'a str,
    /// The failing step, as written, with its line (`None` for a pass or an error).
    pub step: Option<(usize, &'a str)>,
    /// The statement of docs/PROTOCOL.md the failure is about, where one is known (issue 27
    /// fills it in; drawn under the step when present).
    pub statement: Option<&'a str>,
    /// "expected 0x03 chat, got 0x03 chat", or the error of a run that could not go on.
    pub expected_got: Option<String>,
    /// Why it failed, in words.
    pub reason: Option<&'a str>,
}

/// The SVG of `run`, titled `title`: a standalone document (for `run --diagram`) that can
/// also be inlined in an HTML page as it is. Without `style.timings` no time is drawn (the
/// diagrams in docs/ stay the same from one run to the next).
pub fn svg(title: &str, run: &FinishedRun, style: Style) -> String {
    let (failing, caption) = match &run.verdict {
        Verdict::Fail(f) => (
            Some(FailingStep {
                client: f.client.as_deref(),
                actual: f.actual.as_deref(),
                at: run.failed_at,
            }),
            Caption {
                title,
                step: Some((f.line, f.step.as_str())),
                statement: None,
                expected_got: f.deviation.map(|d| d.describe()),
                reason: Some(f.reason.as_str()),
            },
        ),
        Verdict::Error(e) => (
            None,
            Caption {
                title,
                reason: Some(e.as_str()),
                ..Caption::default()
            },
        ),
        Verdict::Pass => (
            None,
            Caption {
                title,
                ..Caption::default()
            },
        ),
    };
    let failing_client = failing.and_then(|f| f.client);
    let layout = layout(&run.timeline, failing);
    render::svg(
        &layout,
        &run.timeline,
        &caption,
        failing_client,
        style.timings,
    )
}
