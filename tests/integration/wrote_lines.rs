//! "wrote FILE (size)" for each file a command writes (`--junit`, `--format json` into a file,
//! `matrix`), and `matrix`'s one progress line per finished implementation when stderr is
//! not a terminal (as in CI logs).

use std::process::{Command, Stdio};

fn harness() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat-harness"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

#[test]
fn json_into_a_file_and_junit_say_what_was_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (json, junit) = (dir.path().join("out.json"), dir.path().join("r.xml"));
    let out = harness()
        .args(["run", "auth/accepted", "--format", "json", "--junit"])
        .arg(&junit)
        .stdout(std::fs::File::create(&json).expect("out.json"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(std::fs::metadata(&json).expect("written").len() > 0);
    assert!(
        stderr.contains(&chat_harness::scenario::written::line(&json)),
        "the line gives the file's size as written: {stderr}"
    );
    assert!(
        stderr.contains(&format!("wrote {} (", junit.display())),
        "{stderr}"
    );
    for line in std::fs::read_to_string(&json).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("only JSON lines in the file");
    }
    // Into a pipe: nothing was written to a file, so no line.
    let piped = harness()
        .args(["run", "auth/accepted", "--format", "json"])
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("wrote"));
}

#[test]
fn matrix_prints_a_line_per_finished_implementation_and_what_it_wrote() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("m.toml"),
        "filter = '^auth/(accepted|duplicate-name)$'\n\
         [[server]]\nname = 'polling'\nbuiltin = 'polling'\n\
         [[server]]\nname = 'threaded'\nbuiltin = 'threaded'\n",
    )
    .unwrap();
    let out = harness()
        .current_dir(dir.path())
        .args(["matrix", "m.toml", "--out", "out"])
        .stdin(Stdio::null())
        .output()
        .expect("matrix");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    // Side by side: each implementation's line comes when its own cells are done.
    let mut progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("matrix: "))
        .collect();
    assert_eq!(progress.len(), 2, "{stderr}");
    assert!(
        progress.iter().any(|l| l.ends_with("(4 of 4 cells done)")),
        "{stderr}"
    );
    progress.sort();
    assert!(
        progress[0].starts_with("matrix: polling finished: 2 cells, 0 unexpected, at "),
        "{stderr}"
    );
    assert!(progress[1].starts_with("matrix: threaded finished: 2 cells, 0 unexpected, at "));
    assert!(stdout.contains("wrote out/matrix.html ("), "{stdout}");
    assert!(stdout.contains(" and out/matrix.json ("), "{stdout}");
}
