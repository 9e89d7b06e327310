//! The marks of a report cut short by a stop signal (`run` interrupted with Ctrl-C): the line
//! that says how many scenarios did not run, and the same said in the JSON lines, the JUnit
//! file (the scenarios not run as skipped cases) and the HTML page (a banner).

use std::fmt::Write;

use quick_junit::{Property, TestCase, TestCaseStatus};

use super::html::escape;
use super::junit_report;
use crate::scenario::suite::Outcome;

/// Why a report is partial: the signal, and the scenarios that did not run.
#[derive(Debug, Clone)]
pub struct Interrupted {
    /// The signal's name (`SIGINT`, `SIGTERM`, ...).
    pub signal: &'static str,
    /// The ids of the selected scenarios that did not finish.
    pub not_run: Vec<String>,
}

impl Interrupted {
    /// The human line under the summary.
    pub fn line(&self) -> String {
        format!(
            "interrupted: {} scenarios not run ({})\n",
            self.not_run.len(),
            self.signal
        )
    }

    /// The JSON line after the summary.
    pub fn json(&self) -> String {
        format!(
            "{}\n",
            serde_json::json!({
                "type": "interrupted",
                "partial": true,
                "signal": self.signal,
                "not_run": self.not_run,
            })
        )
    }

    /// JUnit XML of what finished, with every scenario not run as a skipped case and the
    /// suite marked `partial`.
    pub fn junit_xml(&self, outcomes: &[Outcome]) -> Result<String, quick_junit::SerializeError> {
        let finished = junit_report(outcomes);
        // The totals of a report are counted as a suite is added: the suite is completed
        // first, then added to a fresh report.
        let mut report = quick_junit::Report::new("chat-harness");
        for (i, mut suite) in finished.test_suites.into_iter().enumerate() {
            if i == 0 {
                // The scenarios not run are told once, in the first suite.
                suite.add_property(Property::new(
                    "partial",
                    format!("interrupted by {}", self.signal),
                ));
                for id in &self.not_run {
                    let (class, name) = id.rsplit_once('/').unwrap_or(("scenarios", id.as_str()));
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(format!("not run: interrupted by {}", self.signal));
                    let mut case = TestCase::new(name.to_owned(), status);
                    case.set_classname(class.to_owned());
                    suite.add_test_case(case);
                }
            }
            report.add_test_suite(suite);
        }
        report.to_string()
    }

    /// `page` (a whole HTML page) with a banner at the top of its body.
    pub fn mark_html(&self, page: &str) -> String {
        let mut banner = String::new();
        let _ = writeln!(
            banner,
            "<p class=\"partial\"><b>Partial report</b>: interrupted by {}; {} scenarios not run.</p>",
            escape(self.signal),
            self.not_run.len()
        );
        match page.find("<body>\n") {
            Some(at) => {
                let at = at + "<body>\n".len();
                format!("{}{banner}{}", &page[..at], &page[at..])
            }
            None => format!("{banner}{page}"),
        }
    }
}
