//! `chat-harness matrix` and `run --html` end to end: the binary runs a small matrix with one
//! failing client, and the pages are read back with an HTML parser (scraper) — the right
//! cells, outcomes and links — and the JSON is compared with a snapshot.

use std::path::Path;

use crate::support::{harness, python};
use scraper::{ElementRef, Html, Selector};

mod wide;

fn select<'a>(root: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("selector");
    root.select(&selector).collect()
}

fn text(element: ElementRef<'_>) -> String {
    element.text().collect::<String>()
}

/// The grid under the heading that starts with `title`: header names, and rows of
/// (scenario, [(cell class, cell text, link target)]).
type Cell = (String, String, Option<String>);

fn grid(page: &Html, title: &str) -> (Vec<String>, Vec<(String, Vec<Cell>)>) {
    let root = page.root_element();
    let heading = select(root, "h2")
        .into_iter()
        .find(|h| text(*h).starts_with(title))
        .unwrap_or_else(|| panic!("no grid titled {title:?}"));
    let wrap = heading
        .next_siblings()
        .filter_map(ElementRef::wrap)
        .next()
        .expect("the grid after its heading");
    let table = select(wrap, "table.grid")[0];
    let names = select(table, "thead th")
        .into_iter()
        .skip(1)
        .map(text)
        .collect();
    let rows = select(table, "tbody tr")
        .into_iter()
        .map(|tr| {
            let id = text(select(tr, "th")[0]);
            let cells = select(tr, "td")
                .into_iter()
                .map(|td| {
                    let link = select(td, "a")
                        .first()
                        .and_then(|a| a.value().attr("href"))
                        .map(str::to_owned);
                    (
                        td.value().attr("class").unwrap_or_default().to_owned(),
                        text(td),
                        link,
                    )
                })
                .collect();
            (id, cells)
        })
        .collect();
    (names, rows)
}

/// The element a `#fragment` link points at.
fn target<'a>(page: &'a Html, href: &str) -> ElementRef<'a> {
    let id = href.strip_prefix('#').expect("a fragment link");
    let found = select(page.root_element(), &format!("[id=\"{id}\"]"));
    assert_eq!(found.len(), 1, "exactly one element with id {id}");
    found[0]
}

#[test]
fn a_matrix_with_one_failing_client_shows_it_in_the_grid_and_the_json() {
    if !python() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let result = harness(&[
        "matrix",
        "tests/fixtures/matrix/one-failing.toml",
        "--out",
        dir,
        "--no-timings",
        "-j",
        "2",
    ]);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert_eq!(
        result.status.code(),
        Some(1),
        "one unexpected failure: exit 1\n{stdout}\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(stdout.contains("faulty <rename>"), "{stdout}");

    let page =
        Html::parse_document(&std::fs::read_to_string(out.path().join("matrix.html")).unwrap());
    let (servers, server_rows) = grid(&page, "Servers");
    assert_eq!(servers, ["reference (polling)"]);
    let ids: Vec<&str> = server_rows.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["auth/accepted", "text/relay-to-others"]);
    for (_, cells) in &server_rows {
        assert_eq!(cells[0].0, "k-pass");
        assert_eq!(cells[0].2, None, "a pass links nowhere");
    }

    let (clients, client_rows) = grid(&page, "Clients");
    assert_eq!(
        clients,
        ["reference client", "clean stand-in", "faulty <rename>"],
        "names are escaped and read back as written"
    );
    let ids: Vec<&str> = client_rows.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "client/auth-name-and-offset",
            "client/rename-sends-command",
            "client/send-text"
        ]
    );
    for (id, cells) in &client_rows {
        assert_eq!(cells.len(), 3, "{id}");
        let failing = id == "client/rename-sends-command";
        for (column, (class, label, link)) in cells.iter().enumerate() {
            if column < 2 || !failing {
                assert_eq!(
                    (class.as_str(), label.as_str(), link),
                    ("k-pass", "pass", &None),
                    "{id} {column}"
                );
            }
        }
    }
    let (class, label, link) = &client_rows[1].1[2];
    assert_eq!((class.as_str(), label.as_str()), ("k-fail", "fail"));
    let details = target(
        &page,
        link.as_ref().expect("a failing cell links to its details"),
    );
    assert_eq!(details.value().name(), "details");
    let shown = text(details);
    assert!(shown.contains("client/rename-sends-command"), "{shown}");
    assert!(
        shown.contains("scenarios/client/rename-sends-command.chat:10"),
        "the step's file:line: {shown}"
    );
    assert!(
        shown.contains("chat-harness run scenarios/client/rename-sends-command.chat --client 'python3 tests/python/faulty_client.py rename-as-text {host} {port}'"),
        "the replay line selects the same client: {shown}"
    );
    assert!(
        shown.contains("server< 0x03 text"),
        "the transcript shows the text frame that came instead: {shown}"
    );

    // Interop: clients down, servers across; a cell counts the pair's passes and links to it.
    let (servers, pair_rows) = grid(&page, "Interop");
    assert_eq!(servers, ["reference (polling)"]);
    let rows: Vec<(&str, &str, &str)> = pair_rows
        .iter()
        .map(|(client, cells)| (client.as_str(), cells[0].0.as_str(), cells[0].1.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("reference client", "k-pass", "2/2"),
            ("clean stand-in", "k-pass", "2/2"),
            ("faulty <rename>", "k-fail", "1/2"),
        ]
    );
    let pair = target(&page, pair_rows[2].1[0].2.as_deref().unwrap());
    assert!(text(pair).contains("faulty <rename> × reference (polling)"));
    let block = pair
        .next_siblings()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "details")
        .expect("the pair's failing scenario follows its heading");
    let shown = text(block);
    assert!(shown.contains("interop/rename"), "{shown}");
    assert!(
        shown.contains("bob< chat from carol"),
        "the peer's step failed: {shown}"
    );
    assert!(
        shown.contains("> 0x00 auth \"bob\""),
        "the peer's transcript: {shown}"
    );

    let json = std::fs::read_to_string(out.path().join("matrix.json")).unwrap();
    crate::support::snapshot("matrix_json", &json, &crate::support::time_filters());
}

#[test]
fn run_html_is_one_page_with_every_scenario_and_the_details_of_a_failure() {
    if !python() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("report.html");
    let result = harness(&[
        "run",
        "scenarios/client/rename-sends-command.chat",
        "scenarios/client/send-text.chat",
        "--client",
        "python3 tests/python/faulty_client.py rename-as-text {host} {port}",
        "--html",
        file.to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(1));
    let source = std::fs::read_to_string(&file).unwrap();
    assert!(
        !source.contains("<link") && !source.contains("src=") && !source.contains("http"),
        "self-contained: no external assets"
    );
    let page = Html::parse_document(&source);
    let root = page.root_element();
    let meta = text(select(root, "p.meta")[0]);
    assert!(
        meta.contains("faulty_client.py rename-as-text"),
        "the target: {meta}"
    );
    assert!(meta.contains("Date: 20"), "the date: {meta}");
    let counts = text(select(root, "p.counts")[0]);
    assert!(
        counts.contains("1 pass") && counts.contains("1 fail"),
        "{counts}"
    );
    assert!(counts.contains("1 passed, 1 failed"), "{counts}");
    let blocks = select(root, "details.result");
    assert_eq!(blocks.len(), 2, "every scenario has its block");
    let failing = blocks
        .iter()
        .find(|b| b.value().attr("data-kind") == Some("fail"))
        .expect("the failing scenario");
    assert!(
        failing.value().attr("open").is_some(),
        "a failure is unfolded"
    );
    let facts: Vec<(String, String)> = select(*failing, "dt")
        .into_iter()
        .zip(select(*failing, "dd"))
        .map(|(dt, dd)| (text(dt), text(dd)))
        .collect();
    let fact = |name: &str| {
        facts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {facts:?}"))
    };
    assert!(
        fact("step").contains("rename-sends-command.chat:10"),
        "{facts:?}"
    );
    assert!(fact("expected").contains("server< rename"), "{facts:?}");
    assert!(
        fact("received").contains("0x"),
        "decoded: {}",
        fact("received")
    );
    assert_eq!(
        fact("replay"),
        "chat-harness run scenarios/client/rename-sends-command.chat --client 'python3 tests/python/faulty_client.py rename-as-text {host} {port}'"
    );
    let transcript = text(select(*failing, ".transcript pre")[0]);
    assert!(transcript.contains("user> \"alice\""), "{transcript}");
}

#[test]
fn a_wrong_matrix_file_is_a_setup_error_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[server]]\nname = 'x'\nbuiltin = 'fast'\n",
            "unknown builtin",
        ),
        (
            "[[client]]\nname = 'x'\nspawn = 'my-client'\n",
            "has no {port}",
        ),
        ("[[server]\n", "TOML"),
        (
            "scenarios = ['nowhere']\n[[server]]\nname = 'x'\nbuiltin = 'polling'\n",
            "nowhere",
        ),
    ];
    for (i, (toml, wanted)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("m{i}.toml"));
        std::fs::write(&path, toml).unwrap();
        let result = harness(&[
            "matrix",
            path.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(2), "{toml}: {stderr}");
        assert!(
            stderr.contains(wanted) || (*wanted == "TOML" && stderr.contains("line 1")),
            "{toml}: {stderr}"
        );
        assert!(
            !Path::new(&dir.path().join("matrix.html")).exists(),
            "nothing written"
        );
    }
}
