//! Sequence diagrams: `run --diagram` on a failing three-client scenario, parsed as SVG (a lane
//! per party, one arrow per frame of the run's timeline, the failing arrow marked); the
//! diagrams in docs/diagrams/ regenerated and compared, so they never go stale
//! (`UPDATE_DIAGRAMS=1 cargo test --test integration diagram::` rewrites them).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chat_harness::report::Style;
use chat_harness::scenario::command::{execute_with_files, Format, RunConfig};
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::written::ReportFiles;
use chat_harness::server::Mode;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

use crate::support::harness;

/// The suite's three-client relay, its last step expecting a text that never comes.
fn failing_three_clients(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string("scenarios/text/relay-to-others.chat").expect("scenario");
    let last = "carol< chat from alice \"hello everyone\"";
    assert!(text.contains(last), "the scenario still ends with {last}");
    let path = dir.join("three.chat");
    let changed = text.replace(last, "carol< chat from alice \"hello everybody\"");
    std::fs::write(&path, changed).expect("write scenario");
    path
}

fn attr<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    node.attribute(name).unwrap_or_default()
}

fn has_class(node: roxmltree::Node<'_, '_>, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|w| w == class))
}

/// The arrows of a diagram: (party, classes, full label).
fn arrows(doc: &roxmltree::Document<'_>) -> Vec<(String, String, String)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && has_class(*n, "arrow"))
        .map(|g| {
            let label = g
                .descendants()
                .find(|n| n.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or_default();
            (
                attr(g, "data-party").into(),
                attr(g, "class").into(),
                label.into(),
            )
        })
        .collect()
}

#[test]
fn three_clients_drawn_with_a_lane_each_an_arrow_per_frame_and_the_failing_arrow_marked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = failing_three_clients(dir.path());
    let svg_path = dir.path().join("three.svg");
    let out = harness(&[
        "run",
        scenario.to_str().unwrap(),
        "--format",
        "json",
        "--diagram",
        svg_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "the scenario fails");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("wrote {} (", svg_path.display())) && stderr.contains(" kB)"),
        "{stderr}"
    );
    // The frames of the run, from its JSON timeline.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .find(|v| v["type"] == "scenario")
        .expect("a scenario line");
    let frames = line["timeline"]["entries"]
        .as_array()
        .expect("timeline entries")
        .iter()
        .filter(|e| e["kind"] == "sent" || (e["kind"] == "received" && e["got"] != "closed"))
        .count();
    assert!(
        frames >= 12,
        "three clients authenticate and talk: {frames}"
    );

    let svg = std::fs::read_to_string(&svg_path).expect("the SVG");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let lanes: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && has_class(*n, "lane"))
        .map(|g| attr(g, "data-party"))
        .collect();
    assert_eq!(lanes, ["server", "alice", "bob", "carol"]);
    let drawn: usize = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && has_class(*n, "arrow"))
        .map(|g| attr(g, "data-frames").parse::<usize>().expect("a count"))
        .sum();
    assert_eq!(drawn, frames, "one arrow per frame");
    let failing: Vec<_> = arrows(&doc)
        .into_iter()
        .filter(|(_, class, _)| class.split_whitespace().any(|c| c == "failing"))
        .collect();
    assert_eq!(failing.len(), 1, "{failing:?}");
    let (party, class, label) = &failing[0];
    assert_eq!(party, "carol");
    assert!(class.contains("received"), "{class}");
    assert!(label.contains("[alice] hello everyone"), "{label}");
    let boxed: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && has_class(*n, "failure"))
        .flat_map(|g| g.descendants().filter_map(|n| n.text()))
        .collect();
    let boxed = boxed.join("\n");
    assert!(
        boxed.contains("carol< chat from alice \"hello everybody\""),
        "{boxed}"
    );
    assert!(
        boxed.contains("expected 0x03 chat, got 0x03 chat"),
        "{boxed}"
    );
}

#[test]
fn diagram_of_several_scenarios_is_refused() {
    let out = harness(&["run", "auth/", "--diagram", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--diagram draws one scenario"), "{stderr}");
}

/// The diagrams docs/ shows, each drawn from a run of a built-in scenario.
const DOCS: [(&str, &str); 2] = [
    (
        "scenarios/text/relay-to-others.chat",
        "docs/diagrams/relay-to-others.svg",
    ),
    (
        "scenarios/file/relay-small.chat",
        "docs/diagrams/file-relay-small.svg",
    ),
];

async fn draw(scenario: &str, svg: &Path) {
    let config = RunConfig {
        paths: vec![PathBuf::from(scenario)],
        provider: Arc::new(Target::builtin(Mode::Polling)),
        target_description: "the built-in server".into(),
        jobs: 1,
        filter: None,
        tags: Vec::new(),
        known_failures: KnownFailures::default(),
        settings: RunSettings::default(),
        format: Format::Human,
        junit: None,
        style: Style { timings: false },
        retries: Default::default(),
    };
    let files = ReportFiles {
        html: None,
        diagram: Some(svg),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = execute_with_files(config, files, &mut out, &mut err).await;
    let text = String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err);
    assert!(
        matches!(code, Ok(chat_harness::scenario::run_end::RunEnd::Passed)),
        "{scenario} passes on the built-in server\n{text}"
    );
}

/// What a diagram says, whatever the order of frames that raced and the time of day in the
/// server's texts (`<23:31>`): its lanes and its arrows.
fn content(svg: &str) -> (Vec<String>, Vec<(String, String, String)>) {
    let clock = regex::Regex::new(r"<\d\d:\d\d>").unwrap();
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let lanes = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && has_class(*n, "lane"))
        .map(|g| attr(g, "data-party").to_owned())
        .collect();
    let mut arrows: Vec<(String, String, String)> = arrows(&doc)
        .into_iter()
        .map(|(party, class, label)| (party, class, clock.replace_all(&label, "<HH:MM>").into()))
        .collect();
    arrows.sort();
    assert!(
        arrows.iter().any(|(.., label)| label.contains("<HH:MM>")),
        "the server's texts carry the time of day"
    );
    (lanes, arrows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_diagrams_are_drawn_from_todays_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let update = std::env::var_os("UPDATE_DIAGRAMS").is_some();
    for (scenario, committed) in DOCS {
        let fresh = dir.path().join("fresh.svg");
        draw(scenario, &fresh).await;
        let drawn = std::fs::read_to_string(&fresh).expect("drawn");
        assert!(!drawn.contains(" ms<"), "no times in docs diagrams");
        if update {
            std::fs::write(committed, &drawn).expect("update the docs diagram");
            continue;
        }
        let kept = std::fs::read_to_string(committed).unwrap_or_else(|_| {
            panic!(
                "{committed} is missing: UPDATE_DIAGRAMS=1 cargo test --test integration diagram::"
            )
        });
        assert_eq!(
            content(&kept),
            content(&drawn),
            "{committed} is stale: UPDATE_DIAGRAMS=1 cargo test --test integration diagram::"
        );
    }
}
