//! Renders outcomes: a human report (a line per scenario, then each failure in detail, then a
//! summary), JSON lines with stable field names, and JUnit XML.

pub mod diagram;
pub mod html;
mod human;
mod json;
mod junit;
pub mod partial;

pub use human::{
    by_tag, evidence_rows, failure_details, failure_report, header, hint_line, scenario_line,
    shared_causes, summary_line,
};
pub use json::{scenario_json, summary_json};
pub use junit::{junit_report, junit_xml};

/// Rendering options.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Show durations (off for reproducible output, e.g. snapshots).
    pub timings: bool,
}
