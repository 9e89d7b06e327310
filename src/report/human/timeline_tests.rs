//! The timeline's window with evidence kept past it, on a made-up log.

use std::sync::Arc;
use std::time::Duration;

use super::render;
use crate::record::{Entry, EntryKind, Got, Mark, Sent, TimelineLog};

fn entry(ms: u64, client: &str, kind: EntryKind, text: &str) -> Entry {
    Entry {
        at: Duration::from_millis(ms),
        client: Arc::from(client),
        kind,
        bytes: 3,
        text: text.to_owned(),
        message: None,
    }
}

fn sent(ms: u64, client: &str, text: &str) -> Entry {
    let kind = EntryKind::Sent {
        what: Sent::Text,
        write: None,
    };
    entry(ms, client, kind, text)
}

fn got(ms: u64, client: &str, got: Got, text: &str) -> Entry {
    entry(ms, client, EntryKind::Received { got }, text)
}

/// alice talks, bob hears an undecodable frame early on, then alice's failing step.
fn log() -> TimelineLog {
    let mut entries = Vec::new();
    entries.push(got(1, "bob", Got::Malformed, "> undecodable frame (early)"));
    for i in 0..8 {
        entries.push(sent(10 + i, "alice", &format!("> text {i}")));
        entries.push(got(10 + i, "bob", Got::Chat, &format!("< chat {i}")));
    }
    entries.push(got(30, "bob", Got::Malformed, "< undecodable frame (late)"));
    TimelineLog {
        entries,
        dropped: 0,
        writes: Vec::new(),
    }
}

#[test]
fn without_evidence_the_window_alone_is_shown() {
    let log = log();
    let mark = Mark {
        at: Duration::from_millis(18),
        entry: 17,
    };
    let text = render(&log, Some(mark), 9, Some("alice"), false, &[]);
    assert!(!text.contains("undecodable"), "{text}");
    assert!(!text.contains('…'), "{text}");
}

#[test]
fn evidence_rows_are_kept_with_the_gaps_between_kept_rows_counted() {
    let log = log();
    let mark = Mark {
        at: Duration::from_millis(18),
        entry: 17,
    };
    let text = render(&log, Some(mark), 9, Some("alice"), false, &[0, 17]);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let early = lines
        .iter()
        .position(|l| l.ends_with("(early)"))
        .expect("the early evidence");
    let late = lines
        .iter()
        .position(|l| l.ends_with("(late)"))
        .expect("the late evidence");
    let step = lines
        .iter()
        .position(|l| l.starts_with("---- the failing step (line 9) starts"))
        .expect("the step's line");
    assert!(early < step && step < late, "{text}");
    // Between the early frame and alice's last three texts: 10 entries left out.
    assert_eq!(lines[early + 1], "… 10 entries not shown", "{text}");
    assert!(
        lines[step].contains("; 13 earlier entries not shown"),
        "{text}"
    );
}
