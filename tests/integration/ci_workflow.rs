//! `examples/ci/github-actions.yml` cannot run here, so this test reads it with a YAML parser
//! (serde-saphyr) and runs the chat-harness commands of its shell steps against the built-in
//! server and the reference client standing in for the implementation, in a folder laid out
//! like the workflow's checkout; the fuzzing minute is cut to a few seconds.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Workflow {
    env: BTreeMap<String, String>,
    jobs: BTreeMap<String, Job>,
}

#[derive(Debug, Deserialize)]
struct Job {
    steps: Vec<WorkflowStep>,
}

#[derive(Debug, Deserialize)]
struct WorkflowStep {
    name: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    with: Option<BTreeMap<String, String>>,
}

/// The workflow's chat-harness command lines (continuations joined).
fn harness_lines(script: &str) -> Vec<String> {
    script
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("chat-harness "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_github_workflow_parses_and_its_commands_pass_against_the_built_in_implementation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/ci/github-actions.yml")).unwrap();
    let workflow: Workflow = serde_saphyr::from_str(&text).expect("the workflow is valid YAML");
    assert!(workflow.env.contains_key("SERVER") && workflow.env.contains_key("CLIENT"));
    let steps: Vec<&WorkflowStep> = workflow.jobs.values().flat_map(|j| &j.steps).collect();

    let lines: Vec<String> = steps
        .iter()
        .filter_map(|s| s.run.as_deref())
        .flat_map(harness_lines)
        .collect();
    let has = |sub: &str, words: &[&str]| {
        lines.iter().any(|l| {
            l.starts_with(&format!("chat-harness {sub} ")) && words.iter().all(|w| l.contains(w))
        })
    };
    assert!(
        has(
            "run",
            &["--spawn \"$SERVER\"", "--retries", "--junit", "--html"]
        ),
        "{lines:?}"
    );
    assert!(
        has(
            "run",
            &[
                "--client \"$CLIENT\"",
                "scenarios/interop",
                "--junit",
                "--html"
            ]
        ),
        "{lines:?}"
    );
    assert!(
        has("fuzz", &["--spawn \"$SERVER\"", "--time 60s"]),
        "{lines:?}"
    );
    let upload = steps
        .iter()
        .find(|s| {
            s.uses
                .as_deref()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .expect("an artifact upload step");
    let kept = &upload.with.as_ref().expect("its inputs")["path"];
    assert!(
        kept.contains("reports/") && kept.contains("fuzz-findings/"),
        "{kept}"
    );

    // The checkout's layout: the implementation at the top, chat-harness beside it, the
    // binary on the PATH. The built-in server and client stand in for the implementation.
    let work = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root, work.path().join("chat-harness")).unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_chat-harness"), bin.join("chat-harness"))
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for step in &steps {
        let Some(script) = step.run.as_deref() else {
            continue;
        };
        if harness_lines(script).is_empty() || script.contains("cargo build") {
            continue;
        }
        let script = script.replace("--time 60s", "--time 3s");
        let result = Command::new("sh")
            .args(["-e", "-c", &script])
            .current_dir(work.path())
            .env("PATH", &path)
            .env(
                "SERVER",
                "chat-harness serve --listen 127.0.0.1:{port} --files-dir {files} --stall-timeout 1s",
            )
            .env("CLIENT", "chat-harness client --connect {host}:{port}")
            .output()
            .unwrap();
        assert!(
            result.status.success(),
            "step {:?} failed ({}):\n{}\n{}",
            step.name,
            result.status,
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        ran += 1;
    }
    assert_eq!(
        ran, 3,
        "the server suite, the client and interop suites, the fuzzer"
    );
    for report in ["server", "client"] {
        let xml =
            std::fs::read_to_string(work.path().join(format!("reports/{report}.xml"))).unwrap();
        assert!(xml.contains("<testsuite"), "{report}.xml");
        let html =
            std::fs::read_to_string(work.path().join(format!("reports/{report}.html"))).unwrap();
        let page = scraper::Html::parse_document(&html);
        let blocks = scraper::Selector::parse("details.result").unwrap();
        let failing = scraper::Selector::parse("details.result[open]").unwrap();
        assert!(
            page.select(&blocks).count() > 30,
            "{report}.html has every scenario"
        );
        assert_eq!(
            page.select(&failing).count(),
            0,
            "{report}.html: nothing failed"
        );
    }
}
