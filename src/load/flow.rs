//! What a message run's tasks share: per-sender delivery counts that wake a waiting sender,
//! and the receiving side that checks every message arrives exactly once and in order.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use super::new_histogram;
use super::payload;
use crate::client::BatchReader;
use crate::protocol::{Item, ServerFrameRef};

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
    /// When the last delivery was decoded (ns since the start; read after the batch that
    /// held it).
    pub last_ns: u64,
    pub next: Vec<u64>,
    pub duplicated: u64,
    pub reordered: u64,
    pub latency: hdrhistogram::Histogram<u64>,
}

/// One client's reading side: records the receivers' deliveries; drains a sender's.
///
/// One read per wake-up fills a large buffer; every frame in it is decoded as a borrowed view
/// and checked before the next read, and the deliveries are published once per read.
pub(super) async fn receive(
    mut reader: BatchReader,
    shared: Arc<Shared>,
    is_sender: bool,
    mut stop: watch::Receiver<bool>,
) -> Received {
    let per_receiver = shared.messages * shared.senders as u64;
    let mut r = Received {
        last_ns: 0,
        next: vec![0; shared.senders],
        duplicated: 0,
        reordered: 0,
        latency: new_histogram(),
    };
    let mut tally = Tally {
        got: 0,
        now: 0,
        new: vec![0; shared.senders],
    };
    loop {
        while let Some(item) = reader.next_item() {
            let text = match item {
                Ok(Item::Frame(ServerFrameRef::Text(text))) => text,
                Ok(_) => continue,
                Err(e) => {
                    shared.error(format!("malformed frame from the server: {e}"));
                    continue;
                }
            };
            match message_of(text.body).and_then(payload::parse) {
                None => {
                    shared.notices.fetch_add(1, Ordering::AcqRel);
                }
                Some(stamp) if !is_sender => tally.record(&mut r, &shared, stamp),
                Some(_) => {}
            }
        }
        if tally.publish(&shared) {
            r.last_ns = shared.now_ns();
        }
        if (!is_sender && tally.got >= per_receiver) || *stop.borrow() {
            break;
        }
        let read = tokio::select! {
            read = reader.fill() => read,
            _ = stop.changed() => break,
        };
        let trouble = match read {
            Ok(0) => "the server closed a client's connection".to_owned(),
            Ok(_) => {
                tally.now = shared.now_ns();
                continue;
            }
            Err(e) => format!("a client's read failed: {e}"),
        };
        if !shared.stopping.load(Ordering::Acquire) {
            shared.error(trouble);
        }
        break;
    }
    r
}

/// A receiver's deliveries within one read, published together.
struct Tally {
    /// First copies received so far, over all senders.
    got: u64,
    /// When the current read returned (ns since the start): the arrival time of its messages.
    now: u64,
    /// Per sender: first copies in this read, not yet published.
    new: Vec<u64>,
}

impl Tally {
    /// Checks one stamp against the order expected from its sender and records it.
    fn record(&mut self, r: &mut Received, shared: &Shared, stamp: payload::Stamp) {
        let s = usize::from(stamp.sender);
        let seq = u64::from(stamp.seq);
        let (Some(next), Some(new)) = (r.next.get_mut(s), self.new.get_mut(s)) else {
            shared.error(format!("a message from unknown sender {s}"));
            return;
        };
        if seq < *next {
            r.duplicated += 1;
            return;
        }
        if seq > *next || seq >= shared.messages {
            r.reordered += 1;
            return;
        }
        *next += 1;
        *new += 1;
        self.got += 1;
        let _ = r
            .latency
            .record(self.now.saturating_sub(stamp.sent_ns).max(1));
    }

    /// Adds this read's deliveries to the shared counts and wakes a sender waiting for them.
    /// True when there were any.
    fn publish(&mut self, shared: &Shared) -> bool {
        let mut any = false;
        for (s, new) in self.new.iter_mut().enumerate() {
            if *new == 0 {
                continue;
            }
            any = true;
            let delivered = shared.delivered[s].fetch_add(*new, Ordering::AcqRel) + *new;
            *new = 0;
            if delivered >= shared.want[s].load(Ordering::Acquire)
                && shared.want[s].swap(NONE, Ordering::AcqRel) != NONE
            {
                shared.wake[s].notify_one();
            }
        }
        any
    }
}

/// The message of a chat line `[sender] message`. Names cannot hold `]`, so the first one ends
/// the sender: cheaper than [`ServerText::chat_line`](crate::protocol::ServerText::chat_line)'s
/// substring search, which showed in the profile at millions of lines a second.
fn message_of(body: &str) -> Option<&str> {
    let end = body.bytes().position(|b| b == b']')?;
    body.get(end + 1..)?.strip_prefix(' ')
}
