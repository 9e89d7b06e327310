//! The numbered statements of docs/PROTOCOL.md against the repository's scenarios: every
//! scenario names one, every id it names exists and is defined once, and `scenarios coverage`
//! leaves nothing uncovered without a reason.

use std::path::PathBuf;
use std::process::Command;

use chat_harness::scenario::suite;
use chat_harness::statements::{self, coverage};

fn repository_scenarios() -> Vec<suite::Entry> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = suite::discover(&[root]).expect("scenarios/ is readable");
    let (entries, errors) = suite::load(files);
    assert!(errors.is_empty(), "scenarios that do not parse: {errors:?}");
    assert!(
        entries.len() >= 100,
        "only {} scenarios found",
        entries.len()
    );
    entries
}

#[test]
fn every_scenario_names_a_statement_the_document_defines_once() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/PROTOCOL.md"))
        .expect("docs/PROTOCOL.md is readable");
    let (all, duplicates) = statements::parse(&text);
    assert!(duplicates.is_empty(), "ids defined twice: {duplicates:?}");
    let mut problems = Vec::new();
    for entry in repository_scenarios() {
        if entry.scenario.checks.is_empty() {
            problems.push(format!("{} has no `checks:` line", entry.id));
        }
        for id in &entry.scenario.checks {
            if !all.iter().any(|s| &s.id == id) {
                problems.push(format!("{} checks {id}, which PROTOCOL.md lacks", entry.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_cited_id_the_document_lacks_and_an_id_defined_twice_are_found() {
    let (_, duplicates) =
        statements::parse("- **[1.1]** one\n- **[1.2]** two\n- **[1.1]** again\n");
    assert_eq!(duplicates, ["1.1"]);
    let path = std::env::temp_dir().join(format!("checks-{}.chat", std::process::id()));
    std::fs::write(
        &path,
        "description: d\ntags: core\nchecks: 6.1.4 99.9\nconnect a\n",
    )
    .expect("write a scenario");
    let entry = suite::Entry {
        id: "x/unknown".into(),
        scenario: std::sync::Arc::new(
            chat_harness::language::parser::parse_file(&path).expect("it parses"),
        ),
    };
    let _ = std::fs::remove_file(&path);
    assert_eq!(entry.scenario.checks, ["6.1.4", "99.9"]);
    let result = coverage::coverage(&statements::all(), &[entry], &Default::default());
    assert_eq!(
        result.unknown,
        [("x/unknown".to_owned(), "99.9".to_owned())]
    );
    assert!(!result.complete());
}

#[test]
fn coverage_lists_every_statement_and_exits_0() {
    let output = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(["scenarios", "coverage"])
        .output()
        .expect("run chat-harness");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!stdout.contains("UNCOVERED"), "{stdout}");
    for statement in statements::all() {
        assert!(
            stdout.contains(&format!("\n{} (", statement.id)) || stdout.starts_with(&statement.id),
            "{} missing from:\n{stdout}",
            statement.id
        );
    }
    assert!(stdout.contains("server:  auth/accepted"), "{stdout}");
    assert!(stdout.contains("unchecked: "), "{stdout}");
    assert!(stdout.contains(" 0 uncovered"), "{stdout}");
}

#[test]
fn a_failure_quotes_the_statements_it_checks_in_every_report() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = dir.path().join("echo.chat");
    std::fs::write(
        &scenario,
        "description: The server echoes (it must not).\ntags: core\nchecks: 6.3.1\n\
         connect alice bob\nalice> auth alice 0\nalice< auth-ok\nbob> auth bob 0\nbob< auth-ok\n\
         settle\nalice> text \"hi\"\nalice< text \"<HH:MM> [alice] hi\" within 300ms\n",
    )
    .expect("write the scenario");
    let (junit, html) = (dir.path().join("r.xml"), dir.path().join("r.html"));
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_chat-harness"))
            .arg("run")
            .arg(&scenario)
            .args(["--format", format, "--junit"])
            .arg(&junit)
            .arg("--html")
            .arg(&html)
            .output()
            .expect("run chat-harness")
    };
    let human = run("human");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(!human.status.success(), "{text}");
    let statement = statements::find("6.3.1").expect("6.3.1 exists");
    assert!(
        text.contains(&format!(
            "  rule:     [6.3.1] {}",
            statement.short(statements::QUOTED)
        )),
        "{text}"
    );
    let json = run("json");
    let json = String::from_utf8_lossy(&json.stdout);
    assert!(
        json.contains(r#""checks":[{"id":"6.3.1","text":"A 0x03 frame from alice"#),
        "{json}"
    );
    let junit = std::fs::read_to_string(&junit).expect("the JUnit file");
    assert!(
        junit.contains("(checks [6.3.1] A 0x03 frame from alice"),
        "{junit}"
    );
    let html = std::fs::read_to_string(&html).expect("the HTML file");
    assert!(html.contains("<dt>checks</dt><dd>6.3.1</dd>"), "{html}");
}
