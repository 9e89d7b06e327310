//! The conformance suite against real servers: the built-in reference server passes every
//! scenario in both modes, and a Python server in the original's style passes the happy-path
//! `core` scenarios while failing framing and hostile ones with readable reasons.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::support::python;
use chat_harness::record::Verdict;
use chat_harness::report;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::{self, Entry, Outcome, Status};
use chat_harness::server::Mode;
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

fn entries(tags: &[&str]) -> Vec<Entry> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (entries, errors) = suite::load(suite::discover(&[dir]).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    // Client scenarios (`tests: client`) have a suite of their own: tests/integration/client_suite.rs.
    let servers = entries
        .into_iter()
        .filter(|e| !e.scenario.tests_client())
        .collect();
    suite::select(servers, None, &tags)
}

async fn run(
    provider: Arc<dyn Provider>,
    entries: Vec<Entry>,
    settings: RunSettings,
) -> Vec<Outcome> {
    let known_failures = Arc::new(KnownFailures::default());
    suite::run_all(
        entries,
        provider,
        Arc::new(settings),
        known_failures,
        4,
        |_| {},
    )
    .await
}

fn failures(outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .filter(|o| o.status != Status::Pass)
        .map(report::failure_details)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_passes_every_scenario_in_both_modes() {
    for mode in Mode::ALL {
        let outcomes = run(
            Arc::new(Target::builtin(mode)),
            entries(&[]),
            RunSettings::default(),
        )
        .await;
        assert!(outcomes.len() >= 50);
        let failed = failures(&outcomes);
        assert!(failed.is_empty(), "{mode} mode:\n{failed}");
        let warnings: usize = outcomes.iter().map(|o| o.run.warnings.len()).sum();
        assert_eq!(
            warnings, 0,
            "the reference server uses the original's wording"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_in_the_original_style_passes_core_and_fails_framing_readably() {
    if !python() {
        eprintln!("python3 is not installed: skipping the original-style server");
        return;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/original_server.py");
    let command = format!("python3 {} {{port}}", script.display());
    let target: Arc<dyn Provider> =
        Arc::new(Target::spawn(&command, Duration::from_secs(10), None).unwrap());
    // The failing runs wait for their timeouts: keep them short.
    let settings = RunSettings {
        default_timeout: Duration::from_millis(700),
        ..RunSettings::default()
    };

    // The core run gets long timeouts: a loaded machine must not fail it (a passing step
    // waits only until its frame arrives, so they cost nothing here).
    let patient = RunSettings {
        default_timeout: Duration::from_secs(10),
        ..RunSettings::default()
    };
    let core = run(target.clone(), entries(&["core"]), patient).await;
    assert!(core.len() >= 20);
    let failed = failures(&core);
    assert!(
        failed.is_empty(),
        "core scenarios must pass on the original's design:\n{failed}"
    );

    let mut hostile = entries(&["robust"]);
    hostile.retain(|e| {
        ["framing/two-frames-one-write", "hostile/unknown-type"].contains(&e.id.as_str())
    });
    let outcomes = run(target, hostile, settings).await;
    assert_eq!(outcomes.len(), 2);
    for outcome in &outcomes {
        let Verdict::Fail(failure) = &outcome.run.verdict else {
            panic!("{} should fail on the original's design", outcome.id);
        };
        let details = report::failure_details(outcome);
        assert!(
            details.contains(&format!(":{}: ", failure.line)),
            "{details}"
        );
        assert!(
            failure.reason.contains("nothing arrived within"),
            "{details}"
        );
    }
    let unknown = outcomes
        .iter()
        .find(|o| o.id == "hostile/unknown-type")
        .unwrap();
    let stderr = unknown.server_stderr.as_deref().unwrap_or_default();
    assert!(
        stderr.contains("unknown frame type 9"),
        "the server's traceback is kept: {stderr:?}"
    );
    assert!(report::failure_details(unknown).contains("server stderr"));
}

#[test]
fn every_scenario_has_a_description_and_one_level_tag() {
    let all = entries(&[]);
    assert!(all.len() >= 50, "{} scenarios", all.len());
    for folder in [
        "auth",
        "text",
        "rename",
        "file",
        "exit",
        "framing",
        "hostile",
        "backpressure",
        "load",
    ] {
        assert!(
            all.iter().any(|e| e.id.starts_with(&format!("{folder}/"))),
            "no scenario in {folder}/"
        );
    }
    for entry in &all {
        let s = &entry.scenario;
        let description = s.description.as_deref().unwrap_or_default();
        assert!(
            !description.is_empty() && !description.contains('\n'),
            "{}: description",
            entry.id
        );
        let levels = ["core", "robust", "reference", "wording"]
            .iter()
            .filter(|t| s.tags.iter().any(|x| x == *t))
            .count();
        assert_eq!(
            levels, 1,
            "{}: exactly one of core/robust/reference/wording",
            entry.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_on_the_original_style_server_matches_its_expect_file() {
    if !python() {
        eprintln!("python3 is not installed: skipping the original-style server");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let command = format!(
        "python3 {} {{port}}",
        root.join("tests/python/original_server.py").display()
    );
    let target: Arc<dyn Provider> =
        Arc::new(Target::spawn(&command, Duration::from_secs(10), None).unwrap());
    let known_failures =
        KnownFailures::load(&root.join("tests/python/original_server.expect")).unwrap();
    // What is compared is the expect file, not the machine's speed: a scenario that fails
    // unexpectedly (a step that timed out on a loaded machine) runs again, and passing then
    // is enough. Known failures are not retried.
    let outcomes = suite::run_all_guarded(
        entries(&[]),
        target,
        Arc::new(RunSettings::default()),
        Arc::new(known_failures),
        4,
        suite::Retries {
            count: 2,
            allow_flaky: true,
        },
        false,
        |_| {},
    )
    .await
    .0;
    let summary = suite::Summary::of(&outcomes);
    let unexpected: String = outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Fail | Status::Error))
        .map(report::failure_details)
        .collect();
    assert_eq!(summary.exit_code(), 0, "{summary:?}\n{unexpected}");
    assert!(summary.expected_failures > 30, "{summary:?}");
}
