//! The human report's account of a failure's cause, against servers with a student's faults
//! (`tests/python/causes_server.py`, `tests/python/original_server.py`): frames of one write
//! relayed as one message, the newcomer race in the timeline, a stalled reader with the numbers
//! pushed, and a crash whose traceback comes before the teardown noise (snapshots).

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

/// The human report of one fixture of `tests/fixtures/causes` against `server`.
async fn report(fixture: &str, server: &str) -> (u8, String) {
    report_as(fixture, server, Format::Human, false).await
}

async fn report_as(fixture: &str, server: &str, format: Format, timings: bool) -> (u8, String) {
    let target = Target::spawn(server, Duration::from_secs(10), None).unwrap();
    let config = RunConfig {
        paths: vec![PathBuf::from(format!(
            "tests/fixtures/causes/{fixture}.chat"
        ))],
        target_description: target.describe(),
        provider: Arc::new(target),
        jobs: 1,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::default(),
        settings: RunSettings::default(),
        format,
        junit: None,
        style: Style { timings },
        retries: Default::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute(config, &mut out, &mut err).await;
    let text = String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap();
    (code, text)
}

/// The report's snapshot, its timeline settled, with the time of day and Python's file paths
/// filtered, and then `filters`.
fn snapshot(name: &str, text: &str, filters: &[(&str, &str)]) {
    let mut all = vec![
        (r"<\d\d:\d\d>", "<HH:MM>"),
        (r#"File "[^"]*/([^/"]+)""#, r#"File "[DIR]/$1""#),
    ];
    all.extend_from_slice(filters);
    crate::support::snapshot(name, &crate::support::settle_timeline(text), &all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_of_one_write_relayed_as_one_message_are_named_with_the_write() {
    if !python() {
        return;
    }
    let (code, text) = report(
        "merged-write",
        "python3 tests/python/causes_server.py {port} merge",
    )
    .await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("alice's frames 2–11 were sent in one write (41 bytes); the server relayed them as one message"),
        "{text}"
    );
    assert!(
        text.contains("> one write: 10 frames, 41 bytes (frames 2–11)"),
        "{text}"
    );
    assert!(text.contains("see PROTOCOL.md \"Pitfalls\", 2"), "{text}");
    snapshot("causes_merged_write", &text, &[(r"\(\d+ ms\)", "([T])")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_newcomer_race_shows_in_one_timeline_across_clients() {
    if !python() {
        return;
    }
    let (code, text) = report(
        "newcomer-race",
        "python3 tests/python/original_server.py {port}",
    )
    .await;
    assert_eq!(code, 1, "{text}");
    // In time order, across clients: alice's auth, then bob receives her notice before he
    // even sends his own auth.
    let at = |what: &[&str]| {
        text.lines()
            .position(|l| l.contains(" ms  ") && what.iter().all(|w| l.contains(w)))
            .unwrap_or_else(|| panic!("no timeline entry with {what:?}\n{text}"))
    };
    let alice_auth = at(&["alice", "> 0x00 auth"]);
    let notice = at(&["bob", "< 0x03 text", "alice connected"]);
    let bob_auth = at(&["bob", "> 0x00 auth"]);
    assert!(alice_auth < notice && notice < bob_auth, "{text}");
    // bob had not even sent his auth: a join told to an unauthenticated socket (13), not
    // the newcomer race (11), although the step waited for his auth-ok.
    assert!(text.contains("see PROTOCOL.md \"Pitfalls\", 13"), "{text}");
    // Whether bob's own auth-ok is recorded before the run stops (and before or after the
    // failing step starts) is the scheduler's: the line is left out of the snapshot, and so
    // is the count of earlier entries it may join (alice's `bob connected` races the same
    // way: 1 or 2 entries before the step on a loaded machine).
    snapshot(
        "causes_newcomer_race",
        &text,
        &[
            (r"\(\d+ ms\)", "([T])"),
            (r"(?m)^ +\[ms\]  bob +< 0x00 auth-ok .*\n", ""),
            (
                r"; \d+ earlier entries not shown",
                "; [N] earlier entries not shown",
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_reader_failure_states_the_bytes_pushed_and_the_limit_assumed() {
    if !python() {
        return;
    }
    let (code, text) = report(
        "stalled-reader",
        "python3 tests/python/causes_server.py {port} block",
    )
    .await;
    assert_eq!(code, 1, "{text}");
    let numbers = text
        .lines()
        .find(|l| l.starts_with("  numbers:  carol stopped reading at "))
        .expect(&text);
    assert!(
        numbers.contains("well below 20 MB (PROTOCOL.md §7)"),
        "{numbers}"
    );
    // Runs of 60 kB texts are collapsed, not listed.
    assert!(text.contains("more like it"), "{text}");
    assert!(text.lines().count() < 40, "{text}");
    // How far the flood got depends on the kernel's socket buffers.
    snapshot(
        "causes_stalled_reader",
        &text,
        &[
            (r"\(\d+ ms\)", "([T])"),
            (r"[\d.]+ [kM]?B in \d+ frames", "[N] in [N] frames"),
            (
                r"received [\d.]+ [kM]?B|received \d+ bytes?",
                "received [N]",
            ),
            (r"round \d+", "round [i]"),
            (r"iteration \d+", "iteration [i]"),
            (r"×\d+", "×[N]"),
            (r"\d+ earlier entries", "[N] earlier entries"),
            (r"\d+ later entries", "[N] later entries"),
            (
                r"skipped \d+ frames?, [\d.]+ [kM]?B",
                "skipped [N] frames, [N]",
            ),
            (r"frames \d+–\d+", "frames [a]–[b]"),
            (r"at \d+ ms", "at [T]"),
            // The rounds before, and what bob still got while he waited, vary with them too (and
            // bob's receipts interleave with alice's sends as the scheduler has it).
            (
                r"(?s)(  hint:[^\n]*\n).*(    ---- the failing step \(line \d+\) starts[^\n]*----\n).*",
                "${1}[the last rounds]\n${2}[what bob got while he waited]\n",
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_shows_its_traceback_whole_and_the_teardown_noise_as_such() {
    if !python() {
        return;
    }
    let (code, text) = report(
        "crash-with-noise",
        "python3 tests/python/causes_server.py {port} crash",
    )
    .await;
    assert_eq!(code, 1, "{text}");
    let cause = text
        .find("| ValueError: cannot handle 'boom'")
        .expect(&text);
    let noise = text.find("(a connection error").expect(&text);
    assert!(cause < noise, "the cause comes first\n{text}");
    assert!(
        text.contains("| Traceback (most recent call last):"),
        "{text}"
    );
    snapshot(
        "causes_crash_with_noise",
        &text,
        &[
            (r"\(\d+ ms\)", "([T])"),
            (
                r"(BrokenPipeError|ConnectionResetError): \[Errno \d+\] [A-Za-z ]+",
                "[connection error]",
            ),
            (r"exit status: \d+", "exit status: [N]"),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_keeps_the_whole_timeline_and_the_write_groups() {
    if !python() {
        return;
    }
    let (code, text) = report_as(
        "merged-write",
        "python3 tests/python/causes_server.py {port} merge",
        Format::Json,
        true,
    )
    .await;
    assert_eq!(code, 1, "{text}");
    let scenario: serde_json::Value =
        serde_json::from_str(text.lines().next().expect(&text)).unwrap();
    let timeline = &scenario["timeline"];
    let entries = timeline["entries"].as_array().expect(&text);
    // Every frame sent and received, each with its time: auth and auth-ok for both clients,
    // ten texts, and what bob received.
    let sent = entries.iter().filter(|e| e["kind"] == "sent").count();
    assert_eq!(sent, 12, "{timeline}");
    assert!(entries.iter().all(|e| e["ms"].is_u64()), "{timeline}");
    let write = &timeline["writes"][0];
    assert_eq!(write["frames"], 10, "{timeline}");
    assert_eq!(write["first_frame"], 2, "{timeline}");
    assert_eq!(
        write["texts"].as_array().map(Vec::len),
        Some(10),
        "{timeline}"
    );
    assert!(
        timeline["failing_step_starts"]["entry"].is_u64(),
        "{timeline}"
    );
}
