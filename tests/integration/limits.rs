//! Submissions are contained: a server that forks without end, allocates 4 GiB, spins
//! forever or writes without end is stopped by its resource limit within that limit's time,
//! and the run reports a `crash` that names the limit. (As root the process limit is a pids
//! cgroup; see `under_test::limits`.)

use crate::support::python;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs one scenario against `hog_server.py MODE` under small limits; returns the report and
/// how long the run took.
fn hog(mode: &str) -> (String, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(["run", "scenarios/auth/accepted.chat", "--timeout", "120s"])
        .args(["--limits", "cpu=2s,mem=512M,procs=16,fsize=8M,nofile=64"])
        .arg("--spawn")
        .arg(format!(
            "python3 tests/python/hog_server.py {{port}} {mode}"
        ))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run chat-harness");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "a crash fails the run:\n{text}");
    (text, started.elapsed())
}

fn assert_crash_naming(mode: &str, limit: &str, within: Duration) {
    if !python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let (text, took) = hog(mode);
    assert!(text.contains("CRASH   auth/accepted"), "{text}");
    assert!(
        text.contains(&format!("the {limit} limit (")),
        "the {limit} limit is named:\n{text}"
    );
    assert!(
        !text.contains("nothing arrived within"),
        "stopped by its limit, not by the scenario's timeout:\n{text}"
    );
    assert!(took < within, "{mode}: {took:?}");
}

#[test]
fn a_fork_bomb_is_stopped_by_the_procs_limit() {
    assert_crash_naming("forks", "procs", Duration::from_secs(10));
}

#[test]
fn a_4_gib_allocation_is_stopped_by_the_mem_limit() {
    assert_crash_naming("memory", "mem", Duration::from_secs(10));
}

#[test]
fn an_endless_loop_is_stopped_by_the_cpu_limit() {
    // 2 s of CPU: on a machine where others run, the wall time to use them grows with the
    // load (two `yes` loops and a test run: about 15 s); the step timeout (120 s) is far.
    assert_crash_naming("spin", "cpu", Duration::from_secs(60));
}

#[test]
fn an_endless_writer_is_stopped_by_the_fsize_limit() {
    assert_crash_naming("writes", "fsize", Duration::from_secs(10));
}

#[test]
fn a_bad_limits_argument_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(["run", "scenarios/auth/accepted.chat", "--limits", "disk=1G"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run chat-harness");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown limit `disk`"));
}

/// The matrix's default limits leave room for a thread-per-client server at the suite's
/// largest fan-out: the lab-style stand-in holds a thread per client, 30 at once in
/// `load/fanout-30` (a core scenario it passes under `run`), and the pids limit of 32 the
/// matrix had failed it with a crash.
#[test]
fn matrix_defaults_leave_room_for_a_thread_per_client_server() {
    if !python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("class.toml");
    std::fs::write(
        &file,
        format!(
            "scenarios = ['{root}/scenarios/load/fanout-30.chat']\n[[server]]\nname = 'lab'\n\
             spawn = 'python3 {root}/tests/python/original_server.py {{port}}'\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .arg("matrix")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .expect("run chat-harness");
    let json = std::fs::read_to_string(dir.path().join("out/matrix.json")).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(json.contains("\"status\": \"pass\""), "{stderr}\n{json}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
