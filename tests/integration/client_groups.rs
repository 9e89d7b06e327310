//! Client and interop runs group their failures by cause as server runs do: a client that
//! writes its length prefixes little-endian fails every client scenario at its auth frame and
//! every interop scenario at the peer's join notice, and both reports (text and the HTML
//! page) say so once per seat, under "probably one cause".

use crate::support::{harness, python, texts};

#[test]
fn a_client_fault_behind_many_failures_is_one_group_per_seat_in_text_and_html() {
    if !python() {
        eprintln!("python3 not found; skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let html = dir.path().join("report.html");
    let out = harness(&[
        "run",
        "scenarios/client",
        "scenarios/interop",
        "--client",
        "python3 tests/python/faulty_client.py little-endian {host} {port}",
        "--timeout",
        "1s",
        "--filter",
        "^(client/(send-text|show-notice|auth-utc)|interop/(exit|rename))$",
        "--html",
        html.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let client_group = "3 client scenarios fail at their first deviation the same way: \
                        expected the client's 0x00 auth, got nothing (timeout) -- probably one cause";
    let interop_group = "2 interop scenarios fail at their first deviation the same way: \
                         expected 0x03 notice, got nothing (timeout) -- probably one cause";
    let groups: Vec<&str> = text
        .lines()
        .filter(|l| l.ends_with("probably one cause"))
        .collect();
    assert_eq!(groups, [client_group, interop_group], "{text}");
    assert!(
        text.contains("  client/auth-utc, client/send-text, client/show-notice\n"),
        "the group names its scenarios\n{text}"
    );

    let page = std::fs::read_to_string(&html).expect("the page");
    let page = scraper::Html::parse_document(&page);
    assert_eq!(texts(&page, "h2")[0], "Probably one cause (2 groups)");
    let headings = texts(&page, "details.group > summary");
    assert_eq!(headings, [client_group, interop_group]);
    // Each group holds its failures, the first one open.
    let members = texts(&page, "details.group details.result > summary");
    assert_eq!(members.len(), 5, "{members:?}");
    let open = scraper::Selector::parse("details.group > details.result[open]").expect("selector");
    assert_eq!(page.select(&open).count(), 2);
}
