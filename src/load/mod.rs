//! The load generator behind `chat-harness bench`: clients built on the project's own
//! [`Connection`](crate::client::Connection) (so every byte is decoded by the one decoder;
//! receivers read through its [`BatchReader`](crate::client::BatchReader), borrowed frames
//! and one await per read, so that they keep up with the server) drive any server at an
//! address in one of three shapes:
//!
//! - [`messages`]: N receivers and S senders; every sender sends M messages, closed-loop or
//!   pipelined with a window; every receiver must get every message exactly once and in order
//!   per sender, or the run fails. Throughput and latency (hdrhistogram) are reported.
//! - [`file`](mod@file): one sender uploads a file of a given size; N receivers must get it intact.
//! - [`connect`]: clients connect and authenticate as fast as the server lets them, and are
//!   held open together.
//!
//! Everything runs on the caller's tokio runtime (the bench uses a current-thread one, so the
//! load generator takes one core and leaves the other to the server).

pub mod connect;
pub mod cpu;
pub mod file;
mod file_body;
mod flow;
pub mod messages;
pub mod payload;
mod raw_relay;
mod setup;

use std::time::Duration;

use serde::Serialize;

pub use setup::SetupError;

/// The server being measured: where it is, and how to read its CPU time.
#[derive(Debug, Clone, Copy)]
pub struct MeasuredServer {
    /// Its address.
    pub addr: std::net::SocketAddr,
    /// Its process group, when the bench started it (for CPU time).
    pub pgrp: Option<u32>,
}

impl MeasuredServer {
    /// CPU time spent so far by the server's process group, if known.
    pub fn cpu(&self) -> Option<Duration> {
        self.pgrp.and_then(cpu::group_cpu)
    }

    /// Starts counting the server's CPU time, for a shape's `server_cpu_s`.
    pub(crate) fn cpu_span(&self) -> CpuSpan {
        CpuSpan(self.cpu())
    }
}

/// The server's CPU time from a starting point (every shape reads it the same way).
pub(crate) struct CpuSpan(Option<Duration>);

impl CpuSpan {
    /// Server CPU seconds since the span started, when known. A process group's total can
    /// drop when one of its processes exits: that reads as no time, not a panic.
    pub fn seconds(&self, server: &MeasuredServer) -> Option<f64> {
        self.0
            .zip(server.cpu())
            .map(|(start, now)| secs(now.saturating_sub(start)))
    }
}

/// Knobs shared by every shape.
#[derive(Debug, Clone)]
pub struct Common {
    /// Names are this prefix, a role letter and an index (`benchr0`, `benchs0`).
    pub name_prefix: String,
    /// After each auth, how long to wait for the join notices to reach the clients already
    /// in (servers in the original's style break when joins overlap). Zero: do not wait.
    pub settle: Duration,
    /// A run with no progress for this long fails.
    pub stall: Duration,
    /// No run lasts longer than this.
    pub timeout: Duration,
}

impl Default for Common {
    fn default() -> Self {
        Self {
            name_prefix: "bench".to_owned(),
            settle: Duration::from_millis(300),
            stall: Duration::from_secs(3),
            timeout: Duration::from_secs(120),
        }
    }
}

/// Latency percentiles, in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// Largest.
    pub max_us: f64,
}

impl Latency {
    /// The percentiles of a histogram recorded in nanoseconds.
    pub fn from_histogram(h: &hdrhistogram::Histogram<u64>) -> Self {
        let us = |ns: u64| ns as f64 / 1000.0;
        if h.is_empty() {
            return Self::default();
        }
        Self {
            p50_us: us(h.value_at_quantile(0.5)),
            p99_us: us(h.value_at_quantile(0.99)),
            p999_us: us(h.value_at_quantile(0.999)),
            max_us: us(h.max()),
        }
    }
}

/// A histogram for latencies from 1 ns to 100 s at 3 significant figures.
pub(crate) fn new_histogram() -> hdrhistogram::Histogram<u64> {
    // The bounds are constants that hdrhistogram accepts; fall back to auto-resizing anyway.
    hdrhistogram::Histogram::new_with_bounds(1, 100_000_000_000, 3)
        .or_else(|_| hdrhistogram::Histogram::new(3))
        .unwrap_or_else(|_| unreachable_histogram())
}

#[cold]
fn unreachable_histogram() -> hdrhistogram::Histogram<u64> {
    // `Histogram::new(3)` only fails for sigfig > 5.
    panic!("hdrhistogram rejected 3 significant figures")
}

/// Seconds as f64, for reports.
pub(crate) fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
