//! `run --target` on one server shared by every scenario: each scenario's names are its own,
//! the lab server started once passes core as a fresh one does, and a name refused at first
//! auth is explained.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chat_harness::server::{self, Mode, ServerConfig};

use super::{harness_in, python, repository_ids_for_any_server, statuses, text};

#[test]
fn one_built_in_server_shared_by_the_whole_suite_passes_it() {
    let files = tempfile::tempdir().unwrap();
    let handle = server::spawn(ServerConfig::new(Mode::Polling, files.path())).expect("server");
    let addr = handle.addr().to_string();
    let empty = tempfile::tempdir().unwrap();
    let out = harness_in(
        empty.path(),
        &["run", "--target", &addr, "--format", "json"],
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let found = statuses(&stdout);
    let servers = repository_ids_for_any_server().len();
    assert_eq!(found.len(), servers);
    assert!(found.values().all(|s| s == "pass"), "{found:?}");
    // Again on the same server: the names of the first run are not met again.
    let again = harness_in(empty.path(), &["run", "auth/", "--target", &addr]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_server_started_once_passes_the_core_scenarios_as_a_fresh_one_does() {
    if !python() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/original_server.py");
    // Each leave announced 100 ms after the client's end, as a loaded thread-per-client
    // server does: the harness closes a scenario's clients one by one and skips a late
    // notice about another scenario's client, so the verdicts do not depend on the load.
    let command = format!("python3 {} {{port}} --late-leave 100", script.display());
    let target =
        chat_harness::under_test::target::Target::spawn(&command, Duration::from_secs(10), None)
            .expect("a command with {port}");
    let lease = target.acquire().await.expect("the lab server starts");
    let addr = lease.addr.to_string();
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_owned();
    let core = |dir: PathBuf, how: &'static str, what: String| {
        tokio::task::spawn_blocking(move || {
            let args = [
                "run", how, &what, "--tag", "core", "-j", "2", "--format", "json",
            ];
            harness_in(&dir, &args)
        })
    };
    // What a fresh server per scenario passes...
    let spawned = core(dir.clone(), "--spawn", command.clone()).await.unwrap();
    let spawned = statuses(&text(&spawned.stdout));
    assert!(
        spawned.len() >= 20 && spawned.values().all(|s| s == "pass"),
        "{spawned:?}"
    );
    // ... the server started once passes too, run after run.
    for attempt in ["first", "second"] {
        let out = core(dir.clone(), "--target", addr.clone()).await.unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{attempt} run: {stdout}");
        assert_eq!(statuses(&stdout), spawned, "{attempt} run");
        let names = stdout
            .lines()
            .find(|l| l.contains("\"id\":\"text/relay-to-others\""))
            .unwrap_or_default()
            .to_owned();
        assert!(names.contains("\"names\":{\"alice\":\"alice-"), "{names}");
    }
    lease.release().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_refused_at_first_auth_on_a_shared_server_is_explained() {
    use chat_harness::client::{Connection, Event};
    use chat_harness::protocol::{ClientFrame, ServerFrame};
    use chat_harness::scenario::known_failures::KnownFailures;
    use chat_harness::scenario::suite::{self, Entry};
    use chat_harness::server_seat::RunSettings;
    use chat_harness::under_test::target::Target;
    use std::sync::Arc;

    let files = tempfile::tempdir().unwrap();
    let handle = server::spawn(ServerConfig::new(Mode::Polling, files.path())).expect("server");
    // 30 bytes: too long for a suffix within the 32-byte limit, so the scenario keeps it.
    let name = "abcdefghijklmnopqrstuvwxyz0123";
    let mut holder = Connection::connect(handle.addr()).await.unwrap();
    holder.send(&ClientFrame::auth(name, 0)).await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), holder.next_event()).await;
    assert!(matches!(
        event,
        Ok(Ok(Event::Frame(ServerFrame::AuthOk(_))))
    ));
    let text = format!("connect a\na> auth \"{name}\" 0\na< auth-ok\n");
    let scenario = chat_harness::scenario::parse_str(&text, Path::new("kept.chat")).unwrap();
    let provider = Arc::new(Target::address(&handle.addr().to_string()).unwrap());
    let outcomes = suite::run_all(
        vec![Entry {
            id: "x/kept".into(),
            scenario: Arc::new(scenario),
        }],
        provider,
        Arc::new(RunSettings::default()),
        Arc::new(KnownFailures::default()),
        1,
        |_| {},
    )
    .await;
    let chat_harness::record::Verdict::Fail(failure) = &outcomes[0].run.verdict else {
        panic!("the name is taken: {:?}", outcomes[0].run.verdict);
    };
    assert!(
        failure.reason.contains("kept state across scenarios")
            && failure.reason.contains("--spawn"),
        "{}",
        failure.reason
    );
    assert!(outcomes[0].names.is_empty());
}
