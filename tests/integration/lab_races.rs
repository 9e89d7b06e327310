//! The two races of the lab's thread-per-client server, widened in the stand-in
//! (`tests/python/original_server.py --widen MS`) so that they are lost every time: the
//! `core` scenarios they touch pass anyway (they `settle`), and the `robust` twins that pin
//! the strict timing fail with the reason that names the race.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::support::python;
use chat_harness::record::Verdict;
use chat_harness::report;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::{self, Entry, Outcome, Status};
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

/// The core scenarios whose steps act on a join or a leave right after it was announced.
const TOUCHED: &[&str] = &[
    "auth/connected-notice",
    "auth/name-freed-by-exit",
    "exit/notice-after-rename",
    "file/relay-small",
    "rename/taken",
    "text/conversation",
    "text/relay-to-others",
];

/// The robust twins, the line each fails at, and a piece of its reason.
const TWINS: &[(&str, usize, &str)] = &[
    ("auth/join-done-by-auth-ok", 10, "expected nothing"),
    (
        "exit/name-free-once-notice-out",
        16,
        "The name is already in use",
    ),
];

fn chosen(ids: &[&str]) -> Vec<Entry> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (entries, errors) = suite::load(suite::discover(&[dir]).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    let picked: Vec<Entry> = entries
        .into_iter()
        .filter(|e| ids.contains(&e.id.as_str()))
        .collect();
    assert_eq!(picked.len(), ids.len(), "a scenario is missing");
    picked
}

fn widened_stand_in() -> Arc<dyn Provider> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/original_server.py");
    let command = format!("python3 {} {{port}} --widen 60", script.display());
    Arc::new(Target::spawn(&command, Duration::from_secs(10), None).unwrap())
}

async fn run(entries: Vec<Entry>) -> Vec<Outcome> {
    suite::run_all(
        entries,
        widened_stand_in(),
        Arc::new(RunSettings::default()),
        Arc::new(KnownFailures::default()),
        2,
        |_| {},
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_scenarios_tolerate_the_widened_races_and_the_robust_twins_do_not() {
    if !python() {
        eprintln!("python3 is not installed: skipping the lab's races");
        return;
    }
    let core = run(chosen(TOUCHED)).await;
    let failed: String = core
        .iter()
        .filter(|o| o.status != Status::Pass)
        .map(report::failure_details)
        .collect();
    assert!(failed.is_empty(), "core must tolerate the races:\n{failed}");

    let ids: Vec<&str> = TWINS.iter().map(|t| t.0).collect();
    let twins = run(chosen(&ids)).await;
    for &(id, line, reason) in TWINS {
        let outcome = twins.iter().find(|o| o.id == id).expect("ran");
        let Verdict::Fail(failure) = &outcome.run.verdict else {
            panic!(
                "{id} must fail on the widened race, got {:?}",
                outcome.run.verdict
            );
        };
        let details = report::failure_details(outcome);
        assert_eq!(failure.line, line, "{details}");
        assert!(details.contains(reason), "{id}: {details}");
    }
    let join = twins
        .iter()
        .find(|o| o.id == "auth/join-done-by-auth-ok")
        .map(report::failure_details)
        .unwrap_or_default();
    assert!(join.contains("alice connected"), "{join}");
}

/// A third race, of the lab pair in the interop scenarios: the lab-style server tells every
/// connected socket of a join, authenticated or not, and the lab-style client takes the first
/// frame after its name for the answer. A peer that authenticates while the client program is
/// already connected makes the client take the join notice for a refusal. The harness starts
/// the client at its first statement, so peers that open the scenario are in before it
/// connects; here the peer's auth is held back 500 ms (a peer statement), which a client
/// started with the scenario would use to connect, failing every time.
#[test]
fn an_interop_client_starts_after_the_peers_opening() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("late-peer.chat");
    std::fs::write(
        &scenario,
        "description: The peer authenticates late; the client has not connected by then.\n\
         tests: interop\ntimeout: 5s\nconnect bob\nbob< nothing for 500ms\n\
         bob> auth bob 0\nbob< auth-ok\nuser> \"alice\"\nbob< notice /alice/\n\
         user> \"hello bob\"\nbob< chat from alice \"hello bob\"\n",
    )
    .unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .arg("run")
        .arg(&scenario)
        .arg("--client")
        .arg(format!(
            "python3 {root}/tests/python/original_client.py {{host}} {{port}}"
        ))
        .arg("--spawn")
        .arg(format!(
            "python3 {root}/tests/python/original_server.py {{port}}"
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

/// The clean server's command line as `tests/python/make_class.py` writes it into a class.
fn class_server() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("python3")
        .arg(root.join("tests/python/make_class.py"))
        .arg(dir.path())
        .args(["--servers", "1", "--clients", "1"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let class = std::fs::read_to_string(dir.path().join("class.toml")).unwrap();
    let spawn: String = class
        .lines()
        .find_map(|l| l.strip_prefix("spawn = "))
        .and_then(|quoted| serde_json::from_str(quoted).ok())
        .expect("the server's spawn line");
    assert!(spawn.contains("--slow-recv"), "{spawn}");
    spawn
}

/// The class of `tests/python/make_class.py` gives every server switches that make each race
/// the expect file marks `sometimes` go one way on every run, so that a class run's cells can
/// be compared across `-j`. Here the clean server, spawned exactly as the generator writes it,
/// runs those scenarios and the core ones the races touch, three times over, all at once: the
/// races of its two closed windows are won every time, the others are lost every time, and
/// core passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_class_switches_make_every_sometimes_race_go_one_way() {
    if !python() {
        eprintln!("python3 is not installed: skipping the class's switches");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let spawn = class_server();

    let expect = std::fs::read_to_string(root.join("tests/python/original_server.expect")).unwrap();
    let races: Vec<&str> = expect
        .lines()
        .filter_map(|l| l.strip_prefix("sometimes "))
        .filter_map(|l| l.split(':').next())
        .filter(|id| !id.starts_with("interop/"))
        .collect();
    assert_eq!(races.len(), 6, "{races:?}");
    // The two windows are closed: those races are won; the others (frames read as one, a
    // join told to an early connection before its own 0x00) are lost.
    const WON: &[&str] = &[
        "auth/join-done-by-auth-ok",
        "exit/name-free-once-notice-out",
    ];
    let ids: Vec<&str> = races.iter().chain(TOUCHED).copied().collect();
    let round = || {
        let server: Arc<dyn Provider> =
            Arc::new(Target::spawn(&spawn, Duration::from_secs(10), None).unwrap());
        suite::run_all(
            chosen(&ids),
            server,
            Arc::new(RunSettings::default()),
            Arc::new(KnownFailures::default()),
            ids.len(),
            |_| {},
        )
    };
    let (first, second, third) = tokio::join!(round(), round(), round());
    for (outcome, round) in [first, second, third]
        .iter()
        .enumerate()
        .flat_map(|(i, outcomes)| outcomes.iter().map(move |o| (o, i + 1)))
    {
        let won = WON.contains(&outcome.id.as_str()) || TOUCHED.contains(&outcome.id.as_str());
        assert_eq!(
            outcome.status == Status::Pass,
            won,
            "round {round}: {} went the other way:\n{}",
            outcome.id,
            report::failure_details(outcome)
        );
    }
}

/// The class's clients (`faulty_client.py`) write a file's header and then its body at once
/// (the lab's own client sleeps a second between them) without `TCP_NODELAY`, so Nagle holds
/// the body until the header is acknowledged, which the server's kernel delays by about 40 ms.
/// A class server reads 10 ms after bytes arrive (`--slow-recv`), so it reads the header alone
/// and the file reaches the peer, four pairs at once, every time; a server that reads after the
/// body came (60 ms here) gets both in one recv() and loses the body. At 30 ms the class's
/// `interop/file-to-peer` cells flipped now and then, whenever a server thread woke 10 ms late.
#[test]
fn a_class_server_reads_a_class_clients_file_body_apart_from_its_header() {
    if !python() {
        eprintln!("python3 is not installed: skipping the class's file relay");
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let spawn = class_server();
    let run = |spawn: String| {
        std::thread::spawn(move || {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_chat-harness"))
                .arg("run")
                .arg(format!("{root}/scenarios/interop/file-to-peer.chat"))
                .arg("--client")
                .arg(format!(
                    "python3 {root}/tests/python/faulty_client.py clean {{host}} {{port}}"
                ))
                .arg("--spawn")
                .arg(spawn)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
    };
    let late = spawn.replace("--slow-recv 10", "--slow-recv 60");
    assert_ne!(late, spawn, "the class's read delay changed: {spawn}");
    let class: Vec<_> = (0..4).map(|_| run(spawn.clone())).collect();
    let too_late = run(late);
    for pair in class {
        let stdout = pair.join().unwrap();
        assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
    }
    let stdout = too_late.join().unwrap();
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
}
