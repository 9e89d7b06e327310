//! The client seat on a fixed `--port`: the listener of one scenario is gone before the next
//! binds the same port, and a bind that finds the port still taken is retried for a moment.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chat_harness::client_seat::ClientTarget;
use chat_harness::record::Verdict;
use chat_harness::scenario::{parse_str, Scenario};
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;

const LOGIN: &str = "tests: client\nuser> \"alice\"\nserver< auth /^alice -?\\d+$/\n\
                     server> auth-ok\nuser< \"Commands\"\n";

fn scenario() -> Scenario {
    parse_str(LOGIN, Path::new("scenarios/client/x.chat")).unwrap()
}

/// A port that was free a moment ago, and the listener holding it.
fn leased() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

fn client(port: u16) -> Arc<dyn Provider> {
    Arc::new(ClientTarget::builtin(
        Path::new(env!("CARGO_BIN_EXE_chat-harness")),
        Some(port),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_one_after_another_on_one_fixed_port_all_bind() {
    let (holder, port) = leased();
    drop(holder);
    let provider = client(port);
    let scenario = scenario();
    let settings = RunSettings::default();
    for round in 1..=10 {
        let (run, _) = provider.run(&scenario, &settings).await;
        assert!(
            matches!(run.verdict, Verdict::Pass),
            "round {round}: {:?}",
            run.verdict
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_still_taken_for_a_moment_is_waited_for() {
    let (holder, port) = leased();
    // The port is busy when the scenario starts and is freed 300 ms later (the window the
    // seat must ride out, not a synchronisation).
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(holder);
    });
    let provider = client(port);
    let (run, _) = provider.run(&scenario(), &RunSettings::default()).await;
    release.join().unwrap();
    assert!(matches!(run.verdict, Verdict::Pass), "{:?}", run.verdict);
}
