//! What a message run's tasks share: per-sender delivery counts that wake a waiting sender,
//! and the receiving side that checks every message arrives exactly once and in order.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::sync::{watch, Notify};

use super::new_histogram;
use super::payload;
use crate::client::{Event, EventReader};
use crate::protocol::ServerFrame;

/// A `want` slot nobody waits on.
pub(super) const NONE: u64 = u64::MAX;

/// State the senders, receivers and the coordinator share.
pub(super) struct Shared {
    pub start: Instant,
    pub receivers: u64,
    pub messages: u64,
    pub senders: usize,
    /// Per sender: deliveries of its messages (first copies) over all receivers.
    pub delivered: Vec<AtomicU64>,
    /// Per sender: the delivery count its sender is waiting for (NONE: not waiting).
    pub want: Vec<AtomicU64>,
    pub wake: Vec<Notify>,
    pub notices: AtomicU64,
    pub stopping: AtomicBool,
    pub errors: std::sync::Mutex<Vec<String>>,
}

impl Shared {
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(NONE - 1)
    }

    /// Deliveries so far, over all senders and receivers.
    pub fn total(&self) -> u64 {
        self.delivered
            .iter()
            .map(|d| d.load(Ordering::Acquire))
            .sum()
    }

    /// Records a problem (the first ten are kept).
    pub fn error(&self, what: String) {
        if let Ok(mut errors) = self.errors.lock() {
            if errors.len() < 10 {
                errors.push(what);
            }
        }
    }

    /// Waits until sender `s` has `target` deliveries; false after `stall` without them.
    pub async fn wait_delivered(&self, s: usize, target: u64, stall: Duration) -> bool {
        loop {
            if self.delivered[s].load(Ordering::Acquire) >= target {
                return true;
            }
            self.want[s].store(target, Ordering::Release);
            if self.delivered[s].load(Ordering::Acquire) >= target {
                self.want[s].store(NONE, Ordering::Release);
                return true;
            }
            if tokio::time::timeout(stall, self.wake[s].notified())
                .await
                .is_err()
            {
                self.want[s].store(NONE, Ordering::Release);
                return self.delivered[s].load(Ordering::Acquire) >= target;
            }
        }
    }
}

/// What one receiver saw.
pub(super) struct Received {
    /// When the last delivery was decoded (ns since the start).
    pub last_ns: u64,
    pub next: Vec<u64>,
    pub duplicated: u64,
    pub reordered: u64,
    pub latency: hdrhistogram::Histogram<u64>,
}

/// One client's reading side: records the receivers' deliveries; drains a sender's.
pub(super) async fn receive(
    mut reader: EventReader,
    shared: Arc<Shared>,
    is_sender: bool,
    mut stop: watch::Receiver<bool>,
) -> Received {
    let per_receiver = shared.messages * shared.senders as u64;
    let mut got = 0u64;
    let (mut now, mut stamps, mut waited, mut seen) = (0u64, 0u32, true, 0u32);
    let mut r = Received {
        last_ns: 0,
        next: vec![0; shared.senders],
        duplicated: 0,
        reordered: 0,
        latency: new_histogram(),
    };
    while is_sender || got < per_receiver {
        // An event already buffered is taken without touching the stop signal; only when
        // the reader has to wait does it also watch for the end of the run.
        seen = seen.wrapping_add(1);
        if seen % 1024 == 0 && *stop.borrow() {
            break; // a server that never pauses cannot keep the run going
        }
        let event = match reader.next_event().now_or_never() {
            Some(event) => event,
            None => {
                waited = true;
                tokio::select! {
                    event = reader.next_event() => event,
                    _ = stop.changed() => break,
                }
            }
        };
        let text = match event {
            Ok(Event::Frame(ServerFrame::Text(text))) => text,
            Ok(Event::Frame(_) | Event::FileBody(_) | Event::FileEnd) => continue,
            Ok(Event::Malformed(e)) => {
                shared.error(format!("malformed frame from the server: {e}"));
                continue;
            }
            Ok(Event::Closed) | Err(_) => {
                if !shared.stopping.load(Ordering::Acquire) {
                    shared.error("the server closed a client's connection".into());
                }
                break;
            }
        };
        let Some(stamp) = message_of(&text.body).and_then(payload::parse) else {
            shared.notices.fetch_add(1, Ordering::AcqRel);
            continue;
        };
        if is_sender {
            continue;
        }
        // Reading the clock costs as much as decoding a frame here: read it after every
        // wait (so closed-loop latencies are exact) and every 16 deliveries in a burst.
        if waited || r.last_ns == 0 || stamps % 16 == 0 {
            now = shared.now_ns();
            waited = false;
        }
        stamps = stamps.wrapping_add(1);
        let s = usize::from(stamp.sender);
        let seq = u64::from(stamp.seq);
        let Some(next) = r.next.get_mut(s) else {
            shared.error(format!("a message from unknown sender {s}"));
            continue;
        };
        if seq < *next {
            r.duplicated += 1;
            continue;
        }
        if seq > *next || seq >= shared.messages {
            r.reordered += 1;
            continue;
        }
        *next += 1;
        got += 1;
        let _ = r.latency.record(now.saturating_sub(stamp.sent_ns).max(1));
        r.last_ns = now;
        let delivered = shared.delivered[s].fetch_add(1, Ordering::AcqRel) + 1;
        if delivered >= shared.want[s].load(Ordering::Acquire)
            && shared.want[s].swap(NONE, Ordering::AcqRel) != NONE
        {
            shared.wake[s].notify_one();
        }
    }
    r
}

/// The message of a chat line `[sender] message`. Names cannot hold `]`, so the first one ends
/// the sender: cheaper than [`ServerText::chat_line`](crate::protocol::ServerText::chat_line)'s
/// substring search, which showed in the profile at millions of lines a second.
fn message_of(body: &str) -> Option<&str> {
    let end = body.bytes().position(|b| b == b']')?;
    body.get(end + 1..)?.strip_prefix(' ')
}
