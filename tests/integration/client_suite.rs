//! The client suite (`scenarios/client/`, `tests: client`): the reference client passes it;
//! a client in the lab's style passes the core scenarios and fails the robust ones as its
//! expectations file says; every fault of a faulty test client is caught at the step named
//! for it, and its clean variant passes; reports interleave typed lines, output and frames.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chat_harness::client_seat::ClientTarget;
use chat_harness::record::Verdict;
use chat_harness::report::{self, Style};
use chat_harness::scenario::command::{Format, RunConfig};

use crate::support::execute;
use crate::support::python;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::{self, Entry, Outcome, Status, Summary};
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn entries(tags: &[&str]) -> Vec<Entry> {
    let (entries, errors) =
        suite::load(suite::discover(&[root().join("scenarios/client")]).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    suite::select(entries, None, &tags)
}

fn reference_client() -> Arc<dyn Provider> {
    Arc::new(ClientTarget::builtin(
        Path::new(env!("CARGO_BIN_EXE_chat-harness")),
        None,
    ))
}

fn python_client(script: &str, args: &str) -> Arc<dyn Provider> {
    let script = root().join("tests/python").join(script);
    let command = format!("python3 {} {args}{{host}} {{port}}", script.display());
    Arc::new(ClientTarget::command(&command, None).unwrap())
}

async fn run(
    provider: Arc<dyn Provider>,
    entries: Vec<Entry>,
    cap: Option<Duration>,
    known_failures: KnownFailures,
) -> Vec<Outcome> {
    // Runs meant to pass get room for python clients on a loaded machine (they wait for
    // nothing: a step ends when its frame arrives); runs meant to fail are capped instead.
    let settings = RunSettings {
        default_timeout: Duration::from_secs(10),
        timeout_cap: cap,
        ..RunSettings::default()
    };
    suite::run_all(
        entries,
        provider,
        Arc::new(settings),
        Arc::new(known_failures),
        4,
        |_| {},
    )
    .await
}

fn failures(outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .filter(|o| !matches!(o.status, Status::Pass | Status::Xfail))
        .map(report::failure_details)
        .collect()
}

#[test]
fn the_client_suite_has_25_described_scenarios_tagged_core_or_robust() {
    let all = entries(&[]);
    assert!(all.len() >= 25, "{} client scenarios", all.len());
    for entry in &all {
        let s = &entry.scenario;
        assert!(s.tests_client(), "{} lacks `tests: client`", entry.id);
        assert!(s.description.is_some(), "{} has no description", entry.id);
        let levels = ["core", "robust"]
            .iter()
            .filter(|t| s.tags.iter().any(|x| x == *t))
            .count();
        assert_eq!(levels, 1, "{} needs exactly one of core/robust", entry.id);
    }
    assert!(entries(&["core"]).len() >= 12);
    assert!(entries(&["robust"]).len() >= 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_client_passes_every_client_scenario() {
    let outcomes = run(
        reference_client(),
        entries(&[]),
        None,
        KnownFailures::default(),
    )
    .await;
    assert!(outcomes.len() >= 25);
    let failed = failures(&outcomes);
    assert!(failed.is_empty(), "{failed}");
    assert!(outcomes.iter().all(|o| o.status == Status::Pass));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_in_the_lab_style_passes_core_and_fails_robust_as_expected() {
    if !python() {
        eprintln!("python3 is not installed: skipping the lab-style client");
        return;
    }
    let client = python_client("original_client.py", "");
    let core = run(
        client.clone(),
        entries(&["core"]),
        None,
        KnownFailures::default(),
    )
    .await;
    let failed = failures(&core);
    assert!(
        failed.is_empty(),
        "core must pass in the lab's style:\n{failed}"
    );

    let expect = KnownFailures::load(&root().join("tests/python/original_client.expect")).unwrap();
    // Known failures wait out their step: 3 s keeps that short and leaves a python client
    // room to start on a loaded machine.
    let robust = run(
        client,
        entries(&["robust"]),
        Some(Duration::from_secs(3)),
        expect,
    )
    .await;
    let failed = failures(&robust);
    assert!(
        failed.is_empty(),
        "the .expect file is out of date:\n{failed}"
    );
    let summary = Summary::of(&robust);
    assert_eq!(summary.exit_code(), 0);
    assert!(summary.expected_failures >= 8, "{summary:?}");
    for outcome in robust.iter().filter(|o| o.status == Status::Xfail) {
        let Verdict::Fail(f) = &outcome.run.verdict else {
            panic!("{} is an expected failure without a failure", outcome.id);
        };
        assert!(!f.reason.is_empty() && f.line > 0, "{}", outcome.id);
    }
}

/// Each fault of tests/python/faulty_client.py, and where the suite catches it.
const CAUGHT: &[(&str, &str, usize)] = &[
    ("little-endian", "auth-name-and-offset", 8),
    ("no-offset", "auth-name-and-offset", 8),
    ("size-off-by-one", "send-file", 10),
    ("body-before-header", "send-file", 10),
    ("text-as-file-type", "send-text", 10),
    ("drop-coalesced", "two-frames-one-segment", 11),
    ("unsafe-save", "receive-file-hostile-name", 14),
    ("hang-on-close", "server-closes", 11),
    ("no-exit-frame", "exit-frame-then-end", 10),
    ("rename-as-text", "rename-sends-command", 10),
    ("cut-typed-1024", "send-long-text", 10),
    ("rename-bare-name", "rename-sends-command", 10),
    ("overwrite", "receive-file-kept-apart", 17),
    ("no-save", "receive-file", 12),
    ("empty-no-size", "send-empty-file", 10),
    ("padded-save", "receive-file", 12),
    ("save-in-workdir", "receive-file", 12),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_faulty_client_passes_the_client_suite() {
    if !python() {
        return;
    }
    let client = python_client("faulty_client.py", "clean ");
    let outcomes = run(client, entries(&[]), None, KnownFailures::default()).await;
    let failed = failures(&outcomes);
    assert!(failed.is_empty(), "the clean variant must pass:\n{failed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_of_the_faulty_client_is_caught_at_its_step() {
    if !python() {
        return;
    }
    for &(fault, id, line) in CAUGHT {
        let client = python_client("faulty_client.py", &format!("{fault} "));
        let mut chosen = entries(&[]);
        chosen.retain(|e| e.id == format!("client/{id}"));
        assert_eq!(chosen.len(), 1, "{id}");
        // Room for a python client to start on a loaded machine; the fault's own step waits
        // at most this long.
        let outcomes = run(
            client,
            chosen,
            Some(Duration::from_secs(5)),
            KnownFailures::default(),
        )
        .await;
        let outcome = &outcomes[0];
        let Verdict::Fail(failure) = &outcome.run.verdict else {
            panic!("{fault}: {id} should fail, got {:?}", outcome.run.verdict);
        };
        assert_eq!(
            failure.line,
            line,
            "{fault} caught elsewhere:\n{}",
            report::failure_details(outcome)
        );
    }
}

fn report_config(format: Format, junit: Option<PathBuf>) -> RunConfig {
    RunConfig {
        paths: vec![root().join("tests/fixtures/client")],
        provider: reference_client(),
        target_description: "the reference client".into(),
        jobs: 1,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::default(),
        settings: RunSettings::default(),
        format,
        junit,
        style: Style { timings: false },
        retries: Default::default(),
    }
}

/// The positions of `needles` in `text`, which must be in this order.
fn in_order(text: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        let at = text[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing after byte {from} in:\n{text}"));
        from += at + needle.len();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_interleave_typed_lines_output_and_frames() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let interleaved = [
        "user> \\\"alice\\\"",
        "server< 0x00 auth \\\"alice\\\" offset 10800",
        "server> 0x00 auth-ok \\\"welcome\\\"",
        "user< * logged in as alice. welcome",
        "server> 0x03 text",
        "user< <",
        "user> \\\"hi bob\\\"",
        "server< 0x03 text \\\"hi bob\\\"",
    ];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(
        report_config(Format::Json, Some(junit.clone())),
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 1);
    let json = String::from_utf8(out).unwrap();
    in_order(&json, &interleaved);
    assert!(json.contains("\"line\":14"), "{json}");

    let (mut out, mut err) = (Vec::new(), Vec::new());
    execute(report_config(Format::Human, None), &mut out, &mut err).await;
    let human = String::from_utf8(out).unwrap().replace('"', "\\\"");
    in_order(&human, &interleaved);
    assert!(human.contains("greets-back.chat:14"), "{human}");

    let xml = std::fs::read_to_string(&junit)
        .unwrap()
        .replace("&quot;", "\\\"");
    in_order(
        &xml,
        &[
            "user&gt; \\\"alice\\\"",
            "server&lt; 0x00 auth",
            "server&gt; 0x00 auth-ok",
            "user&lt; * logged in",
        ],
    );
}
