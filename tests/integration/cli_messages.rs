//! What the binary says to a user who made a small mistake: each cause said once, help that
//! names files the repository has, and values spelled as they are typed.

use std::net::TcpListener;
use std::process::{Command, Output};

fn chat_harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(args)
        .output()
        .expect("the binary starts")
}

/// A loopback port on which nothing listens: bound, then released.
fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    port
}

#[test]
fn a_refused_connection_is_said_once() {
    let target = format!("127.0.0.1:{}", dead_port());
    for args in [
        vec!["bench", "--target", &target, "-n", "1", "-m", "10"],
        vec!["client", "--name", "alice", "--connect", &target],
    ] {
        let out = chat_harness(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.matches("Connection refused").count(),
            1,
            "{args:?}: the cause once, not repeated by each layer: {stderr}"
        );
    }
}

#[test]
fn a_missing_matrix_file_names_the_file_and_the_cause_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope.toml");
    let out = chat_harness(&["matrix", missing.to_str().expect("utf-8 path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nope.toml"), "{stderr}");
    assert_eq!(stderr.matches("No such file").count(), 1, "{stderr}");
}

#[test]
fn help_texts_cite_what_the_repository_has() {
    let fuzz = chat_harness(&["fuzz", "--help"]);
    let fuzz = String::from_utf8_lossy(&fuzz.stdout);
    assert!(!fuzz.contains("PROTOCOL-NOTES"), "{fuzz}");
    assert!(fuzz.contains("docs/PROTOCOL.md"), "{fuzz}");
    let bench = chat_harness(&["bench", "--help"]);
    let bench = String::from_utf8_lossy(&bench.stdout);
    let run = chat_harness(&["run", "--help"]);
    let run = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.contains("[default: 4 per CPU, 4 to 16"),
        "-j default: {run}"
    );
    assert!(
        !bench.contains("A line per scenario"),
        "bench reports no scenarios: {bench}"
    );
}

#[test]
fn the_fuzz_profile_is_printed_as_it_is_typed() {
    let findings = tempfile::tempdir().expect("temp dir");
    for profile in ["core", "robust"] {
        let out = chat_harness(&[
            "fuzz",
            "--profile",
            profile,
            "--sessions",
            "1",
            "--out",
            findings.path().to_str().expect("utf-8 path"),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains(&format!(", profile {profile}\n")),
            "{stderr}"
        );
    }
}

#[test]
fn a_mistyped_tag_is_refused_with_the_tag_meant() {
    let out = chat_harness(&["run", "auth/accepted", "--tag", "corr"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no scenario has the tag `corr` (did you mean `core`?)"),
        "{stderr}"
    );
}

#[test]
fn a_mistyped_expect_entry_is_answered_with_the_id_meant() {
    let dir = tempfile::tempdir().expect("temp dir");
    let expect = dir.path().join("known.txt");
    std::fs::write(&expect, "auth/acepted: a typo of the id\n").expect("write expect file");
    let out = chat_harness(&[
        "run",
        "auth/accepted",
        "--expect",
        expect.to_str().expect("utf-8 path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "`auth/acepted` matches no scenario that ran (did you mean `auth/accepted`?)"
        ),
        "{stdout}"
    );
}

#[test]
fn the_files_matrix_writes_by_default_are_ignored_by_git() {
    let ignore = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.gitignore"))
        .expect(".gitignore");
    for written in ["/matrix.html", "/matrix.json"] {
        assert!(ignore.lines().any(|l| l.trim() == written), "{written}");
    }
}
