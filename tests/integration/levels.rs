//! The suite's levels: a server that answers every open question of PROTOCOL.md §6.12 the
//! other reasonable way (the faulty test server's `OtherAnswers`) passes every `core` and
//! `robust` scenario and fails `reference` ones only, each of them.

use std::path::PathBuf;
use std::sync::Arc;

use chat_harness::report;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::{self, Status};
use chat_harness::server_seat::RunSettings;

use crate::faulty::{Fault, FaultyProvider};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_answers_to_the_open_questions_fail_only_reference_scenarios() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (entries, errors) = suite::load(suite::discover(&[dir]).expect("scenarios/ is there"));
    assert!(errors.is_empty(), "{errors:?}");
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| !e.scenario.tests_client())
        .collect();
    let reference: Vec<String> = entries
        .iter()
        .filter(|e| e.scenario.tags.iter().any(|t| t == "reference"))
        .map(|e| e.id.clone())
        .collect();
    assert!(reference.len() >= 9, "{reference:?}");
    let outcomes = suite::run_all(
        entries,
        Arc::new(FaultyProvider(Fault::OtherAnswers)),
        Arc::new(RunSettings::default()),
        Arc::new(KnownFailures::default()),
        12,
        |_| {},
    )
    .await;
    let wrongly_failed: String = outcomes
        .iter()
        .filter(|o| o.status != Status::Pass && !reference.contains(&o.id))
        .map(report::failure_details)
        .collect();
    assert!(
        wrongly_failed.is_empty(),
        "core and robust scenarios must accept the other answers:\n{wrongly_failed}"
    );
    let passed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == Status::Pass && reference.contains(&o.id))
        .map(|o| o.id.as_str())
        .collect();
    assert!(
        passed.is_empty(),
        "each reference scenario pins an answer this server gives the other way: {passed:?}"
    );
}
