//! Hints that point at the right cause, each against a test server with exactly that fault: a
//! join announced to a socket that has not authenticated yet gets the "joins announced to
//! every socket" hint (not the newcomer race, although the failing step waited for an
//! auth-ok), and invalid UTF-8 relayed as U+FFFD gets the invalid-UTF-8 pitfall's hint.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::support::execute;
use chat_harness::report::Style;
use chat_harness::scenario::command::{Format, RunConfig};
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::server_seat::RunSettings;

use crate::faulty::{Fault, FaultyProvider};

pub(crate) async fn human_report(fault: Fault, path: PathBuf) -> String {
    let config = RunConfig {
        paths: vec![path],
        provider: Arc::new(FaultyProvider(fault)),
        target_description: format!("the faulty test server ({fault:?})"),
        jobs: 1,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::default(),
        settings: RunSettings {
            default_timeout: Duration::from_millis(500),
            ..RunSettings::default()
        },
        format: Format::Human,
        junit: None,
        style: Style { timings: false },
        retries: Default::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(config, &mut out, &mut err).await;
    let text = String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err);
    assert_eq!(code, 1, "the fault fails the scenario\n{text}");
    text
}

pub(crate) fn hints(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("hint:"))
        .map(str::trim)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_told_to_an_unauthenticated_socket_is_not_the_newcomer_race() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("late-auth.chat");
    std::fs::write(
        &path,
        "description: carol connects, alice joins, then carol logs in.\n\
         connect carol\n\
         connect alice\n\
         alice> auth alice 0\n\
         alice< auth-ok\n\
         settle\n\
         carol> auth carol 0\n\
         carol< auth-ok\n",
    )
    .unwrap();
    let report = human_report(Fault::BroadcastToUnauthenticated, path.clone()).await;
    assert_eq!(
        hints(&report),
        ["a connection that is not authenticated got a notice — see PROTOCOL.md \"Pitfalls\", 13"],
        "{report}"
    );
    // The same scenario on a clean server passes: the fault alone makes the hint.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let clean = RunConfig {
        paths: vec![path],
        provider: Arc::new(FaultyProvider(Fault::Clean)),
        target_description: "clean".into(),
        jobs: 1,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::default(),
        settings: RunSettings::default(),
        format: Format::Human,
        junit: None,
        style: Style { timings: false },
        retries: Default::default(),
    };
    assert_eq!(execute(clean, &mut out, &mut err).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_relayed_as_replacement_characters_gets_the_utf8_hint() {
    let report = human_report(
        Fault::RelaysInvalidUtf8,
        PathBuf::from("scenarios/hostile/invalid-utf8.chat"),
    )
    .await;
    let hints = hints(&report);
    assert_eq!(hints.len(), 1, "{report}");
    assert!(
        hints[0].ends_with("see PROTOCOL.md \"Pitfalls\", 9") && hints[0].contains("U+FFFD"),
        "{report}"
    );
}
