//! The message shape: N receivers and S senders log in, then every sender sends M messages of
//! B bytes, either closed-loop (the next after every receiver got the previous) or pipelined
//! with up to `window` messages in flight. Receivers check that they get every message exactly
//! once and in order per sender; latency is the time from stamping a message to the read
//! that brought it in.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{watch, Notify};

use super::flow::{receive, Shared, NONE};
use super::payload::{self, Stamp, MARKER_LEN};
use super::setup::{login, settle};
use super::{new_histogram, secs, Common, Latency, MeasuredServer, SetupError};
use crate::client::FrameWriter;
use crate::protocol::{ClientFrame, Frame, MAX_PAYLOAD};
/// A pipelined sender writes up to this many bytes of frames at a time.
const BATCH: usize = 64 * 1024;

/// How senders pace themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pace {
    /// The next message after every receiver got the previous one.
    Closed,
    /// Up to `window` messages per sender in flight.
    Pipelined {
        /// Messages in flight (sent, not yet delivered to every receiver).
        window: u64,
    },
}

/// A message run's shape.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Receivers.
    pub receivers: usize,
    /// Senders (they receive each other's messages too, but only receivers are checked).
    pub senders: usize,
    /// Messages per sender.
    pub messages: u32,
    /// Payload bytes per message (at least [`MARKER_LEN`]).
    pub size: usize,
    /// Pacing.
    pub pace: Pace,
}

impl Shape {
    /// Why this shape cannot run, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.receivers == 0 || self.senders == 0 || self.messages == 0 {
            return Err("receivers, senders and messages must all be at least 1".into());
        }
        if self.senders > usize::from(u16::MAX) {
            return Err(format!("at most {} senders", u16::MAX));
        }
        if self.size < MARKER_LEN || self.size > MAX_PAYLOAD - 100 {
            return Err(format!(
                "message size must be {MARKER_LEN}..={} bytes",
                MAX_PAYLOAD - 100
            ));
        }
        if self.pace == (Pace::Pipelined { window: 0 }) {
            return Err("the window must be at least 1".into());
        }
        Ok(())
    }
}

/// What a message run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Messages every receiver should have got: receivers × senders × messages.
    pub expected: u64,
    /// Messages delivered to receivers (first copies only).
    pub delivered: u64,
    /// Messages missing at the end, summed over receivers.
    pub lost: u64,
    /// Copies of messages already received.
    pub duplicated: u64,
    /// Messages that came before an earlier one of the same sender.
    pub reordered: u64,
    /// Other trouble (connections closed, malformed frames, echoes), first few described.
    pub errors: Vec<String>,
    /// From the first send to the last delivery, seconds.
    pub seconds: f64,
    /// Delivered messages per second.
    pub msgs_per_s: f64,
    /// Delivered payload megabytes (10^6 bytes) per second.
    pub mb_per_s: f64,
    /// Latency percentiles.
    pub latency: Latency,
    /// Server CPU seconds during the send phase, when known.
    pub server_cpu_s: Option<f64>,
    /// This process's CPU seconds during the send phase.
    pub client_cpu_s: Option<f64>,
    /// Seconds spent connecting and logging in.
    pub setup_s: f64,
}

impl Report {
    /// True when every message arrived exactly once, in order, with no other trouble.
    pub fn ok(&self) -> bool {
        self.delivered == self.expected
            && self.lost == 0
            && self.duplicated == 0
            && self.reordered == 0
            && self.errors.is_empty()
    }
}

/// Runs one message shape against `server`. `progress` is told deliveries so far.
pub async fn run(
    server: MeasuredServer,
    shape: &Shape,
    common: &Common,
    progress: impl FnMut(u64, u64),
) -> Result<Report, SetupError> {
    let shared = Arc::new(Shared {
        start: Instant::now(),
        receivers: shape.receivers as u64,
        messages: u64::from(shape.messages),
        senders: shape.senders,
        delivered: (0..shape.senders).map(|_| AtomicU64::new(0)).collect(),
        want: (0..shape.senders).map(|_| AtomicU64::new(NONE)).collect(),
        wake: (0..shape.senders).map(|_| Notify::new()).collect(),
        notices: AtomicU64::new(0),
        stopping: AtomicBool::new(false),
        errors: std::sync::Mutex::new(Vec::new()),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let setup_start = Instant::now();
    let cast = log_in_everyone(&server, shape, common, &shared, &stop_rx).await?;
    let setup_s = secs(setup_start.elapsed());
    let server_cpu_span = server.cpu_span();
    let client_cpu0 = super::cpu::self_cpu();
    let send_start = shared.now_ns();
    for (s, writer) in cast.senders.into_iter().enumerate() {
        let (shared, shape, stall) = (shared.clone(), shape.clone(), common.stall);
        tokio::spawn(async move { send(writer, s, &shape, &shared, stall).await });
    }
    let expected = shared.receivers * shared.senders as u64 * shared.messages;
    watch_deliveries(&shared, expected, common, progress).await;
    let server_cpu = server_cpu_span.seconds(&server);
    let client_cpu = client_cpu0
        .zip(super::cpu::self_cpu())
        .map(|(a, b)| secs(b.saturating_sub(a)));
    shared.stopping.store(true, Ordering::Release);
    let _ = stop_tx.send(true);
    let mut report = Report {
        expected,
        delivered: shared.total(),
        lost: 0,
        duplicated: 0,
        reordered: 0,
        errors: Vec::new(),
        seconds: 0.0,
        msgs_per_s: 0.0,
        mb_per_s: 0.0,
        latency: Latency::default(),
        server_cpu_s: server_cpu,
        client_cpu_s: client_cpu,
        setup_s,
    };
    let last_ns = collect_receivers(cast.readers, &shared, &mut report, send_start).await;
    drop(cast.writers);
    report.seconds = (last_ns - send_start) as f64 / 1e9;
    if report.seconds > 0.0 {
        report.msgs_per_s = report.delivered as f64 / report.seconds;
        report.mb_per_s = report.msgs_per_s * shape.size as f64 / 1e6;
    }
    report.errors = shared.errors.lock().map(|e| e.clone()).unwrap_or_default();
    Ok(report)
}

/// The logged-in connections of a run.
struct Cast {
    /// Each receiver's reading task.
    readers: Vec<tokio::task::JoinHandle<super::flow::Received>>,
    /// The receivers' write halves, kept open until the end.
    writers: Vec<FrameWriter>,
    /// The senders' write halves.
    senders: Vec<FrameWriter>,
}

/// Logs in the receivers, then the senders, one at a time (settling on each join notice
/// when asked to), and starts each one's reading task.
async fn log_in_everyone(
    server: &MeasuredServer,
    shape: &Shape,
    common: &Common,
    shared: &Arc<Shared>,
    stop_rx: &watch::Receiver<bool>,
) -> Result<Cast, SetupError> {
    let n = shape.receivers;
    let mut cast = Cast {
        readers: Vec::with_capacity(n),
        writers: Vec::with_capacity(n),
        senders: Vec::with_capacity(shape.senders),
    };
    let mut settling = !common.settle.is_zero();
    for i in 0..n + shape.senders {
        let is_sender = i >= n;
        let name = if is_sender {
            format!("{}s{}", common.name_prefix, i - n)
        } else {
            format!("{}r{i}", common.name_prefix)
        };
        let conn = login(server.addr, &name, common.timeout).await?;
        let (reader, writer) = conn.split();
        let task = receive(
            reader.into_batch(),
            shared.clone(),
            is_sender,
            stop_rx.clone(),
        );
        if is_sender {
            tokio::spawn(task);
            cast.senders.push(writer);
        } else {
            cast.readers.push(tokio::spawn(task));
            cast.writers.push(writer);
        }
        if settling && i > 0 {
            settling = settle(&shared.notices, i as u64, common.settle).await;
        }
    }
    Ok(cast)
}

/// Waits until every delivery is in, no delivery came for `common.stall`, or the run's
/// timeout passed (the last two are recorded as errors); reports progress meanwhile.
async fn watch_deliveries(
    shared: &Shared,
    expected: u64,
    common: &Common,
    mut progress: impl FnMut(u64, u64),
) {
    let deadline = Instant::now() + common.timeout;
    let (mut last, mut last_change) = (0, Instant::now());
    loop {
        let total = shared.total();
        progress(total, expected);
        if total >= expected {
            return;
        }
        if total != last {
            (last, last_change) = (total, Instant::now());
        } else if last_change.elapsed() >= common.stall {
            shared.error(format!(
                "no progress for {:?} at {total} of {expected} deliveries",
                common.stall
            ));
            return;
        }
        if Instant::now() >= deadline {
            shared.error(format!("timed out after {:?}", common.timeout));
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Adds up what each receiver counted (losses, copies, reorders, latency); returns when the
/// last delivery came, in the run's nanoseconds.
async fn collect_receivers(
    readers: Vec<tokio::task::JoinHandle<super::flow::Received>>,
    shared: &Shared,
    report: &mut Report,
    send_start: u64,
) -> u64 {
    let mut latency = new_histogram();
    let mut last_ns = send_start;
    for handle in readers {
        match handle.await {
            Ok(received) => {
                report.duplicated += received.duplicated;
                report.reordered += received.reordered;
                report.lost += received
                    .next
                    .iter()
                    .map(|&next| shared.messages.saturating_sub(next))
                    .sum::<u64>();
                let _ = latency.add(&received.latency);
                last_ns = last_ns.max(received.last_ns);
            }
            Err(e) => shared.error(format!("a receiver task failed: {e}")),
        }
    }
    report.latency = Latency::from_histogram(&latency);
    last_ns
}

/// One sender: stamps and sends its messages at the shape's pace.
async fn send(mut writer: FrameWriter, s: usize, shape: &Shape, shared: &Shared, stall: Duration) {
    let m = shared.messages;
    let n = shared.receivers;
    let mut frame = ClientFrame::Text(String::with_capacity(shape.size));
    let mut buf = Vec::with_capacity(BATCH + shape.size + 8);
    let mut k = 0u64;
    let window = match shape.pace {
        Pace::Closed => 1,
        Pace::Pipelined { window } => window,
    };
    while k < m {
        let limit = m.min(shared.delivered[s].load(Ordering::Acquire) / n + window);
        if k >= limit {
            if !shared.wait_delivered(s, (k + 1 - window) * n, stall).await {
                return; // the coordinator notices the stall
            }
            continue;
        }
        buf.clear();
        while k < limit && buf.len() < BATCH {
            if let ClientFrame::Text(text) = &mut frame {
                let stamp = Stamp {
                    sender: u16::try_from(s).unwrap_or(u16::MAX),
                    seq: u32::try_from(k).unwrap_or(u32::MAX),
                    sent_ns: shared.now_ns(),
                };
                payload::write(text, stamp, shape.size);
            }
            if let Err(e) = frame.encode(&mut buf) {
                return shared.error(format!("sender {s}: cannot encode: {e}"));
            }
            k += 1;
        }
        if let Err(e) = writer.send_raw(&buf).await {
            return shared.error(format!("sender {s}: write failed: {e}"));
        }
    }
    // Keep the connection open until the run ends: closing it would tell the others.
    while !shared.stopping.load(Ordering::Acquire) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(writer);
}
