//! `grades.csv` of `chat-harness matrix`: its numbers recomputed from `matrix.json` (passed
//! and total per level, the weighted score with the file's `[grading]` weights), and the
//! page's per-level line.

use std::collections::HashMap;
use std::process::Command;

use serde_json::Value;

const LEVELS: [&str; 4] = ["core", "robust", "reference", "wording"];
const WEIGHTS: [f64; 4] = [1.0, 1.0, 1.0, 0.0];

#[test]
fn grades_csv_agrees_with_matrix_json() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 is not installed: skipping");
        return;
    }
    let out = tempfile::tempdir().expect("a temporary folder");
    let result = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "matrix",
            "tests/fixtures/matrix/grades.toml",
            "--no-timings",
            "-j",
            "2",
        ])
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run chat-harness");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("matrix.json")).expect("matrix.json"),
    )
    .expect("valid JSON");
    let csv = std::fs::read_to_string(out.path().join("grades.csv")).expect("grades.csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<HashMap<String, String>> = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.expect("a record").iter().map(str::to_owned))
                .collect()
        })
        .collect();

    let mut expected_rows = 0;
    for grid in json["grids"].as_array().expect("grids") {
        let suite = grid["suite"].as_str().expect("suite");
        let level_of: HashMap<&str, usize> = grid["scenarios"]
            .as_array()
            .expect("scenarios")
            .iter()
            .filter_map(|s| {
                let tags: Vec<&str> = s["tags"]
                    .as_array()?
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let level = tags
                    .iter()
                    .find_map(|t| LEVELS.iter().position(|l| l == t))?;
                Some((s["id"].as_str()?, level))
            })
            .collect();
        for implementation in grid["implementations"].as_array().expect("implementations") {
            let name = implementation["name"].as_str().expect("a name");
            let mut levels = [(0usize, 0usize); 4];
            for cell in grid["cells"].as_array().expect("cells") {
                if cell["implementation"] != name {
                    continue;
                }
                let Some(&level) = cell["scenario"].as_str().and_then(|s| level_of.get(s)) else {
                    continue;
                };
                levels[level].1 += 1;
                let passed =
                    cell["kind"] == "pass" || (cell["kind"] == "flaky" && cell["status"] == "pass");
                levels[level].0 += usize::from(passed);
            }
            let row = rows
                .iter()
                .find(|r| r["suite"] == suite && r["implementation"] == name)
                .unwrap_or_else(|| panic!("no row for {suite} {name} in\n{csv}"));
            expected_rows += 1;
            let (mut sum, mut weight) = (0.0, 0.0);
            for (i, level) in LEVELS.iter().enumerate() {
                assert_eq!(
                    row[&format!("{level}_passed")],
                    levels[i].0.to_string(),
                    "{name} {level}\n{csv}"
                );
                assert_eq!(
                    row[&format!("{level}_total")],
                    levels[i].1.to_string(),
                    "{name} {level}\n{csv}"
                );
                if levels[i].1 > 0 && WEIGHTS[i] > 0.0 {
                    sum += WEIGHTS[i] * levels[i].0 as f64 / levels[i].1 as f64;
                    weight += WEIGHTS[i];
                }
            }
            let score = if weight > 0.0 {
                100.0 * sum / weight
            } else {
                0.0
            };
            let written: f64 = row["score"].parse().expect("a number");
            assert!(
                (written - score).abs() <= 0.05,
                "{name}: {written} vs {score}\n{csv}"
            );
        }
    }
    assert_eq!(rows.len(), expected_rows, "{csv}");
    // The lab-style server fails the reference scenarios (its own expect file says why)
    // and passes core: its row shows it, and so does the page.
    let lab = rows
        .iter()
        .find(|r| r["implementation"] == "lab-style server")
        .expect("the lab-style row");
    assert_eq!(
        (lab["core_passed"].as_str(), lab["core_total"].as_str()),
        ("1", "1"),
        "{csv}"
    );
    assert_eq!(lab["reference_total"], "2", "{csv}");
    assert_eq!(lab["reference_passed"], "0", "{csv}");
    let page = std::fs::read_to_string(out.path().join("matrix.html")).expect("matrix.html");
    assert!(page.contains("<th class=\"row\">by level</th>"), "{page}");
    assert!(
        page.contains("core 1/1 · robust 1/1 · reference 2/2 · wording 1/1"),
        "{page}"
    );
}
