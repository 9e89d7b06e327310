//! `run --transport slice=1`: the core scenarios pass on the built-in server with every
//! write cut into single bytes, and fail on the original-style stand-in, which reads one
//! frame per `recv`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chat_harness::proxy::Perturb;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::{self, Entry, Outcome, Status};
use chat_harness::server::Mode;
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

fn core_entries() -> Vec<Entry> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (entries, errors) = suite::load(suite::discover(&[dir]).expect("scenarios/"));
    assert!(errors.is_empty(), "{errors:?}");
    let servers = entries
        .into_iter()
        .filter(|e| !e.scenario.tests_client())
        .collect();
    suite::select(servers, None, &["core".to_owned()])
}

async fn sliced(provider: Arc<dyn Provider>, entries: Vec<Entry>) -> Vec<Outcome> {
    let settings = RunSettings {
        transport: Some(Perturb {
            slice: Some(1),
            ..Perturb::default()
        }),
        ..RunSettings::default()
    };
    let known = Arc::new(KnownFailures::default());
    suite::run_all(entries, provider, Arc::new(settings), known, 4, |_| {}).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_passes_byte_by_byte_on_the_built_in_server_and_fails_on_the_stand_in() {
    let entries = core_entries();
    assert!(entries.len() >= 20, "{}", entries.len());
    let outcomes = sliced(Arc::new(Target::builtin(Mode::Polling)), entries.clone()).await;
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status != Status::Pass)
        .map(|o| o.id.clone())
        .collect();
    assert!(failed.is_empty(), "built-in server, slice=1: {failed:?}");

    let python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !python {
        eprintln!("python3 is not installed: skipping the original-style server");
        return;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/original_server.py");
    let command = format!("python3 {} {{port}}", script.display());
    let target: Arc<dyn Provider> =
        Arc::new(Target::spawn(&command, Duration::from_secs(10), None).expect("spawn target"));
    // Without the transport the stand-in passes core (tests/integration/scenario_suite.rs).
    let some: Vec<Entry> = entries
        .into_iter()
        .filter(|e| ["auth/accepted", "text/relay-to-others"].contains(&e.id.as_str()))
        .collect();
    assert_eq!(some.len(), 2);
    let outcomes = sliced(target, some).await;
    for outcome in &outcomes {
        assert_ne!(
            outcome.status,
            Status::Pass,
            "{} must fail on a server that reads one frame per recv",
            outcome.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_of_two_items_parses_and_runs_a_scenario() {
    let transport = chat_harness::proxy::transport::parse("slice=1,delay=20ms").expect("parses");
    assert_eq!(transport.slice, Some(1));
    assert_eq!(transport.delay, Some(Duration::from_millis(20)));
    let one: Vec<Entry> = core_entries()
        .into_iter()
        .filter(|e| e.id == "auth/accepted")
        .collect();
    assert_eq!(one.len(), 1);
    let settings = RunSettings {
        transport: Some(transport),
        ..RunSettings::default()
    };
    let provider: Arc<dyn Provider> = Arc::new(Target::builtin(Mode::Polling));
    let known = Arc::new(KnownFailures::default());
    let outcomes = suite::run_all(one, provider, Arc::new(settings), known, 1, |_| {}).await;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].status, Status::Pass, "{:?}", outcomes[0]);
}
