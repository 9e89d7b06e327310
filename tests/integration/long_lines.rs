//! Long texts cut in the text report: on the lab-style server, whose relays of a 65 518-byte
//! text and a long file caption come back cut or whole, no report line runs past 300
//! characters, and two long texts compared say where they first differ.

use crate::support::{harness, python};

#[test]
fn no_report_line_is_over_300_characters_and_long_texts_say_where_they_differ() {
    if !python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let out = harness(&[
        "run",
        "--spawn",
        "python3 tests/python/original_server.py {port}",
        "-j",
        "3",
        "file/header-too-long-to-relay",
        "text/longest-relayable",
        "text/overlong-by-one",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 300,
            "a line of {} characters: {}",
            line.chars().count(),
            &line[..line.char_indices().nth(200).map_or(line.len(), |(i, _)| i)]
        );
    }
    assert!(
        text.contains("first difference at character 1021: "),
        "{text}"
    );
    assert!(text.contains("characters in all)"), "{text}");
}
