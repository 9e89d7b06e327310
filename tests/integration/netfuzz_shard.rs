//! `fuzz --shard K/N` and `fuzz merge`: two shards of one seed against a faulty test server
//! run disjoint sessions (by their seeds in `fuzz-run.json`), both find the fault, and the
//! merge keeps one finding for it, the smaller reproducer, with one summary.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chat_harness::netfuzz::shard::{self, RunRecord};
use chat_harness::netfuzz::{self, Budget, FuzzConfig, Profile, Shape};
use chat_harness::shard::Shard;

use crate::faulty::{Fault, FaultyProvider};

fn config(seed: u64, out: &Path, shard: Shard) -> FuzzConfig {
    FuzzConfig {
        seed,
        budget: Budget::Sessions(12),
        shape: Shape {
            attackers: 2,
            max_turns: 8,
            suffix: String::new(),
            timeout: Duration::from_millis(600),
            profile: Profile::Robust,
        },
        out: out.to_owned(),
        keep_going: true,
        shrink_runs: 300,
        shrink_time: Duration::from_secs(60),
        shard: Some(shard),
    }
}

fn record(dir: &Path) -> RunRecord {
    serde_json::from_str(&std::fs::read_to_string(dir.join(shard::RECORD)).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_run_disjoint_sessions_and_the_merge_keeps_one_finding_per_fault() {
    let work = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    // Two faulty servers, each fuzzed by two shards of one seed.
    for (seed, fault) in [(11, Fault::EchoToSender), (12, Fault::JoinWording)] {
        for k in 1..=2 {
            let dir = work.path().join(format!("{fault:?}-{k}"));
            let cfg = config(seed, &dir, format!("{k}/2").parse().unwrap());
            let summary = netfuzz::fuzz(&cfg, Arc::new(FaultyProvider(fault)), |_| {}).await;
            assert!(summary.error.is_none(), "{:?}", summary.error);
            assert_eq!(summary.sessions, 12);
            shard::write_record(&cfg, &summary).unwrap();
            dirs.push(dir);
        }
    }
    let (one, two) = (record(&dirs[0]), record(&dirs[1]));
    assert_eq!(one.session_seeds.len(), 12);
    assert!(
        one.session_seeds
            .iter()
            .all(|s| !two.session_seeds.contains(s)),
        "disjoint sessions: {:?} {:?}",
        one.session_seeds,
        two.session_seeds
    );
    for r in [&one, &two] {
        assert!(
            r.findings.iter().any(|f| f.signature.oracle == "echo"),
            "both shards find the echo: {r:?}"
        );
    }
    let (three, four) = (record(&dirs[2]), record(&dirs[3]));
    assert!(three
        .session_seeds
        .iter()
        .all(|s| !four.session_seeds.contains(s)));
    let smallest_echo = [&one, &two]
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.signature.oracle == "echo")
        .map(|f| f.steps)
        .min();

    let out = work.path().join("merged");
    let merged = shard::merge(&dirs, &out).unwrap();
    assert_eq!(merged.sessions, 48);
    assert_eq!(merged.repeated_sessions, 0);
    let of = |oracle: &str| -> Vec<&shard::Merged> {
        merged
            .findings
            .iter()
            .filter(|f| f.signature.oracle == oracle)
            .collect()
    };
    let (echo, notice) = (of("echo"), of("notice"));
    assert_eq!(
        echo.len(),
        1,
        "one finding per fault: {:?}",
        merged.findings
    );
    assert_eq!(
        notice.len(),
        1,
        "one finding per fault: {:?}",
        merged.findings
    );
    assert_eq!(echo[0].found_by, 2, "both shards found it");
    assert_eq!(
        Some(echo[0].steps),
        smallest_echo,
        "the smaller reproducer kept"
    );
    // The kept reproducers and the one summary are in the output folder, nothing else.
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected: Vec<String> = merged.findings.iter().map(|f| f.file.clone()).collect();
    expected.push(shard::MERGED.to_owned());
    expected.sort();
    assert_eq!(files, expected);
    let text = std::fs::read_to_string(out.join(&echo[0].file)).unwrap();
    assert!(text.contains("oracle: echo"), "{text}");
}
