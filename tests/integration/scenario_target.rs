//! Spawned targets: a server that finds its port taken is started again on another port,
//! a bounded number of times, and the last refusal is reported with the server's words.

use std::time::Duration;

use chat_harness::under_test::target::{Target, TargetError};

/// `sh` that records each port it was offered in `log`, says the port is in use for the
/// first `refusals` starts, and then runs the reference server on the offered port.
fn flaky_binder(dir: &std::path::Path, refusals: usize) -> String {
    let log = dir.join("ports");
    let bin = env!("CARGO_BIN_EXE_chat-harness");
    format!(
        "echo {{port}} >> {log}; \
         if [ $(wc -l < {log}) -le {refusals} ]; then \
           echo 'OSError: [Errno 98] Address already in use' >&2; exit 1; \
         fi; \
         exec {bin} serve --listen 127.0.0.1:{{port}} --files-dir {files}",
        log = log.display(),
        files = dir.join("files").display(),
    )
}

fn offered_ports(dir: &std::path::Path) -> Vec<u16> {
    std::fs::read_to_string(dir.join("ports"))
        .unwrap()
        .lines()
        .map(|line| line.trim().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_server_whose_port_is_taken_is_started_again_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let target =
        Target::spawn(&flaky_binder(dir.path(), 1), Duration::from_secs(10), None).unwrap();
    let lease = target.acquire().await.expect("the second start serves");
    let ports = offered_ports(dir.path());
    assert_eq!(ports.len(), 2, "{ports:?}");
    assert_ne!(ports[0], ports[1]);
    assert_eq!(lease.addr.port(), ports[1]);
    lease.release().await;
}

#[tokio::test]
async fn a_port_that_is_always_taken_fails_after_three_starts_with_the_servers_words() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::spawn(
        &flaky_binder(dir.path(), 1000),
        Duration::from_secs(10),
        None,
    )
    .unwrap();
    let error = match target.acquire().await {
        Ok(lease) => panic!(
            "a server that never binds is not ready, yet {} answered",
            lease.addr
        ),
        Err(error) => error,
    };
    assert!(matches!(error, TargetError::PortTaken(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("exited"), "{message}");
    assert!(message.contains("Address already in use"), "{message}");
    assert_eq!(offered_ports(dir.path()).len(), 3);
}
