//! `fuzz --client`: the harness plays a hostile server. The reference client survives it;
//! each fault of tests/python/faulty_client.py is found by the oracle meant for it; the
//! lab-style client shows three different faults within 60 s; every finding is a client
//! scenario that fails again, at the same line, when it is replayed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::python;
use chat_harness::client_seat::ClientTarget;
use chat_harness::language::parser::parse_file;
use chat_harness::netfuzz::client::{
    fuzz_client, render, ClientFinding, ClientFuzzConfig, ClientOracle, Generator,
};
use chat_harness::netfuzz::Budget;
use chat_harness::record::Verdict;
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn faulty(fault: &str) -> Arc<dyn Provider> {
    let script = root().join("tests/python/faulty_client.py");
    let command = format!("python3 {} {fault} {{host}} {{port}}", script.display());
    Arc::new(ClientTarget::command(&command, None).expect("a client command"))
}

fn config(out: &Path, budget: Budget, stop_on: Vec<ClientOracle>, jobs: usize) -> ClientFuzzConfig {
    ClientFuzzConfig {
        seed: 1,
        budget,
        max_blocks: 8,
        timeout: Duration::from_secs(2),
        out: out.to_owned(),
        keep_going: true,
        shrink_time: Duration::from_secs(20),
        jobs,
        stop_on,
    }
}

/// Replays a finding up to three times (the machine is shared): it must fail at its line.
async fn fails_again(finding: &ClientFinding, provider: &Arc<dyn Provider>) -> Result<(), String> {
    let scenario = parse_file(&finding.path).map_err(|e| format!("does not parse: {e}"))?;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (run, _) = provider.run(&scenario, &RunSettings::default()).await;
        match run.verdict {
            Verdict::Fail(f) if f.line == finding.line => return Ok(()),
            Verdict::Fail(f) => seen.push(format!("failed at line {}: {}", f.line, f.reason)),
            other => seen.push(format!("{other:?}")),
        }
    }
    Err(format!(
        "{}: replays did not fail at line {}: {seen:?}",
        finding.path.display(),
        finding.line
    ))
}

/// Sessions are the same for the same seed, and every one parses as a client scenario with
/// its checks tagged: each line that checks something names an oracle.
#[test]
fn generated_sessions_are_deterministic_client_scenarios() {
    let timeout = Duration::from_secs(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.chat");
    std::fs::create_dir(dir.path().join("files")).expect("files/");
    for (name, bytes) in chat_harness::netfuzz::client::generate::samples() {
        std::fs::write(dir.path().join("files").join(name), bytes).expect("a sample");
    }
    let mut kinds = std::collections::HashSet::new();
    for seed in 0..400u64 {
        let (text, oracles) = render(timeout, &Generator::session(seed, 8).blocks);
        let (again, _) = render(timeout, &Generator::session(seed, 8).blocks);
        assert_eq!(text, again, "seed {seed}");
        assert_eq!(text.lines().count(), oracles.len());
        let scenario = chat_harness::language::parser::parse_str(&text, &path)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        assert!(scenario.tests_client(), "seed {seed}");
        for (line, oracle) in text.lines().zip(&oracles) {
            let checks = ["user<", "server<", "saved", "client"]
                .iter()
                .any(|p| line.starts_with(p));
            assert_eq!(checks, oracle.is_some(), "seed {seed}: {line}");
            kinds.extend(*oracle);
        }
    }
    // Every oracle has statements that check it.
    for oracle in ClientOracle::ALL {
        assert!(kinds.contains(&oracle), "no statement checks {oracle}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_client_survives_a_few_sessions() {
    let out = tempfile::tempdir().expect("tempdir");
    let exe = Path::new(env!("CARGO_BIN_EXE_chat-harness"));
    let provider: Arc<dyn Provider> = Arc::new(ClientTarget::builtin(exe, None));
    let summary = fuzz_client(
        &config(out.path(), Budget::Sessions(12), Vec::new(), 2),
        provider,
        |_| {},
    )
    .await;
    assert!(summary.error.is_none(), "{:?}", summary.error);
    assert_eq!(summary.sessions, 12);
    let found: Vec<String> = summary
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}: {}\n{}",
                f.oracle,
                f.observed,
                std::fs::read_to_string(&f.path).unwrap_or_default()
            )
        })
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    // The sample files the findings would use are written beside them.
    assert!(out.path().join("files/blob.bin").is_file());
}

/// Each fault of faulty_client.py and the oracle meant to find it.
const FAULTS: [(&str, ClientOracle); 17] = [
    ("little-endian", ClientOracle::Frame),
    ("no-offset", ClientOracle::Frame),
    ("size-off-by-one", ClientOracle::Frame),
    ("body-before-header", ClientOracle::Frame),
    ("text-as-file-type", ClientOracle::Frame),
    ("drop-coalesced", ClientOracle::Shown),
    ("unsafe-save", ClientOracle::Outside),
    ("hang-on-close", ClientOracle::Ends),
    ("no-exit-frame", ClientOracle::Frame),
    ("rename-as-text", ClientOracle::Frame),
    ("cut-typed-1024", ClientOracle::Frame),
    ("rename-bare-name", ClientOracle::Frame),
    ("overwrite", ClientOracle::Kept),
    ("no-save", ClientOracle::Saved),
    ("empty-no-size", ClientOracle::Frame),
    ("padded-save", ClientOracle::Saved),
    ("save-in-workdir", ClientOracle::Saved),
];

/// Fuzzes one fault until its oracle has a finding (60 s at most), then replays it.
async fn find(fault: &'static str, oracle: ClientOracle) -> Result<String, String> {
    let out = tempfile::tempdir().expect("tempdir");
    let provider = faulty(fault);
    let start = Instant::now();
    let summary = fuzz_client(
        &config(
            out.path(),
            Budget::Time(Duration::from_secs(60)),
            vec![oracle],
            1,
        ),
        provider.clone(),
        |_| {},
    )
    .await;
    if let Some(e) = summary.error {
        return Err(format!("{fault}: stopped: {e}"));
    }
    let Some(finding) = summary.findings.iter().find(|f| f.oracle == oracle) else {
        let others: Vec<String> = summary
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.oracle, f.observed))
            .collect();
        return Err(format!(
            "{fault}: no `{oracle}` finding in {:?} ({} sessions); found {others:?}",
            start.elapsed(),
            summary.sessions
        ));
    };
    fails_again(finding, &provider)
        .await
        .map_err(|e| format!("{fault}: {e}"))?;
    let others: Vec<&str> = summary
        .findings
        .iter()
        .filter(|f| f.oracle != oracle)
        .map(|f| f.oracle.name())
        .collect();
    Ok(format!(
        "{fault:>20}: {oracle} after {:.1}s, {} sessions, {} → {} statements; also found: {others:?}",
        finding.found_after.as_secs_f64(),
        summary.sessions,
        finding.steps.0,
        finding.steps.1
    ))
}

/// Two faults in every `cargo test`: a lost frame and a hang once the server is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_few_client_faults_are_found_and_replayed() {
    if !python() {
        eprintln!("python3 is not installed: skipping");
        return;
    }
    let runs = [
        tokio::spawn(find("drop-coalesced", ClientOracle::Shown)),
        tokio::spawn(find("hang-on-close", ClientOracle::Ends)),
    ];
    for run in runs {
        let line = run
            .await
            .expect("the task")
            .unwrap_or_else(|e| panic!("{e}"));
        eprintln!("{line}");
    }
}

/// The whole table, every fault at once (most of a session is spent waiting). `.ci/run` runs
/// it alone, in release (`cargo test --release --test integration -- --ignored
/// each_client_fault --nocapture`); `CLIENT_FAULT=overwrite` runs one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the whole client fault table; .ci/run runs it alone, in release"]
async fn each_client_fault_is_found_by_its_oracle_and_replayed() {
    assert!(python(), "python3 is needed");
    let only = std::env::var("CLIENT_FAULT").unwrap_or_default();
    let runs: Vec<_> = FAULTS
        .into_iter()
        .filter(|(f, _)| only.is_empty() || *f == only)
        .map(|(fault, oracle)| tokio::spawn(find(fault, oracle)))
        .collect();
    let mut failed = Vec::new();
    for run in runs {
        match run.await.expect("the task") {
            Ok(line) => eprintln!("{line}"),
            Err(e) => failed.push(e),
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The lab-style client: three different faults within 60 s, each replayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute of fuzzing; .ci/run runs it with the client fault table"]
async fn the_lab_style_client_shows_three_faults_within_a_minute() {
    assert!(python(), "python3 is needed");
    let out = tempfile::tempdir().expect("tempdir");
    let script = root().join("tests/python/original_client.py");
    let command = format!("python3 {} {{host}} {{port}}", script.display());
    let provider: Arc<dyn Provider> =
        Arc::new(ClientTarget::command(&command, None).expect("a client command"));
    let mut cfg = config(
        out.path(),
        Budget::Time(Duration::from_secs(60)),
        Vec::new(),
        4,
    );
    cfg.shrink_time = Duration::from_secs(10);
    let summary = fuzz_client(&cfg, provider.clone(), |_| {}).await;
    assert!(summary.error.is_none(), "{:?}", summary.error);
    let in_time: Vec<&ClientFinding> = summary
        .findings
        .iter()
        .filter(|f| f.found_after <= Duration::from_secs(60))
        .collect();
    for f in &summary.findings {
        eprintln!(
            "{} after {:.1}s: {}",
            f.oracle,
            f.found_after.as_secs_f64(),
            f.observed
        );
    }
    assert!(in_time.len() >= 3, "{} findings within 60 s", in_time.len());
    for f in in_time {
        fails_again(f, &provider)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
