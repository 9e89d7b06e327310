//! Replays every committed fuzz corpus input through its target's body, so a crash found once
//! stays a regression test on stable.

use std::fs;
use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("readable corpus dir").path();
        let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let result = std::panic::catch_unwind(|| run(&data));
        assert!(result.is_ok(), "{target} fails on {}", path.display());
        count += 1;
    }
    assert!(count > 0, "{} holds no corpus", dir.display());
}

#[test]
fn frame_decode_corpus() {
    replay("frame_decode", chat_harness::fuzz_targets::frame_decode);
}

#[test]
fn frame_roundtrip_corpus() {
    replay(
        "frame_roundtrip",
        chat_harness::fuzz_targets::frame_roundtrip,
    );
}

#[test]
fn core_session_corpus() {
    replay("core_session", chat_harness::fuzz_targets::core_session);
}
