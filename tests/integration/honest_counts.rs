//! Counts that never lie: a scenario that could not run (`error`) is never counted as a pass
//! — not on the per-tag line, the summary, the JSON counts, the JUnit file or the matrix — and
//! known failures are shown as such beside the kind counts (`1 fail (all expected)`).

use crate::support::harness;
use std::path::Path;

/// Two scenarios that cannot run on any server (a client sends after closing its own
/// connection), one that passes on the built-in server, one that fails on it; all `core`.
fn suite(root: &Path) -> std::path::PathBuf {
    let dir = root.join("scenarios").join("counts");
    std::fs::create_dir_all(&dir).expect("scenario folder");
    let mistake = "tags: core\nconnect a\nclose a\na> text \"echo\"\n";
    let files = [
        ("a-error.chat", mistake.to_owned()),
        (
            "b-pass.chat",
            "tags: core\nconnect a\na> auth a 0\na< auth-ok\n".to_owned(),
        ),
        ("c-error.chat", mistake.to_owned()),
        (
            "d-fails.chat",
            "tags: core\nconnect a\na> auth a 0\na< renamed *\n".to_owned(),
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("scenario file");
    }
    dir
}

#[test]
fn errors_are_not_passes_in_the_human_json_and_junit_reports() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = suite(tmp.path());
    let dir = dir.to_str().expect("utf-8 path");
    let junit = tmp.path().join("r.xml");
    let expect = tmp.path().join("known.txt");
    std::fs::write(
        &expect,
        "counts/d-fails: the built-in server renames nobody here\n",
    )
    .expect("expect file");
    let out = harness(&[
        "run",
        dir,
        "-j",
        "1",
        "--timeout",
        "300ms",
        "--junit",
        junit.to_str().expect("utf-8"),
        "--expect",
        expect.to_str().expect("utf-8"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "errors give exit 2\n{text}");
    assert!(
        text.contains("by tag:   core 1 of 4 passed (2 could not run: error)"),
        "{text}"
    );
    assert!(
        text.contains("1 passed, 0 failed, 1 expected failures, 0 unexpected passes, 2 errors"),
        "{text}"
    );
    assert!(
        text.contains("outcomes: 1 pass, 1 fail (all expected), 0 wording"),
        "the known failure is shown as expected beside its kind: {text}"
    );
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert_eq!(xml.matches("<error").count(), 2, "{xml}");
    assert!(xml.contains("tests=\"4\""), "{xml}");

    let json = harness(&[
        "run",
        dir,
        "-j",
        "1",
        "--timeout",
        "300ms",
        "--format",
        "json",
    ]);
    let summary = String::from_utf8_lossy(&json.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "summary")
        .expect("a summary line");
    let counts = &summary["counts"];
    assert_eq!(counts["passed"], 1, "{summary}");
    assert_eq!(counts["errors"], 2, "{summary}");
    assert_eq!(counts["kinds"]["error"], 2, "{summary}");
    assert_eq!(counts["kinds"]["pass"], 1, "{summary}");
}

#[test]
fn errors_are_not_passes_in_the_matrix() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = suite(tmp.path());
    let file = tmp.path().join("m.toml");
    std::fs::write(
        &file,
        format!(
            "scenarios = [{:?}]\n[[server]]\nname = \"reference\"\nbuiltin = \"polling\"\n",
            dir.display().to_string()
        ),
    )
    .expect("matrix file");
    let out_dir = tmp.path().join("out");
    let out = harness(&[
        "matrix",
        file.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
        "--timeout",
        "300ms",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 passed, 1 failed"), "{text}");
    assert!(text.contains("2 errors"), "{text}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("matrix.json")).expect("matrix.json"),
    )
    .expect("JSON");
    let counts = &json["grids"][0]["counts"][0];
    assert_eq!(counts["passed"], 1, "{counts}");
    assert_eq!(counts["errors"], 2, "{counts}");
    let page = std::fs::read_to_string(out_dir.join("matrix.html")).expect("matrix.html");
    assert!(
        page.contains("<span class=\"k-error\">2 error</span>"),
        "a red error badge"
    );
    assert!(
        page.contains("<span class=\"k-pass\">1 pass</span>"),
        "one pass badge"
    );
}
