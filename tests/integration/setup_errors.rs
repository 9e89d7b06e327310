//! Setup errors said once, exit status 2: a spawn command whose program does not exist, a
//! fixed `--port` another program holds before the run (named), and a server that starts
//! once and then fails the same way for the first scenarios; a client program that cannot
//! be run, or ends before it connects, said the same way.

use crate::support::harness;
use std::process::Output;

fn error_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.starts_with("chat-harness:"))
        .map(str::to_owned)
        .collect()
}

/// Lines of stdout that report a scenario (`LABEL auth/...`).
fn scenario_lines(output: &Output) -> usize {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains(" auth/"))
        .count()
}

#[test]
fn a_missing_program_is_one_line_and_exit_2() {
    let out = harness(&[
        "run",
        "scenarios/auth",
        "--spawn",
        "./no-such-server {port}",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let errors = error_lines(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("not found"), "{}", errors[0]);
    assert!(errors[0].contains("nothing was run"), "{}", errors[0]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("no-such-server").count(),
        2,
        "the command and the shell's complaint, once: {stderr}"
    );
    assert_eq!(scenario_lines(&out), 0);
}

#[test]
fn a_busy_fixed_port_is_refused_before_any_scenario_naming_its_holder() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = holder.local_addr().expect("addr").port().to_string();
    let out = harness(&[
        "run",
        "scenarios/auth",
        "--spawn",
        "python3 tests/python/original_server.py",
        "--port",
        &port,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let errors = error_lines(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains(&format!("port {port} is already in use")));
    // The holder is this test process, or a child it forked for another test that has not
    // reached exec yet and so still shares the socket: either way the test binary.
    let test_binary = std::env::current_exe().expect("the test binary's path");
    assert!(
        errors[0].contains(&format!("pid {} (", std::process::id()))
            || errors[0].contains(&format!(" ({})", test_binary.display())),
        "the holder is named: {}",
        errors[0]
    );
    assert_eq!(scenario_lines(&out), 0);
    drop(holder);
}

#[test]
fn the_same_error_for_the_first_scenarios_stops_the_run_with_one_line() {
    if !crate::support::python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let flag = dir.path().join("started-once");
    // Starts a server the first time (the check before the run), then fails at once.
    let command = format!(
        "if [ -e '{0}' ]; then echo broken >&2; exit 3; fi; touch '{0}'; exec python3 tests/python/original_server.py {{port}}",
        flag.display()
    );
    let out = harness(&["run", "scenarios/auth", "-j", "1", "--spawn", &command]);
    assert_eq!(out.status.code(), Some(2));
    let errors = error_lines(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("the first 3 scenarios all ended in the same error"),
        "{}",
        errors[0]
    );
    assert!(scenario_lines(&out) <= 3, "the run stopped early");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains(" passed, "),
        "no summary of a broken set-up"
    );
}

/// Runs the client scenarios with `client` as the client program.
fn run_client(client: &str) -> Output {
    harness(&["run", "scenarios/client", "--client", client])
}

fn assert_stopped_once(out: &Output, cause: &str) {
    assert_eq!(out.status.code(), Some(2));
    let errors = error_lines(out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("the first 3 scenarios all ended in the same error"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains(cause), "{}", errors[0]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reported = stdout.lines().filter(|l| l.contains(" client/")).count();
    assert!(reported <= 4, "the run stopped early: {stdout}");
    assert!(
        !stdout.contains("FAIL"),
        "no failure blamed on the client: {stdout}"
    );
    assert!(
        !stdout.contains(" passed, "),
        "no summary of a broken set-up"
    );
}

#[test]
fn a_client_program_that_does_not_exist_is_one_line_and_exit_2() {
    let out = run_client("./no-such-client {port}");
    assert_stopped_once(&out, "could not be run (status 127)");
    assert!(error_lines(&out)[0].contains("not found"));
}

#[test]
fn a_client_that_ends_before_connecting_is_one_line_and_exit_2() {
    if !crate::support::python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("half_finished.py");
    std::fs::write(&script, "import sys\ndef broken(:\n").expect("write the client");
    let out = run_client(&format!("python3 {} {{port}}", script.display()));
    assert_stopped_once(&out, "before connecting: SyntaxError");
}
