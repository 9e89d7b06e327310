//! The timeline keeps the rows that are evidence past its usual window: a server that relays
//! a text too long for a frame, with its length wrapped, fails the sender's step; the
//! receiver's undecodable frames (the proof of the wrapped length) are the other client's
//! arrivals, which the window leaves out, yet the report shows them; the JSON report names
//! the same entries as evidence. (The gap lines between kept rows are checked on a made-up
//! log in `src/report/human/timeline_tests.rs`: here where bob's frames fall depends on
//! timing.)

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::faulty::{Fault, FaultyProvider};
use crate::hint_accuracy::human_report;
use crate::support::execute;
use chat_harness::report::Style;
use chat_harness::scenario::command::{Format, RunConfig};
use chat_harness::server_seat::RunSettings;

const SCENARIO: &str = "scenarios/text/overlong-by-one.chat";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_frames_after_a_wrapped_length_are_shown_outside_the_window() {
    let report = human_report(Fault::RelaysOverlong, PathBuf::from(SCENARIO)).await;
    let timeline: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with("  hint:"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    // Four undecodable frames: three empty ones (a run, shown first and last) and the rest.
    let undecodable: Vec<&&str> = timeline
        .iter()
        .filter(|l| l.contains(" bob ") && l.contains("< undecodable frame"))
        .collect();
    assert_eq!(undecodable.len(), 2, "{report}");
    assert!(
        timeline.iter().any(|l| l.ends_with("... ×2 more like it")),
        "{report}"
    );
    let start = timeline
        .iter()
        .find(|l| l.contains("---- the failing step (line 14) starts"))
        .expect("the failing step's line");
    assert!(!start.contains("later"), "nothing hides behind it: {start}");
    // The hint's row: the overlong text sent.
    assert!(
        timeline
            .iter()
            .any(|l| l.contains("alice  > 0x03 text") && l.ends_with("(65519 bytes in all)")),
        "{report}"
    );

    // The JSON report names the same entries as evidence: the four undecodable frames and
    // the text the hint is about.
    let config = RunConfig {
        paths: vec![PathBuf::from(SCENARIO)],
        provider: Arc::new(FaultyProvider(Fault::RelaysOverlong)),
        target_description: "relays overlong".into(),
        jobs: 1,
        filter: None,
        tags: Vec::new(),
        known_failures: Default::default(),
        settings: RunSettings {
            default_timeout: Duration::from_millis(500),
            ..RunSettings::default()
        },
        format: Format::Json,
        junit: None,
        style: Style { timings: true },
        retries: Default::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(execute(config, &mut out, &mut err).await, 1);
    let line = String::from_utf8_lossy(&out)
        .lines()
        .find(|l| l.contains("\"type\":\"scenario\""))
        .map(str::to_owned)
        .expect("the scenario's line");
    let value: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    let entries = value["timeline"]["entries"].as_array().expect("entries");
    let evidence: Vec<&serde_json::Value> = value["timeline"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|i| &entries[i.as_u64().expect("an index") as usize])
        .collect();
    let texts: Vec<&str> = evidence.iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.starts_with("< undecodable frame"))
            .count(),
        4,
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.ends_with("(65519 bytes in all)")),
        "{texts:?}"
    );
}
