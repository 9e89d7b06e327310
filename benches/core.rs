//! The sans-IO chat core alone, with no sockets: a sender's text frames in, relayed bytes out
//! for every recipient, per second. Set against `benches/servers.rs`, this separates the cost
//! of the chat logic from the cost of moving bytes through the kernel.

use std::hint::black_box;
use std::time::Duration;

use chat_harness::core::{ConnId, Core, Limits, MemorySpool, Now, Output};
use chat_harness::protocol::{ClientFrame, Frame};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Frames the sender delivers per iteration (one 64 KiB read's worth of 64-byte frames).
const FRAMES: usize = 1000;

fn now() -> Now {
    Now {
        unix_secs: 1_700_000_000,
        elapsed: Duration::from_secs(1),
    }
}

/// Drains the core's outputs, reporting them written; returns the bytes addressed to clients.
fn drain(core: &mut Core<MemorySpool>) -> usize {
    let mut bytes = 0;
    while let Some(output) = core.poll_output() {
        if let Output::Send { to, bytes: b } = &output {
            bytes += b.len();
            core.handle_written(*to, b.len() as u64, now());
        }
    }
    bytes
}

/// A core with `receivers` logged-in receivers and one sender (the last id).
fn room(receivers: u64) -> Core<MemorySpool> {
    let mut core = Core::new(Limits::default(), MemorySpool::new());
    for id in 0..=receivers {
        core.handle_connect(ConnId(id), now());
        let auth = ClientFrame::auth(format!("u{id}"), 0)
            .to_bytes()
            .expect("encodable");
        core.handle_bytes(ConnId(id), &auth, now());
        drain(&mut core);
    }
    core
}

fn relay(c: &mut Criterion) {
    let mut input = Vec::new();
    for i in 0..FRAMES {
        ClientFrame::Text(format!("{i:064}"))
            .encode(&mut input)
            .expect("encodable");
    }
    let mut group = c.benchmark_group("core_relay_64B");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for receivers in [1u64, 10, 100] {
        let mut core = room(receivers);
        let sender = ConnId(receivers);
        group.throughput(Throughput::Elements(FRAMES as u64 * receivers));
        group.bench_function(BenchmarkId::new("deliveries", receivers), |b| {
            b.iter(|| {
                core.handle_bytes(sender, black_box(&input), now());
                black_box(drain(&mut core))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, relay);
criterion_main!(benches);
