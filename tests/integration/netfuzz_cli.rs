//! `chat-harness fuzz` as a user runs it: help with examples, exit 2 when the server cannot
//! be started, and a spawned server process that dies on an unknown frame type is found
//! (`alive`), shrunk, and replayed by `chat-harness run --spawn` failing at the step the
//! reproducer's comment names.

use std::path::PathBuf;
use std::process::Command;

use crate::support::python;
use chat_harness::scenario::replay::shell_quote;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chat-harness"))
}

#[test]
fn help_shows_examples_and_a_server_that_cannot_start_is_a_setup_error() {
    let help = bin().args(["fuzz", "--help"]).output().expect("run");
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--time 60s",
        "--spawn",
        "--keep-going",
        "Exit status",
        "chat-harness run",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let out = tempfile::tempdir().expect("tempdir");
    let status = bin()
        .args([
            "fuzz",
            "--sessions",
            "3",
            "--spawn",
            "exit 1 {port}",
            "--out",
        ])
        .arg(out.path())
        .output()
        .expect("run");
    assert_eq!(status.status.code(), Some(2), "{status:?}");
}

#[test]
fn a_server_process_that_exits_on_an_unknown_type_is_found_and_replayed() {
    if !python() {
        eprintln!("python3 is not installed: skipping the crashing server");
        return;
    }
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/exits_on_unknown_type.py");
    let spawn = format!(
        "python3 {} {{port}} {}",
        script.display(),
        env!("CARGO_BIN_EXE_chat-harness")
    );
    let out = tempfile::tempdir().expect("tempdir");
    let fuzz = bin()
        .args([
            "fuzz", "--seed", "1", "--time", "60s", "--spawn", &spawn, "--out",
        ])
        .arg(out.path())
        .output()
        .expect("run");
    let report = String::from_utf8_lossy(&fuzz.stdout);
    assert_eq!(
        fuzz.status.code(),
        Some(1),
        "{report}\n{}",
        String::from_utf8_lossy(&fuzz.stderr)
    );
    assert!(report.contains("FOUND alive"), "{report}");
    let file = std::fs::read_dir(out.path())
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("alive-"))
        })
        .expect("an alive-*.chat reproducer");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        text.contains("# seed: 1") && text.contains("# oracle: alive"),
        "{text}"
    );
    let steps = chat_harness::scenario::parse_file(&file)
        .expect("parses")
        .steps
        .len();
    assert!(steps < 15, "{steps} steps:\n{text}");
    // The replay line the fuzzer printed is the whole command, target included: run it as it
    // is, through a shell, with the binary under test in place of `chat-harness`.
    let line = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: "))
        .expect("a replay line");
    let command = line
        .strip_prefix("chat-harness ")
        .expect("starts with the binary's name");
    assert!(
        command.contains(&format!("--spawn {}", shell_quote(&spawn))),
        "{line}"
    );
    let replay = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} {command} --format json",
            shell_quote(env!("CARGO_BIN_EXE_chat-harness"))
        ))
        .output()
        .expect("run");
    let json = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(replay.status.code(), Some(1), "{json}");
    // The replay reproduces the crash: the server process exits and stops accepting. Which
    // step notices first is the scheduler's (`connect canary1` when the process is still
    // exiting as the attacker's last writes land, the attacker's own write when it is gone
    // already): the step the fuzzer saw fail, or a later one once the server is gone.
    let observed = text
        .lines()
        .find_map(|l| l.strip_prefix("# observed: `"))
        .and_then(|l| l.split_once("`: "))
        .map(|(step, _)| step.to_owned())
        .expect("an observed step");
    let scenario = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "scenario")
        .expect("a scenario result");
    assert_eq!(scenario["kind"], "crash", "{json}");
    assert!(scenario["server_exit"].is_string(), "{json}");
    let failed = scenario["failure"]["step"].as_str().unwrap_or_default();
    assert!(
        failed == observed || scenario["still_accepting"] == false,
        "observed `{observed}`, replay failed at `{failed}`:\n{json}"
    );
}
