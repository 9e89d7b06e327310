//! The `run --html` page carries what the text report has: on the lab-style server
//! (`tests/python/original_server.py`) every hint the text report gives and its per-tag counts,
//! read back with an HTML parser; the "probably one cause" groups folded under a heading.

use crate::support::{harness, python, texts};

/// Failing scenarios of the lab-style server with five different hints, and a passing one.
const SCENARIOS: [&str; 8] = [
    "auth/unauthenticated-get-nothing",
    "auth/without-offset",
    "auth/offset-not-a-number",
    "hostile/invalid-utf8",
    "framing/many-frames-one-write",
    "text/before-auth",
    "file/slow-body",
    "text/relay-to-others",
];

#[test]
fn html_page_shows_every_hint_and_the_tag_counts_of_the_text_report() {
    if !python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let html = dir.path().join("report.html");
    let mut args = vec![
        "run",
        "--spawn",
        "python3 tests/python/original_server.py {port}",
        "-j",
        "4",
        "--html",
        html.to_str().unwrap(),
    ];
    args.extend(SCENARIOS);
    let out = harness(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the lab-style server fails some"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("wrote {} (", html.display())) && stderr.contains(" kB)"),
        "{stderr}"
    );
    let mut text_hints: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("hint:"))
        .map(|h| h.trim().to_owned())
        .collect();
    assert!(
        text_hints.len() >= 5,
        "the text report gives hints:\n{text}"
    );
    let page = std::fs::read_to_string(&html).expect("the page");
    assert!(page.len() < 5_000_000);
    let page = scraper::Html::parse_document(&page);
    let mut html_hints = texts(&page, "p.hint .hint-text");
    text_hints.sort();
    html_hints.sort();
    assert_eq!(
        html_hints, text_hints,
        "the page gives the text report's hints"
    );

    let by_tag = text
        .lines()
        .find_map(|l| l.strip_prefix("by tag:"))
        .map(str::trim)
        .expect("the text report's per-tag counts");
    assert_eq!(texts(&page, ".by-tag"), [by_tag]);
    // Every failure has its diagram inline; a tag filter lists the scenarios' tags.
    let failing = texts(&page, "details.result.k-fail, details.result.k-timeout").len();
    assert!(failing >= 7, "{failing}");
    assert_eq!(texts(&page, "details.diagram svg.sequence").len(), failing);
    let tag_boxes = texts(&page, ".filter input[data-by=tag]").len();
    assert!(tag_boxes >= 3, "{tag_boxes}");
}
