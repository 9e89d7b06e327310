//! The two server designs side by side, each run in-process on 127.0.0.1 and driven by the
//! project's load generator (`chat_harness::load`): fan-out of 64-byte messages to N = 1, 10 and
//! 100 receivers (pipelined, window 1000), connect + login rate, and a 16 MiB file relayed to 4
//! receivers. Each iteration sets clients up untimed and times only the measured phase.
//!
//! Kept small (10 flat samples, short warm-up) so the whole file runs in a few minutes:
//! `cargo bench --bench servers`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chat_harness::load::{self, messages, Common, MeasuredServer};
use chat_harness::server::{self, Mode, ServerConfig, ServerHandle};
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn start(mode: Mode) -> (ServerHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let handle = server::spawn(ServerConfig::new(mode, dir.path())).expect("the server starts");
    (handle, dir)
}

/// Fresh names for every run, so that a run never meets the names of the last one's clients
/// while the server is still processing their disconnects.
fn common() -> Common {
    static RUN: AtomicU64 = AtomicU64::new(0);
    Common {
        name_prefix: format!("b{}_", RUN.fetch_add(1, Ordering::Relaxed)),
        stall: Duration::from_secs(5),
        timeout: Duration::from_secs(60),
        ..Common::default()
    }
}

fn fanout(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("fanout_64B_pipelined");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (receivers, messages) in [(1usize, 50_000u32), (10, 20_000), (100, 2_000)] {
        group.throughput(Throughput::Elements(receivers as u64 * u64::from(messages)));
        for mode in Mode::ALL {
            let (handle, _dir) = start(mode);
            let shape = messages::Shape {
                receivers,
                senders: 1,
                messages,
                size: 64,
                pace: messages::Pace::Pipelined { window: 1000 },
            };
            let server = MeasuredServer {
                addr: handle.addr(),
                pgrp: None,
            };
            group.bench_with_input(
                BenchmarkId::new(mode.to_string(), receivers),
                &shape,
                |b, shape| {
                    b.iter_custom(|iters| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let report = rt
                                .block_on(messages::run(server, shape, &common(), |_, _| {}))
                                .expect("clients log in");
                            assert!(report.ok(), "a fan-out run lost messages: {report:?}");
                            total += Duration::from_secs_f64(report.seconds);
                        }
                        total
                    })
                },
            );
        }
    }
    group.finish();
}

fn connect(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("connect_login");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    const CLIENTS: usize = 100;
    group.throughput(Throughput::Elements(CLIENTS as u64));
    for mode in Mode::ALL {
        let (handle, _dir) = start(mode);
        let server = MeasuredServer {
            addr: handle.addr(),
            pgrp: None,
        };
        group.bench_function(BenchmarkId::new(mode.to_string(), CLIENTS), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let report = rt
                        .block_on(load::connect::run(server, CLIENTS, 8, &common(), |_, _| {}))
                        .expect("the run starts");
                    assert!(report.ok(), "a connect run failed: {report:?}");
                    total += Duration::from_secs_f64(report.seconds);
                }
                total
            })
        });
    }
    group.finish();
}

fn file(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("file_16MiB_to_4");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    const SIZE: u32 = 16 << 20;
    const RECEIVERS: usize = 4;
    group.throughput(Throughput::Bytes(u64::from(SIZE) * RECEIVERS as u64));
    for mode in Mode::ALL {
        let (handle, _dir) = start(mode);
        let server = MeasuredServer {
            addr: handle.addr(),
            pgrp: None,
        };
        group.bench_function(BenchmarkId::new(mode.to_string(), RECEIVERS), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let report = rt
                        .block_on(load::file::run(
                            server,
                            RECEIVERS,
                            SIZE,
                            &common(),
                            load::file::Reading::Frames,
                            |_, _| {},
                        ))
                        .expect("clients log in");
                    assert!(report.ok(), "a file run failed: {report:?}");
                    total += Duration::from_secs_f64(report.seconds_to_last_byte);
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fanout, connect, file);
criterion_main!(benches);
