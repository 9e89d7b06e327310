//! The server's resident memory during a 24 MB unpaced flood toward one slow but steady reader
//! and one reader that stopped, in both modes: flow control must keep it under
//! 3 × `--queue-limit` + 64 MiB above the idle size. Timing-sensitive and slow-ish, so ignored
//! by default; run it (release build) with
//! `cargo test --release --test integration -- --ignored --nocapture flow_memory`
//! and the figures go to BENCHMARKS.md.
//!
//! The server runs as its own process (the `serve` binary); a thread samples its VmRSS from
//! `/proc/PID/status` every 5 ms from before the first client until the flood is delivered.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chat_harness::core::wording;
use chat_harness::protocol::{ClientFrame, Item, ServerFrame};

use crate::idle_clients::{rss_kib, serve_process};
use crate::server_support::{numbered_flood, Client};

const QUEUE_LIMIT: u64 = 4 << 20;
const MESSAGE: usize = 60_000;
const FLOOD: usize = 400;

#[test]
#[ignore = "timing-sensitive measurement; run on demand with --release --ignored"]
fn flow_memory_threaded() {
    measure("threaded");
}

#[test]
#[ignore = "timing-sensitive measurement; run on demand with --release --ignored"]
fn flow_memory_polling() {
    measure("polling");
}

fn measure(mode: &str) {
    let root = tempfile::tempdir().expect("temp dir");
    let queue_limit = QUEUE_LIMIT.to_string();
    let (mut server, addr) = serve_process(
        &[
            "--mode",
            mode,
            "--queue-limit",
            &queue_limit,
            "--stall-timeout",
            "2s",
        ],
        &root.path().join("files"),
    );
    let pid = server.id();
    let idle = rss_kib(pid);
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let (peak, elapsed) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        });
        let mut alice = login(addr, "alice");
        let mut bob = login(addr, "bob");
        alice.expect_notice(&wording::connected("bob"));
        let carol = login(addr, "carol");
        let flood = numbered_flood(FLOOD, MESSAGE);
        let mut stream = alice.stream().try_clone().expect("clone");
        scope.spawn(move || stream.write_all(&flood).expect("alice is never cut off"));
        // bob: about 6 MB/s at most, so the whole flood takes him several seconds.
        let mut next = 0;
        while next < FLOOD {
            let text = bob.text();
            if let Some((_, message)) = text.chat_line() {
                assert_eq!(message[..8].parse::<usize>().ok(), Some(next), "in order");
                next += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let elapsed = start.elapsed();
        done.store(true, Ordering::Relaxed);
        drop(carol);
        (sampler.join().expect("sampler"), elapsed)
    });
    let _ = server.kill();
    let _ = server.wait();
    let grew = peak.saturating_sub(idle);
    let bound = 3 * QUEUE_LIMIT / 1024 + 64 * 1024;
    println!(
        "{mode}: idle {idle} KiB, peak {peak} KiB, grew {grew} KiB (bound {bound} KiB), \
         flood of {} MB delivered in {elapsed:?}",
        FLOOD * MESSAGE / 1_000_000
    );
    assert!(grew < bound, "{mode}: grew {grew} KiB, bound {bound} KiB");
}

fn login(addr: SocketAddr, name: &str) -> Client {
    let mut client = Client::connect(addr, name);
    client.send(&ClientFrame::auth(name, 0));
    match client.item() {
        Item::Frame(ServerFrame::AuthOk(_)) => client,
        other => panic!("{name}: expected auth-ok, got {other:?}"),
    }
}
