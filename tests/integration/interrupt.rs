//! Ctrl-C and SIGTERM during `run --spawn` and `matrix`: the harness stops within 5 s with
//! 130 or 143, prints a summary and `interrupted: N scenarios not run`, writes its reports
//! marked partial, and leaves no process behind — checked in the process table by a marker
//! in the command line of a server that forks a child of its own.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::python;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// A marker no other test or process carries.
fn marker(name: &str) -> String {
    format!("w25-marker-{}-{name}", std::process::id())
}

/// The pids of processes whose command line contains `marker`, but `except`.
fn carrying(marker: &str, except: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != except)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
        })
        .collect()
}

/// Waits (at most `limit`) until `ready` holds.
fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ready()
}

fn server_command(marker: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/forking_server.py");
    format!("python3 {} {{port}} {marker}", script.display())
}

/// Sends `signal` once the harness has a server running (and, with `after_line`, once its
/// stdout shows that text); then checks the exit status, the time it took and that nothing
/// with the marker is left. Returns the harness's stdout.
fn interrupt(
    mut child: Child,
    stdout: &Path,
    marker: &str,
    after_line: Option<&str>,
    signal: Signal,
) -> String {
    let harness = child.id();
    let started = wait_for(Duration::from_secs(30), || {
        !carrying(marker, harness).is_empty()
            && after_line.is_none_or(|text| {
                std::fs::read_to_string(stdout).is_ok_and(|out| out.contains(text))
            })
    });
    assert!(started, "the harness started a server and ran a scenario");
    let sent = Instant::now();
    kill(Pid::from_raw(harness as i32), signal).expect("signal sent");
    let mut status = None;
    wait_for(Duration::from_secs(5), || {
        status = child.try_wait().expect("wait");
        status.is_some()
    });
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the harness did not stop within 5 s of {signal}");
    };
    let took = sent.elapsed();
    let wanted = 128 + signal as i32;
    assert_eq!(status.code(), Some(wanted), "exit status after {signal}");
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
    let left = {
        let mut left = Vec::new();
        let gone = wait_for(Duration::from_secs(2), || {
            left = carrying(marker, harness);
            left.is_empty()
        });
        (!gone).then_some(left)
    };
    assert_eq!(left, None, "processes left with the marker");
    std::fs::read_to_string(stdout).expect("stdout")
}

fn run_interrupted(signal: Signal, name: &str) {
    if !python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = marker(name);
    let stdout = dir.path().join("out.txt");
    let (junit, html) = (dir.path().join("r.xml"), dir.path().join("r.html"));
    let child = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args([
            "run",
            "scenarios/auth",
            "--timeout",
            "1s",
            "-j",
            "1",
            "--spawn",
        ])
        .arg(server_command(&marker))
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("chat-harness starts");
    // Once the first scenario has been reported (a line naming it, `auth/...`).
    let out = interrupt(child, &stdout, &marker, Some(" auth/"), signal);
    assert!(out.contains(" passed, "), "a summary: {out}");
    let not_run = out
        .lines()
        .find_map(|l| l.strip_prefix("interrupted: "))
        .unwrap_or_else(|| panic!("an interrupted line: {out}"));
    let count: usize = not_run
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(count > 0, "{not_run}");
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    assert!(xml.contains("name=\"partial\""), "{xml}");
    assert!(xml.contains("not run: interrupted"), "{xml}");
    let page = std::fs::read_to_string(&html).expect("the HTML page is written");
    assert!(page.contains("Partial report"), "marked partial");
}

fn matrix_interrupted(signal: Signal, name: &str) {
    if !python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = marker(name);
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/auth");
    let file = dir.path().join("m.toml");
    let toml = format!(
        "scenarios = [{:?}]\n[[server]]\nname = \"forking\"\nspawn = {:?}\n",
        scenarios.display().to_string(),
        server_command(&marker)
    );
    std::fs::write(&file, toml).expect("matrix file");
    let stdout = dir.path().join("out.txt");
    let out_dir = dir.path().join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .arg("matrix")
        .arg(&file)
        .arg("--out")
        .arg(&out_dir)
        .args(["--timeout", "1s", "-j", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("chat-harness starts");
    let out = interrupt(child, &stdout, &marker, None, signal);
    assert!(
        out.contains("forking"),
        "a summary per implementation: {out}"
    );
    assert!(out.contains("interrupted: "), "{out}");
    let page = std::fs::read_to_string(out_dir.join("matrix.html")).expect("matrix.html");
    assert!(page.contains("Partial report"), "marked partial");
    let json = std::fs::read_to_string(out_dir.join("matrix.json")).expect("matrix.json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["interrupted"]["partial"], true, "{json}");
}

#[test]
fn sigint_stops_run_with_130_a_summary_partial_reports_and_nothing_left() {
    run_interrupted(Signal::SIGINT, "run-int");
}

#[test]
fn sigterm_stops_run_with_143_a_summary_partial_reports_and_nothing_left() {
    run_interrupted(Signal::SIGTERM, "run-term");
}

#[test]
fn sigint_stops_matrix_with_130_partial_pages_and_nothing_left() {
    matrix_interrupted(Signal::SIGINT, "matrix-int");
}

#[test]
fn sigterm_stops_matrix_with_143_partial_pages_and_nothing_left() {
    matrix_interrupted(Signal::SIGTERM, "matrix-term");
}
