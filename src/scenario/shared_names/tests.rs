//! The shared-names rewrite on parsed scenarios: names renamed everywhere they appear, raw
//! bytes that hold a name keep them all.

use super::*;
use crate::scenario::parse_str;

fn renamed(text: &str) -> (Scenario, Vec<(String, String)>) {
    let scenario = parse_str(text, std::path::Path::new("s.chat")).expect("parses");
    rename(&scenario, "-x1")
}

#[test]
fn names_are_swapped_in_frames_and_expectations_but_not_in_messages() {
    let (s, names) = renamed(
        "connect alice\nalice> auth alice 0\nalice< auth-ok\nconnect bob\nbob> auth bob 0\nbob< auth-ok\nalice< notice \"bob connected\"\nbob> text \"hi alice\"\nalice< chat from bob \"hi alice\"\nalice> rename-raw \">>chname<<  carol the great\"\nbob< notice /\\[alice\\].*\\bcarol\\b/\n",
    );
    assert_eq!(
        names,
        [
            ("alice".to_owned(), "alice-x1".to_owned()),
            ("bob".to_owned(), "bob-x1".to_owned()),
            ("carol".to_owned(), "carol-x1".to_owned())
        ]
    );
    let shown: Vec<&str> = s.steps.iter().map(|s| s.source.as_str()).collect();
    assert!(
        shown.contains(&"alice> auth alice 0"),
        "as written: {shown:?}"
    );
    let Action::Send(send) = &s.steps[1].action else {
        panic!("a send")
    };
    assert!(
        matches!(&send.parts[0], Part::Frame(ClientFrame::Auth { name, .. }) if name == "alice-x1")
    );
    let Action::Send(text) = &s.steps[7].action else {
        panic!("a send")
    };
    assert!(matches!(&text.parts[0], Part::Frame(ClientFrame::Text(t)) if t == "hi alice"));
    let Action::Expect(chat) = &s.steps[8].action else {
        panic!("an expectation")
    };
    let Expectation::Frame(FrameMatch::Chat { sender, message }) = &chat.alternatives[0][0] else {
        panic!("a chat line")
    };
    assert!(sender.matches("bob-x1") && message.matches("hi alice"));
    let Action::Expect(notice) = &s.steps[10].action else {
        panic!("an expectation")
    };
    let Expectation::Frame(FrameMatch::Notice(m)) = &notice.alternatives[0][0] else {
        panic!("a notice")
    };
    assert!(m.matches("User [alice-x1] changed username to [carol-x1]"));
}

#[test]
fn names_that_are_the_point_of_the_scenario_stay() {
    let (_, names) = renamed(
        "connect alice\nalice> auth \"[alice]\" 0\nalice< reply *\nalice> auth \"al\\xc2\\xa0ice\" 0\nalice< reply *\nalice> auth \"abcdefghijklmnopqrstuvwxyz01234\" 0\nalice< auth-ok\n",
    );
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_name_inside_raw_bytes_keeps_the_scenarios_names() {
    // `raw` holds a rename frame `>>chname<< b1`: renaming b1 elsewhere would free the
    // name the raw frame asks for, and a fuzz finding would no longer reproduce.
    let (_, used) = renamed(
        "connect b1\nconnect x2\nb1> auth \"b1\" 0\nb1< auth-ok\nx2> auth \"x\" 0; raw 000e043e3e63686e616d653c3c206231\n",
    );
    assert!(used.is_empty(), "{used:?}");
    let (_, used) = renamed("connect b1\nb1> auth \"b1\" 0\nb1> raw 0003ffffff\n");
    assert_eq!(
        used.len(),
        1,
        "raw bytes without a name change nothing: {used:?}"
    );
}

#[test]
fn a_scenario_about_the_longest_relayable_text_keeps_its_names() {
    let (_, names) = renamed(&format!(
        "connect alice\nalice> auth alice 0\nalice< auth-ok\nalice> text \"{}\"\n",
        "x".repeat(65_518)
    ));
    assert!(names.is_empty(), "{names:?}");
    let (_, names) = renamed(&format!(
        "connect alice\nalice> auth alice 0\nalice< auth-ok\nalice> text \"{}\"\n",
        "x".repeat(60_000)
    ));
    assert_eq!(names.len(), 1);
}

#[test]
fn a_scenario_about_the_longest_relayable_file_header_keeps_its_names() {
    let upload = |caption_len: usize| {
        renamed(&format!(
            "connect alice\nalice> auth alice 0\nalice< auth-ok\nalice> file-header \"f.bin\" size 3 caption \"{}\" ; body generated 3\n",
            "c".repeat(caption_len)
        ))
        .1
    };
    assert!(upload(65_508).is_empty());
    assert_eq!(upload(60_000).len(), 1);
}

#[test]
fn core_scenarios_run_first_on_a_shared_server() {
    let entry = |id: &str, tags: &str| Entry {
        id: id.to_owned(),
        scenario: std::sync::Arc::new(
            parse_str(
                &format!("tags: {tags}\nconnect a\n"),
                std::path::Path::new("s.chat"),
            )
            .expect("parses"),
        ),
    };
    let ordered = core_first(vec![
        entry("a/hostile", "robust"),
        entry("b/core", "core"),
        entry("c/wording", "wording"),
        entry("d/core", "core auth"),
    ]);
    let ids: Vec<&str> = ordered.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["b/core", "d/core", "a/hostile", "c/wording"]);
}

#[test]
fn suffixes_differ_by_scenario_and_attempt_and_fit_the_limit() {
    assert_ne!(suffix(0, 1), suffix(1, 1));
    assert_ne!(suffix(7, 1), suffix(7, 2));
    assert!(suffix(5000, 3).len() <= 10);
}
