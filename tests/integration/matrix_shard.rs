//! `matrix --shard K/N` and `matrix merge` end to end: a matrix shaped like
//! `examples/matrix.toml` (both built-in servers, the lab-style server and client with their
//! known failures, the reference client; a few scenarios of each suite) run whole and as 4
//! shards; the merge's `matrix.json` equals the single run's and its page shows the same
//! grids and counts; a missing shard, a doubled one and one of another matrix file are each
//! refused, naming it.

use std::path::Path;
use std::process::Output;

use crate::support::{harness, python};
use scraper::{Html, Selector};

const TOML: &str = "tests/fixtures/matrix/sharded.toml";

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What a reader sees of a page: every counts line, and every grid cell's class and text.
fn page_counts(path: &Path) -> (Vec<String>, Vec<(String, String)>) {
    let page = Html::parse_document(&std::fs::read_to_string(path).unwrap());
    let counts = Selector::parse("p.counts").unwrap();
    let cells = Selector::parse("table.grid td").unwrap();
    (
        page.select(&counts)
            .map(|p| p.text().collect::<String>())
            .collect(),
        page.select(&cells)
            .map(|td| {
                let class = td.value().attr("class").unwrap_or_default().to_owned();
                (class, td.text().collect::<String>())
            })
            .collect(),
    )
}

#[test]
fn four_shards_merge_into_the_single_runs_matrix_and_wrong_sets_are_refused() {
    if !python() {
        eprintln!("python3 is not installed: skipping the lab-style implementations");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let dir = |name: &str| work.path().join(name).to_str().unwrap().to_owned();
    // The single run and the four shards, one after another (side by side, on a loaded
    // machine, the lab-style implementations' races would make the runs differ).
    let runs: Vec<(String, Option<String>)> = std::iter::once(("single".to_owned(), None))
        .chain((1..=4).map(|k| (format!("shard-{k}"), Some(format!("{k}/4")))))
        .collect();
    let outputs: Vec<Output> = runs
        .iter()
        .map(|(name, shard)| {
            let out = dir(name);
            let mut args = vec!["matrix", TOML, "--out", &out, "--no-timings", "-j", "1"];
            if let Some(shard) = shard {
                args.extend(["--shard", shard]);
            }
            harness(&args)
        })
        .collect();
    for ((name, _), output) in runs.iter().zip(&outputs) {
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: every cell as expected\n{}\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            std::fs::read_to_string(format!("{}/matrix.json", dir(name))).unwrap_or_default(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let shard_json = |k: usize| format!("{}/matrix.json", dir(&format!("shard-{k}")));
    let shard_files: Vec<String> = (1..=4).map(shard_json).collect();

    // Each shard holds about a quarter of the cells, marked as shard K/4 of this TOML.
    let total = json(&work.path().join("single/matrix.json"))["grids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["cells"].as_array().unwrap().len())
        .sum::<usize>();
    let mut sizes = Vec::new();
    for (k, file) in shard_files.iter().enumerate() {
        let value = json(Path::new(file));
        assert_eq!(value["shard"]["index"], k + 1);
        assert_eq!(value["shard"]["count"], 4);
        assert_eq!(value["shard"]["toml_sha256"].as_str().unwrap().len(), 64);
        let cells: usize = value["grids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["cells"].as_array().unwrap().len())
            .sum();
        assert_eq!(cells, value["shard"]["cells"].as_array().unwrap().len());
        sizes.push(cells);
    }
    assert_eq!(sizes.iter().sum::<usize>(), total, "{sizes:?}");
    assert!(
        sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
        "balanced: {sizes:?}"
    );

    // Merged in any order: the single run's matrix.json, cell for cell, and the same page.
    let merged = dir("merged");
    let mut args = vec!["matrix", "merge"];
    args.extend(shard_files.iter().rev().map(String::as_str));
    args.extend(["--out", &merged, "--no-timings"]);
    let output = harness(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let single = json(&work.path().join("single/matrix.json"));
    let whole = json(&work.path().join("merged/matrix.json"));
    // Modulo times, which --no-timings leaves out: every member the same.
    for (key, value) in single.as_object().unwrap() {
        assert!(
            whole[key] == *value,
            "matrix.json's `{key}` differs:\n{}\n{}",
            &value.to_string()[..value.to_string().len().min(600)],
            &whole[key].to_string()[..whole[key].to_string().len().min(600)]
        );
    }
    assert_eq!(single, whole);
    assert!(total > 30, "{total} cells");
    let (single_counts, single_cells) = page_counts(&work.path().join("single/matrix.html"));
    let (merged_counts, merged_cells) = page_counts(&work.path().join("merged/matrix.html"));
    assert_eq!(single_counts, merged_counts);
    assert_eq!(single_cells, merged_cells);
    // The same grades, with the matrix file's own [grading] weights carried in the shards.
    let grades = |d: &str| {
        std::fs::read_to_string(work.path().join(d).join("grades.csv")).unwrap_or_default()
    };
    assert!(grades("single").lines().count() > 5, "{}", grades("single"));
    assert_eq!(grades("single"), grades("merged"));
    assert!(single_cells
        .iter()
        .any(|(class, _)| class.contains("expected")));

    // A missing shard, a doubled one: refused, naming it; nothing written.
    let refused = |args: &[&str], needle: &str| {
        let output = harness(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    };
    let nowhere = dir("refused");
    let (s1, s2, s3, s4) = (
        &shard_files[0],
        &shard_files[1],
        &shard_files[2],
        &shard_files[3],
    );
    refused(
        &["matrix", "merge", s1, s2, s4, "--out", &nowhere],
        "shard 3/4 missing (given: 1/4, 2/4, 4/4)",
    );
    refused(
        &["matrix", "merge", s1, s2, s3, s4, s2, "--out", &nowhere],
        "shard 2/4 given twice",
    );
    // A shard of another matrix file.
    let other = dir("other");
    let output = harness(&[
        "matrix",
        "tests/fixtures/matrix/one-failing.toml",
        "--shard",
        "3/4",
        "--out",
        &other,
    ]);
    assert!(output.status.code().is_some_and(|c| c < 2), "{output:?}");
    let other_json = format!("{other}/matrix.json");
    refused(
        &[
            "matrix",
            "merge",
            s1,
            s2,
            &other_json,
            s4,
            "--out",
            &nowhere,
        ],
        "shard 3/4 comes from another matrix file (TOML sha256)",
    );
    assert!(!Path::new(&nowhere).exists());
    // The plain matrix.json of a single run is no shard.
    let plain = work.path().join("single/matrix.json");
    refused(
        &[
            "matrix",
            "merge",
            plain.to_str().unwrap(),
            "--out",
            &nowhere,
        ],
        "not a shard",
    );
}
