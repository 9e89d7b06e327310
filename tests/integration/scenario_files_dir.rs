//! `--spawn '... {files}'`: a server that writes an upload outside its files directory
//! (`tests/python/naive_files_server.py`, which trusts the peer's filename) is caught, so is one
//! that stores a body that was not sent; the reference server, given the directory, passes
//! the file scenarios with its uploads kept.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chat_harness::report::Style;
use chat_harness::scenario::command::{Format, RunConfig};

use crate::support::execute;
use crate::support::python;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

async fn run(command: &str, paths: &[&str]) -> (u8, String) {
    let target = Target::spawn(command, Duration::from_secs(10), None).unwrap();
    let config = RunConfig {
        paths: paths.iter().map(PathBuf::from).collect(),
        target_description: target.describe(),
        provider: Arc::new(target),
        jobs: 2,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::default(),
        settings: RunSettings::default(),
        format: Format::Human,
        junit: None,
        style: Style { timings: false },
        retries: Default::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(config, &mut out, &mut err).await;
    let text = String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap();
    (code, text)
}

const NAIVE: &str = "python3 tests/python/naive_files_server.py {port} {files}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_writing_outside_its_files_directory_is_caught() {
    if !python() {
        eprintln!("python3 is not installed: skipping the naive files server");
        return;
    }
    let (code, text) = run(NAIVE, &["tests/fixtures/files_dir"]).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAIL    files_dir/climbs-out  -- line 7: the server's files directory holds what the scenario did not send: written outside the files directory: ROOT/a/b/escaped.txt"),
        "{text}"
    );
    assert!(
        text.contains(
            "--- FAIL files_dir/climbs-out  tests/fixtures/files_dir/climbs-out.chat:7: (files directory, after line 7)"
        ),
        "{text}"
    );
    // The same server storing a well-named upload byte for byte passes.
    assert!(text.contains("ok      files_dir/stores-a-file"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_file_that_matches_nothing_sent_is_caught() {
    if !python() {
        eprintln!("python3 is not installed: skipping the naive files server");
        return;
    }
    let command = format!("{NAIVE} --mangle");
    let (code, text) = run(&command, &["tests/fixtures/files_dir/stores-a-file.chat"]).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("stored file note.txt (11 bytes) matches no file body the scenario sent"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_given_the_directory_passes_the_file_scenarios() {
    let command = format!(
        "{} serve --listen 127.0.0.1:{{port}} --files-dir {{files}} --keep-uploads",
        env!("CARGO_BIN_EXE_chat-harness")
    );
    let (code, text) = run(&command, &["scenarios/file"]).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
}
