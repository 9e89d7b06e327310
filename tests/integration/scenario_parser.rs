//! The `.chat` parser: what statements become, and errors located to the character.

use std::path::Path;

use chat_harness::language::model::{
    Action, BodySource, Expectation, FrameMatch, Part, TextPattern,
};
use chat_harness::protocol::ClientFrame;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::{parse_str, ParseError, Scenario};

fn parse(text: &str) -> Scenario {
    parse_str(text, Path::new("t.chat")).unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> ParseError {
    match parse_str(text, Path::new("t.chat")) {
        Ok(s) => panic!("expected an error, parsed {:?}", s.steps),
        Err(e) => e,
    }
}

#[test]
fn header_and_statements() {
    let s = parse(
        "# comment\ndescription: Two clients chat.\ntags: core text\ntimeout: 3s\n\
         connect alice bob   # both\nalice> auth alice 10800\nalice< auth-ok\n\
         bob> auth \"bob\"\nalice< notice /bob/ within 500ms\npause 10ms\nreset bob\n",
    );
    assert_eq!(s.description.as_deref(), Some("Two clients chat."));
    assert_eq!(s.tags, ["core", "text"]);
    assert_eq!(s.timeout, Some(std::time::Duration::from_secs(3)));
    let lines: Vec<usize> = s.steps.iter().map(|st| st.line).collect();
    assert_eq!(lines, [5, 5, 6, 7, 8, 9, 10, 11]);
    let Action::Send(send) = &s.steps[2].action else {
        panic!()
    };
    assert!(matches!(&send.parts[..], [Part::Frame(f)] if *f == ClientFrame::auth("alice", 10800)));
    let Action::Send(send) = &s.steps[4].action else {
        panic!()
    };
    assert!(
        matches!(
            &send.parts[..],
            [Part::Frame(ClientFrame::Auth { offset: None, .. })]
        ),
        "no offset"
    );
    let Action::Expect(e) = &s.steps[5].action else {
        panic!()
    };
    assert_eq!(e.timeout, Some(std::time::Duration::from_millis(500)));
    assert_eq!(s.steps[3].source, "alice< auth-ok");
}

#[test]
fn segmentation_alternatives_and_raw_bytes() {
    let s = parse(
        "connect a\na> auth a 0; text \"hi\"; raw 00 02 09 \"z\" ff*2 chunk 3 split-at 1,4 pause 5ms\n\
         a< reply * then closed or closed strict-wording\na< eventually text \"{time} a connected\"\n",
    );
    let Action::Send(send) = &s.steps[1].action else {
        panic!()
    };
    assert_eq!(send.parts.len(), 3);
    assert!(matches!(&send.parts[2], Part::Raw(b) if b == &[0, 2, 9, b'z', 0xff, 0xff]));
    assert_eq!(send.chunking.chunk, Some(3));
    assert_eq!(send.chunking.split_at, [1, 4]);
    assert_eq!(send.chunking.pause, std::time::Duration::from_millis(5));
    let Action::Expect(e) = &s.steps[2].action else {
        panic!()
    };
    assert_eq!(e.alternatives.len(), 2);
    assert_eq!(e.alternatives[0].len(), 2);
    assert!(e.strict_wording && !e.eventually);
    let Action::Expect(e) = &s.steps[3].action else {
        panic!()
    };
    assert!(e.eventually);
    assert!(matches!(
        &e.alternatives[0][0],
        Expectation::Frame(FrameMatch::Text(TextPattern::Exact { timed: true, body })) if body == "a connected"
    ));
}

#[test]
fn repeat_unrolls_with_the_iteration_and_continuations_join() {
    let s = parse(
        "connect a\nrepeat 3 {\n  a> text \"m{i}\"\n  repeat 2 {\n    a> text \"inner {i}\"\n  }\n}\n\
         a> text \"x\" * 3 \\\n   \"y\"\n",
    );
    let texts: Vec<String> = s
        .steps
        .iter()
        .filter_map(|st| match &st.action {
            Action::Send(send) => match &send.parts[0] {
                Part::Frame(ClientFrame::Text(t)) => Some(t.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        [
            "m1", "inner 1", "inner 2", "m2", "inner 1", "inner 2", "m3", "inner 1", "inner 2",
            "xxxy"
        ]
    );
    assert_eq!(s.steps[1].iteration, Some(1));
    assert_eq!(s.steps.last().map(|st| st.line), Some(8));
}

#[test]
fn files_come_from_a_files_folder_beside_or_above() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("files")).unwrap();
    std::fs::create_dir_all(dir.path().join("deep/er")).unwrap();
    std::fs::write(dir.path().join("files/f.bin"), b"12345").unwrap();
    let path = dir.path().join("deep/er/s.chat");
    let s = parse_str(
        "connect a\na> file \"f.bin\" caption \"hi\"\na< file from b body \"f.bin\"\na> file generated 2KiB as \"g\"\n",
        &path,
    )
    .unwrap();
    let Action::Send(send) = &s.steps[1].action else {
        panic!()
    };
    assert!(
        matches!(&send.parts[0], Part::Frame(ClientFrame::File(h)) if h.size == 5 && h.filename == "f.bin")
    );
    assert!(
        matches!(&send.parts[1], Part::Body(BodySource::File(p)) if p.ends_with("files/f.bin"))
    );
    let Action::Expect(e) = &s.steps[2].action else {
        panic!()
    };
    assert!(
        matches!(&e.alternatives[0][0], Expectation::Frame(FrameMatch::File(f)) if f.size == Some(5))
    );
    let Action::Send(send) = &s.steps[3].action else {
        panic!()
    };
    assert!(matches!(
        &send.parts[1],
        Part::Body(BodySource::Generated(2048))
    ));
    let missing = parse_str("connect a\na> file \"nope.txt\"\n", &path).unwrap_err();
    assert_eq!((missing.line, missing.col), (2, 9), "{missing}");
}

#[test]
fn errors_point_at_the_line_and_column() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("connect a\na> txt \"x\"\n", 2, 4, "cannot send `txt`"),
        ("connect a\nb> text \"x\"\n", 2, 1, "unknown client `b`"),
        (
            "connect a\na> text \"never closed\n",
            2,
            9,
            "unterminated string",
        ),
        ("connect a\na> text \"bad \\q\"\n", 2, 14, "unknown escape"),
        (
            "connect a\na< nothing for 3 parsecs\n",
            2,
            16,
            "not a duration",
        ),
        ("connect a\nrepeat 2 {\n  a> exit\n", 2, 10, "never closed"),
        ("connect a\n}\n", 2, 1, "closes no block"),
        ("connect a\na< reply /(unclosed/\n", 2, 10, "invalid regex"),
        ("connect a\na> raw 0a0\n", 2, 8, "pairs of digits"),
        ("connect a\na< text \"x {time}\"\n", 2, 9, "may only start"),
        (
            "connect a\na> text \"x\" slowly\n",
            2,
            13,
            "unknown send option",
        ),
        (
            "connect a\na> auth a 99999999999\n",
            2,
            11,
            "not a valid offset",
        ),
        ("connect a\na< chat alice \"x\"\n", 2, 9, "expected `from`"),
        ("timeout: soon\n", 1, 10, "not a duration"),
        ("frobnicate a\n", 1, 1, "unknown statement"),
        ("connect a\na> text \"\\xff\"\n", 2, 9, "not valid UTF-8"),
        (
            "connect a\na< reply * within\n",
            2,
            18,
            "expected a duration",
        ),
    ];
    for (text, line, col, message) in cases {
        let e = error(text);
        assert_eq!((e.line, e.col), (*line, *col), "{text:?}: {e}");
        assert!(e.message.contains(message), "{text:?}: {e}");
    }
}

#[test]
fn errors_display_as_file_line_col_with_the_line_and_a_caret() {
    let e = error("connect alice\nalice> text \"hi\" sideways\n");
    assert_eq!(
        e.to_string(),
        "t.chat:2:18: unknown send option `sideways` (chunk, split-at, pause, within)\n  |\n2 | alice> text \"hi\" sideways\n  |                  ^"
    );
}

#[test]
fn hostile_scenario_files_are_refused_not_obeyed() {
    assert!(error("connect a\nrepeat 100001 {\n}\n")
        .message
        .contains("at most"));
    let blowup = "connect a\nrepeat 1000 {\nrepeat 1000 {\na> exit\n}\n}\n";
    assert!(error(blowup).message.contains("more than"));
    assert!(error("connect a\na> text \"x\" * 99999999999\n")
        .message
        .contains("64 MiB"));
    for garbage in ["\u{0}\u{1}>>", "a<", ">", "connect\n", "{", "\"", "/"] {
        let _ = parse_str(garbage, Path::new("g.chat"));
    }
}

#[test]
fn expectations_match_ids_and_path_suffixes() {
    let e = KnownFailures::parse(
        "# known\nframing/*: one frame per recv\nauth/without-offset: needs it # why\n",
    )
    .unwrap();
    assert_eq!(e.reason("framing/byte-by-byte"), Some("one frame per recv"));
    assert_eq!(e.reason("scenarios/auth/without-offset"), Some("needs it"));
    assert_eq!(e.reason("auth/accepted"), None);
    assert_eq!(
        e.unused(&["auth/accepted"]),
        ["framing/*", "auth/without-offset"]
    );
    let bad = KnownFailures::parse("ok: fine\njust words\n").unwrap_err();
    assert_eq!(bad.line, 2);
}

#[test]
fn reading_paces() {
    let s = parse("connect bob\nread-slowly bob 2MB per 1s\npause-reading bob 1500ms\n");
    assert!(matches!(
        &s.steps[1].action,
        Action::ReadSlowly { client, bytes: 2_000_000, per }
            if client == "bob" && *per == std::time::Duration::from_secs(1)
    ));
    assert!(matches!(
        &s.steps[2].action,
        Action::PauseReading(client, d) if client == "bob" && *d == std::time::Duration::from_millis(1500)
    ));
    let e = error("connect bob\nread-slowly bob 2MB 1s\n");
    assert!(e.to_string().contains("expected `per`"), "{e}");
    let e = error("connect bob\nread-slowly bob 0 per 1s\n");
    assert!(e.to_string().contains("above zero"), "{e}");
    let e = error("connect bob\npause-reading carol 1s\n");
    assert!(e.to_string().contains("unknown client `carol`"), "{e}");
}

#[test]
fn settle_waits_the_default_settle_time_or_the_given_one() {
    use chat_harness::language::model::SETTLE;
    use std::time::Duration;
    let s = parse("connect alice\nsettle\nsettle 1s\n");
    assert!(matches!(s.steps[1].action, Action::Pause(d) if d == SETTLE));
    assert!(matches!(s.steps[2].action, Action::Pause(d) if d == Duration::from_secs(1)));
    assert_eq!(s.steps[1].source, "settle");
    let e = error("settle soon\n").to_string();
    assert!(e.contains("t.chat:1:8"), "{e}");
}
