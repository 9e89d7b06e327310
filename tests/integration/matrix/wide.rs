//! A class-sized matrix page (small, with sticky headers) and the interop scenarios' seats.

use std::path::Path;

use scraper::Html;

use super::{grid, python, select, text};

/// A generated 30 × 100 grid made of real outcomes (the lab-style client's passes and
/// failures, transcripts included) stays under 5 MB and keeps its headers sticky. With
/// `CHAT_HARNESS_WIDE_MATRIX=FILE` the page is also written there (to look at in a browser).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wide_matrix_page_stays_small_with_sticky_headers() {
    use std::sync::Arc;
    use std::time::Duration;

    use chat_harness::client_seat::ClientTarget;
    use chat_harness::matrix::{page::matrix_page, Column, Grid, MatrixResult, Row, Suite};
    use chat_harness::scenario::known_failures::KnownFailures;
    use chat_harness::scenario::suite;
    use chat_harness::server_seat::RunSettings;

    if !python() {
        return;
    }
    let chosen = [
        "scenarios/client/long-message.chat",
        "scenarios/client/two-frames-one-segment.chat",
        "scenarios/client/send-text.chat",
        "scenarios/client/receive-file.chat",
        "scenarios/client/show-chat-line.chat",
        "scenarios/client/rename-reply-shown.chat",
    ]
    .map(std::path::PathBuf::from);
    let (entries, errors) = suite::load(suite::discover(&chosen).unwrap());
    assert!(errors.is_empty());
    let client = ClientTarget::command(
        "python3 tests/python/original_client.py {host} {port}",
        None,
    )
    .unwrap();
    let settings = RunSettings::default();
    let samples = suite::run_all(
        entries,
        Arc::new(client),
        Arc::new(settings),
        Arc::new(KnownFailures::default()),
        3,
        |_| {},
    )
    .await;
    let failing = samples.iter().filter(|o| o.kind.failed()).count();
    assert!(
        failing >= 2 && failing < samples.len(),
        "a mix of passes and failures"
    );

    let rows: Vec<Row> = (0..100)
        .map(|r| Row {
            id: format!("generated/scenario-{r:03}"),
            description: Some(format!("Generated row {r}")),
            tags: vec!["core".into()],
        })
        .collect();
    let columns: Vec<Column> = (0..30)
        .map(|c| Column {
            name: format!("submission {c:02}"),
            description: format!("python3 submissions/{c:02}/Server.py {{port}}"),
            client: None,
            server: None,
        })
        .collect();
    let cells = (0..30)
        .map(|c| {
            (0..100)
                .map(|r| {
                    let mut o = samples[(r * 7 + c) % samples.len()].clone();
                    o.id = rows[r].id.clone();
                    Some(o)
                })
                .collect()
        })
        .collect();
    let result = MatrixResult {
        date: "2026-01-01 00:00 UTC".into(),
        file: "generated.toml".into(),
        grids: vec![Grid {
            suite: Suite::Server,
            rows,
            columns,
            cells,
        }],
        duration: Duration::from_secs(1),
    };
    let html = matrix_page(&result, true);
    if let Ok(path) = std::env::var("CHAT_HARNESS_WIDE_MATRIX") {
        std::fs::write(path, &html).unwrap();
    }
    println!(
        "30 x 100 page: {} bytes, {} of 3000 cells not passing",
        html.len(),
        html.matches("<td class=\"k-").count() - html.matches("<td class=\"k-pass\">").count()
    );
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    // The worst case: every cell a failure with its transcripts.
    let mut all_failing = result.clone();
    let failures: Vec<_> = samples.iter().filter(|o| o.kind.failed()).collect();
    for (c, column) in all_failing.grids[0].cells.iter_mut().enumerate() {
        for (r, cell) in column.iter_mut().enumerate() {
            let mut o = failures[(r + c) % failures.len()].clone();
            o.id = format!("generated/scenario-{r:03}");
            *cell = Some(o);
        }
    }
    let worst = matrix_page(&all_failing, true);
    println!("30 x 100 page, every cell failing: {} bytes", worst.len());
    assert!(worst.len() < 5_000_000, "{} bytes", worst.len());
    let page = Html::parse_document(&html);
    let (names, grid_rows) = grid(&page, "Servers");
    assert_eq!((names.len(), grid_rows.len()), (30, 100));
    assert!(grid_rows.iter().all(|(_, cells)| cells.len() == 30));
    let style = text(select(page.root_element(), "style")[0]);
    assert!(
        style.contains("thead th{position:sticky;top:0"),
        "column headers stay in view"
    );
    assert!(
        style.contains("th.row{position:sticky;left:0"),
        "row headers stay in view"
    );
}

/// Interop scenarios: peer statements of the server language and client statements interleave
/// in one script; statements that would seat the harness as the server are refused where they
/// stand.
#[test]
fn interop_scenarios_mix_peers_and_the_client_and_refuse_a_server_seat() {
    use chat_harness::client_seat::SeatAction;
    use chat_harness::language::model::Action;
    use chat_harness::language::scenario::Subject;

    let path = Path::new("scenarios/interop/x.chat");
    let text = "tests: interop\nconnect bob\nbob> auth bob 0\nuser> \"alice\"\n\
bob< notice /alice/\nclose stdin\nclose bob\nclient exits within 1s\n";
    let scenario = chat_harness::scenario::parse_str(text, path).unwrap();
    assert!(scenario.tests_client() && scenario.tests_interop());
    let Subject::Client(script) = &scenario.subject else {
        panic!("a client-seat script")
    };
    let kinds: Vec<&str> = script
        .steps
        .iter()
        .map(|s| match &s.action {
            SeatAction::Peer(Action::Connect(_)) => "connect",
            SeatAction::Peer(Action::Send(_)) => "peer>",
            SeatAction::Peer(Action::Expect(_)) => "peer<",
            SeatAction::Peer(Action::Close(_)) => "close peer",
            SeatAction::Type(_) => "user>",
            SeatAction::CloseStdin => "close stdin",
            SeatAction::Exits { .. } => "exits",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "connect",
            "peer>",
            "user>",
            "peer<",
            "close stdin",
            "close peer",
            "exits"
        ]
    );
    assert_eq!(script.steps[3].line, 5);

    for (statement, col) in [
        ("server> auth-ok", 1),
        ("server< auth *", 1),
        ("accept", 1),
        ("close connection", 1),
    ] {
        let text = format!("tests: interop\nconnect bob\n{statement}\n");
        let error = chat_harness::scenario::parse_str(&text, path)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the server is a real one"),
            "{statement}: {error}"
        );
        assert!(
            error.contains(&format!(":3:{col}")),
            "{statement}: located: {error}"
        );
    }
}
