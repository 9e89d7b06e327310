//! `chat-harness matrix` runs its implementations side by side over one set of slots: every
//! implementation gets its own progress line when its last cell finishes (CI logs, where no
//! bar is drawn), and `interop_pairs` samples the client × server pairs in turn.

use std::process::Command;

use serde_json::Value;

const MATRIX: &str = r#"
filter = "^(auth/accepted|text/relay-to-others|client/send-text|interop/message-to-peer)$"
interop_pairs = 1

[[server]]
name = "polling"
builtin = "polling"

[[server]]
name = "threaded"
builtin = "threaded"

[[client]]
name = "reference client"
builtin = "reference"

[[client]]
name = "clean stand-in"
spawn = "python3 {root}/tests/python/faulty_client.py clean {host} {port}"

[[client]]
name = "renames as text"
spawn = "python3 {root}/tests/python/faulty_client.py rename-as-text {host} {port}"
"#;

#[test]
fn implementations_report_their_own_end_and_interop_pairs_are_taken_in_turn() {
    let python = Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|o| o.status.success()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // `{root}` is this file's own placeholder; `{host}` and `{port}` are the matrix's.
    let text = MATRIX.replace("{root}", env!("CARGO_MANIFEST_DIR"));
    let file = dir.path().join("class.toml");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(["matrix", file.to_str().unwrap(), "--no-timings", "--out"])
        .arg(dir.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("matrix.json")).unwrap())
            .unwrap();
    let columns = |suite: &str| -> Vec<String> {
        let grid = json["grids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["suite"] == suite)
            .unwrap_or_else(|| panic!("no {suite} grid"));
        grid["implementations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(columns("server"), ["polling", "threaded"]);
    assert_eq!(
        columns("interop"),
        [
            "reference client × polling",
            "clean stand-in × threaded",
            "renames as text × polling",
        ],
        "one server per client, taken in turn"
    );

    // One line per implementation, with its own count of cells.
    let mut finished: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("matrix: ") && l.contains(" finished: "))
        .collect();
    finished.sort();
    let expected = [
        ("clean stand-in", 1),
        ("clean stand-in × threaded", 1),
        ("polling", 2),
        ("reference client", 1),
        ("reference client × polling", 1),
        ("renames as text", 1),
        ("renames as text × polling", 1),
        ("threaded", 2),
    ];
    assert_eq!(finished.len(), expected.len(), "{stderr}");
    for (line, (name, cells)) in finished.iter().zip(expected) {
        let head = format!("matrix: {name} finished: {cells} cells, 0 unexpected, at ");
        assert!(line.starts_with(&head), "{line:?} should start {head:?}");
        assert!(line.ends_with(" of 10 cells done)"), "{line}");
    }
    assert!(!stderr.contains(" stopped: "), "{stderr}");
}
