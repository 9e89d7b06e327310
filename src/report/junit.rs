//! JUnit XML through `quick-junit`: one test case per scenario, failures with the step and
//! what arrived, expected failures as skipped, the transcripts and server stderr attached.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::human::failure_details;
use crate::record::Verdict;
use crate::scenario::suite::{Kind, Outcome, Status};

/// The report as JUnit XML.
pub fn junit_xml(outcomes: &[Outcome]) -> Result<String, quick_junit::SerializeError> {
    junit_report(outcomes).to_string()
}

/// The report as a `quick-junit` report: one suite, `scenarios`, a case per outcome.
pub fn junit_report(outcomes: &[Outcome]) -> Report {
    let mut report = Report::new("chat-harness");
    let mut suite = TestSuite::new("scenarios");
    suite.add_property(quick_junit::Property::new(
        "suite-version",
        crate::scenario::embedded::version(),
    ));
    for outcome in outcomes {
        let mut status = match (&outcome.status, &outcome.run.verdict) {
            (Status::Pass, Verdict::Fail(f)) if outcome.kind == Kind::Flaky => {
                // Allowed to be flaky: a success, with the failing attempt told.
                let mut s = TestCaseStatus::success();
                s.set_message(format!(
                    "flaky: failed at line {} ({}), passed on attempt {}",
                    f.line, f.reason, outcome.attempts
                ));
                s
            }
            (Status::Pass | Status::Xpass, _) => TestCaseStatus::success(),
            (Status::Xfail, _) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!(
                    "expected failure: {}",
                    outcome.expected_reason.as_deref().unwrap_or_default()
                ));
                s
            }
            (_, Verdict::Fail(f)) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!(
                    "{}: line {}: {}{}",
                    outcome.kind.name(),
                    f.line,
                    f.reason,
                    crate::statements::suffix(&outcome.scenario.checks)
                ));
                s.set_type(outcome.kind.name());
                s.set_description(failure_details(outcome));
                s
            }
            (_, Verdict::Error(e)) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(format!("error: {e}"));
                s.set_type(Kind::Error.name());
                s
            }
            (_, Verdict::Pass) => TestCaseStatus::success(),
        };
        if outcome.status == Status::Xpass {
            status.set_message("passes although listed as a known failure");
        }
        // Classname = the scenario's folder, name = its file's name: CI history that keys on
        // both keeps one line per scenario.
        let (class, name) = outcome
            .id
            .rsplit_once('/')
            .unwrap_or(("scenarios", outcome.id.as_str()));
        let mut case = TestCase::new(name.to_owned(), status);
        case.set_classname(class.to_owned());
        case.set_time(outcome.duration);
        if let Some(stderr) = &outcome.server_stderr {
            case.set_system_err(stderr.clone());
        }
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report
}
