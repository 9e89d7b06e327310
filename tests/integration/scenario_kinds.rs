//! Outcome kinds and retries: a test server made to produce each kind
//! (`tests/python/kinds_server.py`), shown in the human, JSON and JUnit reports (snapshots);
//! `--retries` turning a first-start failure into `flaky` and leaving a steady one `fail`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chat_harness::report::Style;
use chat_harness::scenario::command::{Format, RunConfig};

use crate::support::execute;
use crate::support::python;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::Retries;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

fn config(state: &Path, paths: &[&str], format: Format, retries: Retries) -> RunConfig {
    let command = format!(
        "python3 tests/python/kinds_server.py {{port}} {}",
        state.display()
    );
    let target = Target::spawn(&command, Duration::from_secs(10), None).unwrap();
    RunConfig {
        paths: paths.iter().map(PathBuf::from).collect(),
        target_description: target.describe(),
        provider: Arc::new(target),
        jobs: 2,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::default(),
        settings: RunSettings {
            default_timeout: Duration::from_millis(500),
            strict: true,
            ..RunSettings::default()
        },
        format,
        junit: None,
        style: Style { timings: false },
        retries,
    }
}

async fn run(config: RunConfig) -> (u8, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(config, &mut out, &mut err).await;
    let text = String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap();
    (code, text)
}

/// A report's snapshot, with the run's state directory (`state`, a regex) and the times,
/// sizes and races that differ between runs filtered.
fn snapshot(name: &str, state: &str, text: &str) {
    crate::support::snapshot(
        name,
        text,
        &[
            (state, "[STATE]"),
            (r#"time="[0-9.]+""#, r#"time="[T]""#),
            (r#"timestamp="[^"]*""#, r#"timestamp="[T]""#),
            (r"\(\d+(\.\d)? (kB|bytes)\)", "([SIZE])"),
            // Whether a crashing server still accepts when the runner checks races with its
            // exit.
            (
                r#""still_accepting":(true|false)"#,
                r#""still_accepting":[RACE]"#,
            ),
        ],
    );
}

const KINDS: &str = "tests/fixtures/kinds";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_outcome_kind_shows_in_the_human_json_and_junit_reports() {
    if !python() {
        eprintln!("python3 is not installed: skipping the kinds server");
        return;
    }
    let retry_once = Retries {
        count: 1,
        allow_flaky: false,
    };
    for format in [Format::Human, Format::Json] {
        let state = tempfile::tempdir().unwrap();
        let state_re = regex::escape(&state.path().display().to_string());
        let state_text = state_re.as_str();
        let mut cfg = config(state.path(), &[KINDS], format, retry_once);
        let junit = state.path().join("report.xml");
        cfg.junit = Some(junit.clone());
        let (code, text) = run(cfg).await;
        assert_eq!(code, 2, "a scenario that could not run exits 2\n{text}");
        for kind in [
            "pass", "fail", "wording", "timeout", "closed", "crash", "error", "flaky",
        ] {
            assert!(text.contains(kind), "{kind} missing:\n{text}");
        }
        let xml = std::fs::read_to_string(&junit).unwrap();
        match format {
            Format::Human => {
                let settled = crate::support::settle_timeline(&text);
                snapshot("kinds_human", state_text, &settled);
                let xml = crate::support::settle_timeline(&xml);
                snapshot("kinds_junit", state_text, &xml);
            }
            Format::Json => snapshot("kinds_json", state_text, &text),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_failing_on_the_first_start_only_is_flaky_and_fails_the_run_unless_allowed() {
    if !python() {
        return;
    }
    for (allow_flaky, expected_code) in [(false, 1), (true, 0)] {
        let state = tempfile::tempdir().unwrap();
        let retries = Retries {
            count: 2,
            allow_flaky,
        };
        let flaky = format!("{KINDS}/flaky.chat");
        let (code, text) = run(config(state.path(), &[&flaky], Format::Json, retries)).await;
        assert_eq!(code, expected_code, "allow_flaky {allow_flaky}\n{text}");
        let scenario: serde_json::Value =
            serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(scenario["kind"], "flaky", "{text}");
        assert_eq!(scenario["attempts"], 2, "{text}");
        // The failing attempt is what the report explains.
        assert_eq!(scenario["failure"]["kind"], "timeout", "{text}");
        assert_eq!(scenario["failure"]["line"], 6, "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_that_always_fails_stays_a_failure_after_its_retries() {
    if !python() {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let retries = Retries {
        count: 2,
        allow_flaky: true,
    };
    let fail = format!("{KINDS}/fail.chat");
    let (code, text) = run(config(state.path(), &[&fail], Format::Human, retries)).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("FAIL    kinds/fail"), "{text}");
    assert!(
        text.contains("attempts: failed all 3; the first:"),
        "{text}"
    );
    assert!(text.contains("1 fail,"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failures_replay_line_reruns_just_that_scenario_against_the_same_server() {
    if !python() {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let (code, text) = run(config(
        state.path(),
        &[KINDS],
        Format::Json,
        Retries::default(),
    ))
    .await;
    assert_eq!(code, 2, "{text}");
    let fail: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["id"] == "kinds/fail")
        .expect("kinds/fail ran");
    let line = fail["replay"].as_str().expect("a replay line");
    let command = line
        .strip_prefix("chat-harness ")
        .expect("the binary first");
    let replay = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} {command} --format json",
            chat_harness::scenario::replay::shell_quote(env!("CARGO_BIN_EXE_chat-harness"))
        ))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(replay.status.code(), Some(1), "{line}\n{out}");
    let scenarios: Vec<serde_json::Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "scenario")
        .collect();
    assert_eq!(scenarios.len(), 1, "{out}");
    assert_eq!(scenarios[0]["id"], "kinds/fail");
    assert_eq!(scenarios[0]["failure"]["line"], 6);
}
