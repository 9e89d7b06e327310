//! The suite travels with the binary: `run` and `scenarios` from an empty folder, an exported
//! suite that runs as the built-in one, built-in ids, `matrix` without `scenarios`, and
//! (in `shared_server`) `run --target` on one server shared by every scenario.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod shared_server;

/// The built binary, run in `dir`.
fn harness_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repository_scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every file below `dir`, as (`/`-separated relative path, full path), sorted.
fn files_below(dir: &Path) -> Vec<(String, PathBuf)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
        for entry in std::fs::read_dir(dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("below").to_string_lossy();
                out.push((rel.replace('\\', "/"), path));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The ids of the repository's scenarios (`auth/accepted`), sorted.
fn repository_ids() -> Vec<String> {
    files_below(&repository_scenarios())
        .into_iter()
        .filter_map(|(rel, _)| rel.strip_suffix(".chat").map(str::to_owned))
        .collect()
}

/// The ids of the repository's server scenarios that any server can run: not those that set
/// the server's limits (`server-limits:`, the built-in server's alone).
fn repository_ids_for_any_server() -> Vec<String> {
    files_below(&repository_scenarios())
        .into_iter()
        .filter(|(rel, path)| {
            rel.ends_with(".chat")
                && !rel.starts_with("client/")
                && !rel.starts_with("interop/")
                && !std::fs::read_to_string(path)
                    .expect("readable")
                    .lines()
                    .any(|l| l.starts_with("server-limits:"))
        })
        .map(|(rel, _)| rel.trim_end_matches(".chat").to_owned())
        .collect()
}

/// How many of the repository's scenarios carry the tag `core`.
fn repository_core_count() -> usize {
    files_below(&repository_scenarios())
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".chat"))
        .filter(|(_, path)| {
            std::fs::read_to_string(path)
                .expect("readable")
                .lines()
                .any(|l| {
                    l.strip_prefix("tags:")
                        .is_some_and(|t| t.split_whitespace().any(|w| w == "core"))
                })
        })
        .count()
}

/// id -> status of every scenario line of a `--format json` report.
fn statuses(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "scenario")
        .map(|v| {
            let id = v["id"].as_str().unwrap_or_default().to_owned();
            (id, v["status"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

#[test]
fn run_from_an_empty_folder_takes_the_built_in_suite() {
    let empty = tempfile::tempdir().unwrap();
    let out = harness_in(empty.path(), &["run", "--tag", "core", "-j", "4"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let core = repository_core_count();
    assert!(
        stdout.contains(&format!("{core} passed, 0 failed")),
        "{core} core scenarios: {stdout}"
    );
    assert!(stdout.contains(" (built in)"), "{stdout}");
    assert!(
        std::fs::read_dir(empty.path()).unwrap().next().is_none(),
        "nothing is written to the current folder"
    );
}

#[test]
fn scenarios_list_names_every_scenario_of_the_repository() {
    let empty = tempfile::tempdir().unwrap();
    let out = harness_in(empty.path(), &["scenarios", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut listed: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    listed.sort();
    let mut ids = repository_ids();
    ids.sort();
    assert_eq!(listed, ids);
    let clients = harness_in(empty.path(), &["scenarios", "list", "--tests", "client"]);
    let clients = text(&clients.stdout);
    assert!(
        clients.lines().all(|l| l.starts_with("client/")),
        "{clients}"
    );
    assert!(!clients.is_empty());
    let shown = harness_in(empty.path(), &["scenarios", "show", "auth/accepted"]);
    assert_eq!(
        text(&shown.stdout),
        std::fs::read_to_string(repository_scenarios().join("auth/accepted.chat")).unwrap()
    );
}

#[test]
fn an_exported_suite_runs_as_the_built_in_one() {
    let empty = tempfile::tempdir().unwrap();
    let out = harness_in(empty.path(), &["scenarios", "export", "suite"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let exported = files_below(&empty.path().join("suite"));
    let repository = files_below(&repository_scenarios());
    let names = |files: &[(String, PathBuf)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&exported), names(&repository));
    for ((rel, a), (_, b)) in exported.iter().zip(&repository) {
        assert_eq!(
            std::fs::read(a).unwrap(),
            std::fs::read(b).unwrap(),
            "{rel}"
        );
    }
    let args = ["--tag", "core", "-j", "4", "--format", "json"];
    let built_in = harness_in(empty.path(), &[&["run"][..], &args].concat());
    let from_disk = harness_in(empty.path(), &[&["run", "suite"][..], &args].concat());
    let (built_in, from_disk) = (
        statuses(&text(&built_in.stdout)),
        statuses(&text(&from_disk.stdout)),
    );
    assert_eq!(built_in.len(), repository_core_count());
    assert_eq!(built_in, from_disk);
}

fn python() -> bool {
    let version = Command::new("python3").arg("--version").output();
    let found = version.is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("python3 is missing: skipped");
    }
    found
}

#[test]
fn ids_select_built_in_scenarios_with_the_same_ids_junit_and_expect_entries() {
    let empty = tempfile::tempdir().unwrap();
    let missing = harness_in(empty.path(), &["run", "auth/no-such-scenario"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("chat-harness scenarios list"));
    if !python() {
        return;
    }
    let expect = empty.path().join("known.txt");
    std::fs::write(
        &expect,
        "auth/invalid-names: the lab server takes any name\n",
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/original_server.py");
    let spawn = format!("python3 {} {{port}}", script.display());
    // A failing built-in scenario's replay line names it by id, so that it runs again from
    // any folder.
    let failing = harness_in(
        empty.path(),
        &[
            "run",
            "auth/invalid-names",
            "--spawn",
            &spawn,
            "--format",
            "json",
        ],
    );
    let stdout = text(&failing.stdout);
    assert!(
        stdout.contains(&format!(
            "\"replay\":\"chat-harness run auth/invalid-names --spawn '{spawn}'\""
        )),
        "{stdout}"
    );
    let run = |dir: &Path, path: &str, junit: &str| {
        let junit = empty.path().join(junit).display().to_string();
        let expect = expect.display().to_string();
        let args = [
            "run",
            path,
            "text/relay-to-others",
            "--spawn",
            &spawn,
            "--format",
            "json",
            "--expect",
            &expect,
            "--junit",
            &junit,
        ];
        statuses(&text(&harness_in(dir, &args).stdout))
    };
    let built_in = run(empty.path(), "auth/invalid-names", "a.xml");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let on_disk = run(repo, "scenarios/auth/invalid-names.chat", "b.xml");
    let wanted: BTreeMap<String, String> = [
        ("auth/invalid-names".to_owned(), "xfail".to_owned()),
        ("text/relay-to-others".to_owned(), "pass".to_owned()),
    ]
    .into();
    assert_eq!(built_in, wanted);
    assert_eq!(on_disk, wanted);
    let cases = |file: &str| -> Vec<String> {
        std::fs::read_to_string(empty.path().join(file))
            .unwrap()
            .lines()
            .filter(|l| l.contains("<testcase"))
            .map(|l| l.split(" time=").next().unwrap_or(l).trim().to_owned())
            .collect()
    };
    assert_eq!(cases("a.xml").len(), 2);
    assert_eq!(cases("a.xml"), cases("b.xml"));
}

#[test]
fn matrix_without_scenarios_runs_the_built_in_suite_from_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.toml"),
        "filter = '^(auth/accepted|client/send-text|interop/message-to-peer)$'\n\
         [[server]]\nname = 'reference'\nbuiltin = 'polling'\n\
         [[client]]\nname = 'reference client'\nbuiltin = 'reference'\n",
    )
    .unwrap();
    let out = harness_in(dir.path(), &["matrix", "m.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json = std::fs::read_to_string(dir.path().join("out/matrix.json")).unwrap();
    for id in [
        "auth/accepted",
        "client/send-text",
        "interop/message-to-peer",
    ] {
        assert!(json.contains(id), "{id} in {json}");
    }
}
