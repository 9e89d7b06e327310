//! The runner's reports and exit codes over a failing run (insta snapshots pin the human and
//! JSON reports), strictness, JUnit output, and connection errors.

use std::path::PathBuf;
use std::sync::Arc;

use chat_harness::report::Style;
use chat_harness::scenario::command::{Format, RunConfig};

use crate::support::{execute, settle_timeline, snapshot, time_filters};
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

use crate::faulty::{Fault, FaultyProvider};

fn config(provider: Arc<dyn Provider>, format: Format, strict: bool) -> RunConfig {
    RunConfig {
        paths: vec![PathBuf::from("tests/fixtures/report")],
        provider,
        target_description: "the faulty test server (duplicate names allowed)".into(),
        jobs: 4,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::parse("d-known: this server never renames anyone\n")
            .unwrap(),
        settings: RunSettings {
            default_timeout: std::time::Duration::from_millis(500),
            strict,
            ..RunSettings::default()
        },
        format,
        junit: None,
        style: Style { timings: false },
        retries: Default::default(),
    }
}

async fn report(format: Format, strict: bool) -> (u8, String, String) {
    let provider = Arc::new(FaultyProvider(Fault::DuplicateNames));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(config(provider, format, strict), &mut out, &mut err).await;
    let text = String::from_utf8(out).unwrap();
    (code, text, String::from_utf8(err).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_report_of_a_failing_run() {
    let (code, text, err) = report(Format::Human, false).await;
    assert_eq!(code, 1, "an unexpected failure exits 1\n{text}{err}");
    assert!(
        text.contains("tests/fixtures/report/b-fails.chat:10: bob< reply"),
        "{text}"
    );
    snapshot("human_report", &settle_timeline(&text), &time_filters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report_of_a_failing_run() {
    let (code, text, _) = report(Format::Json, false).await;
    assert_eq!(code, 1);
    for line in text.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).expect("one JSON object per line");
        assert!(value["type"].is_string());
    }
    snapshot("json_report", &text, &time_filters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_turns_wording_warnings_into_failures() {
    let (_, text, _) = report(Format::Human, true).await;
    assert!(text.contains("WORDING report/c-wording"), "{text}");
    let (_, text, _) = report(Format::Human, false).await;
    assert!(
        text.contains("ok      report/c-wording [wording]  (1 wording warning)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_xml_lists_every_scenario_with_its_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    let mut cfg = config(
        Arc::new(FaultyProvider(Fault::DuplicateNames)),
        Format::Human,
        false,
    );
    cfg.junit = Some(path.clone());
    let code = execute(cfg, &mut Vec::new(), &mut Vec::new()).await;
    assert_eq!(code, 1);
    let xml = std::fs::read_to_string(path).unwrap();
    assert!(
        xml.contains(
            r#"<testsuites name="chat-harness" tests="4" skipped="1" failures="1" errors="0">"#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="b-fails" classname="report""#)
            && xml.contains("fail: line 10: expected a 0x03 reply"),
        "{xml}"
    );
    assert!(
        xml.contains("expected failure: this server never renames anyone"),
        "{xml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_exits_2_and_parse_errors_too() {
    let (_bound, addr) = crate::support::refusing_address();
    let target = Target::address(&addr.to_string()).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(
        config(Arc::new(target), Format::Human, false),
        &mut out,
        &mut err,
    )
    .await;
    let (text, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(code, 2, "{text}");
    // One line, before any scenario: not one error per scenario.
    assert!(text.is_empty(), "{text}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot reach the server at"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.chat"),
        "connect a\na> shout \"hi\"\n",
    )
    .unwrap();
    let mut cfg = config(Arc::new(FaultyProvider(Fault::Clean)), Format::Human, false);
    cfg.paths = vec![dir.path().to_owned()];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(execute(cfg, &mut out, &mut err).await, 2);
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("broken.chat:2:4: cannot send `shout`"),
        "{err}"
    );
}

/// Runs `tests/fixtures/shared` against a server that broadcasts to connections that have not
/// authenticated: two scenarios share one first deviation, and one skips frames, then times out.
async fn shared_report(format: Format) -> (u8, String) {
    let mut cfg = config(
        Arc::new(FaultyProvider(Fault::BroadcastToUnauthenticated)),
        format,
        false,
    );
    cfg.paths = vec![PathBuf::from("tests/fixtures/shared")];
    cfg.known_failures = KnownFailures::default();
    cfg.target_description = "the faulty test server (broadcasts before auth)".into();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(cfg, &mut out, &mut err).await;
    let text = String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap();
    (code, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_report_groups_a_shared_first_deviation_and_names_skipped_frames() {
    let (code, text) = shared_report(Format::Human).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "2 scenarios fail at their first deviation the same way: expected 0x00 auth-ok, got 0x03 notice"
        ),
        "{text}"
    );
    assert!(
        text.contains("received: nothing matching; skipped 4 frames, ")
            && text.contains("the connection was never closed"),
        "{text}"
    );
    assert!(!text.contains("received: nothing\n"), "{text}");
    snapshot("shared_human", &settle_timeline(&text), &time_filters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_summary_lists_shared_first_deviations_and_failures_their_skips() {
    let (code, text) = shared_report(Format::Json).await;
    assert_eq!(code, 1, "{text}");
    let values: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let summary = values.last().unwrap();
    let shared = summary["shared_first_deviations"].as_array().unwrap();
    assert_eq!(shared.len(), 1, "{text}");
    assert_eq!(shared[0]["count"], 2);
    assert_eq!(shared[0]["kind"], "fail");
    assert_eq!(shared[0]["expected"], "auth-ok");
    assert_eq!(shared[0]["received"], "notice");
    let skips = values
        .iter()
        .find(|v| v["id"] == "shared/c-skips")
        .expect("the skipping scenario");
    assert_eq!(skips["failure"]["kind"], "timeout");
    assert_eq!(skips["failure"]["skipped"]["frames"], 4);
    assert_eq!(skips["failure"]["skipped"]["closed"], false);
    snapshot("shared_json", &text, &time_filters());
}
