//! One direction of the proxy: [`read_on`] reads and reports, [`Writer`] writes a read on
//! (paced to the bandwidth, cut by `slice`, stopping at `reset_after`), and [`deliver`] holds
//! reads back for `delay` (with seeded jitter, never reordering) and merges those within
//! `coalesce`.

use std::io;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc::{self, Receiver};
use tokio::time::{sleep_until, timeout_at};

use super::watch::{frames_in, AnyFrame, Watch};
use super::{write, Direction, EventKind, Perturb, Reporter, READ_SIZE};
use crate::protocol::Frame;

/// One read on its way: its bytes, frame/body runs and when it was read.
pub(super) struct Chunk {
    pub bytes: Vec<u8>,
    pub runs: Vec<(usize, bool)>,
    pub at: Instant,
}

/// How a direction ended, for the connection: end of stream (the other direction goes on),
/// broken (the connection ends), or reset by `reset_after` (both sides get an RST).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Clean,
    Broken,
    Reset,
}

/// How one direction ended.
pub(super) enum Ended {
    /// End of stream: the other side is half-closed.
    Eof,
    /// A read failed: passed on as a reset.
    ReadError,
    /// Writing on failed.
    WriteError(io::Error),
    /// `reset_after` bytes went on: both sides are reset.
    Reset,
}

/// The write half of one direction with its pacing and byte count.
pub(super) struct Writer<'a> {
    pub to: &'a mut OwnedWriteHalf,
    perturb: Perturb,
    forwarded: u64,
    next_free: Instant,
}

impl<'a> Writer<'a> {
    pub fn new(to: &'a mut OwnedWriteHalf, perturb: Perturb) -> Self {
        Writer {
            to,
            perturb,
            forwarded: 0,
            next_free: Instant::now(),
        }
    }

    /// Bytes written on so far.
    pub fn forwarded(&self) -> u64 {
        self.forwarded
    }

    /// Writes one read on; `Ok(true)` once `reset_after` bytes have gone (the rest is not
    /// written).
    pub async fn send(&mut self, bytes: &[u8], runs: &[(usize, bool)]) -> io::Result<bool> {
        let mut bytes = bytes;
        let mut reset = false;
        if let Some(limit) = self.perturb.reset_after {
            let left = usize::try_from(limit.saturating_sub(self.forwarded)).unwrap_or(usize::MAX);
            if bytes.len() >= left {
                (bytes, reset) = (&bytes[..left], true);
            }
        }
        match self.perturb.bandwidth.filter(|r| *r > 0) {
            None => write(self.to, bytes, runs, self.perturb).await?,
            Some(rate) => {
                // Pieces of a sixteenth of a second, each sent when the rate allows it.
                let piece = usize::try_from(rate / 16).unwrap_or(usize::MAX).max(1);
                let mut start = 0;
                while start < bytes.len() {
                    let len = piece.min(bytes.len() - start);
                    let begin = self.next_free.max(Instant::now());
                    sleep_until(begin.into()).await;
                    let part = &bytes[start..start + len];
                    write(self.to, part, &runs_within(runs, start, len), self.perturb).await?;
                    self.next_free = begin + Duration::from_secs_f64(len as f64 / rate as f64);
                    start += len;
                }
            }
        }
        self.forwarded += bytes.len() as u64;
        Ok(reset)
    }
}

/// The part of `runs` (lengths covering a read) that falls in `start..start + len`.
fn runs_within(runs: &[(usize, bool)], start: usize, len: usize) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for &(n, body) in runs {
        let (a, b) = (pos.max(start), pos.saturating_add(n).min(start + len));
        if a < b {
            out.push((b - a, body));
        }
        pos = pos.saturating_add(n);
    }
    out
}

/// Writes on what the reader queues, each read `delay` (± jitter) after it was read and never
/// before an earlier one, reads within `coalesce` of the first merged into one write.
pub(super) async fn deliver(
    mut queue: Receiver<Chunk>,
    writer: &mut Writer<'_>,
    seed: u64,
) -> Ended {
    let perturb = writer.perturb;
    let mut rng = seed;
    let mut last_due = Instant::now();
    while let Some(mut chunk) = queue.recv().await {
        if let Some(hold) = perturb.coalesce {
            let until = chunk.at + hold;
            while let Ok(Some(more)) = timeout_at(until.into(), queue.recv()).await {
                chunk.bytes.extend_from_slice(&more.bytes);
                chunk.runs.extend_from_slice(&more.runs);
            }
            sleep_until(until.into()).await;
        }
        if let Some(delay) = perturb.delay {
            let due = (chunk.at + jittered(delay, perturb.jitter, &mut rng)).max(last_due);
            last_due = due;
            sleep_until(due.into()).await;
        }
        match writer.send(&chunk.bytes, &chunk.runs).await {
            Ok(false) => {}
            Ok(true) => return Ended::Reset,
            Err(e) => return Ended::WriteError(e),
        }
    }
    Ended::Eof
}

/// Where [`read_on`] puts each read.
pub(super) enum Outlet<'w, 'a> {
    /// Written on at once.
    Now(&'w mut Writer<'a>),
    /// Queued for [`deliver`].
    Queue(mpsc::Sender<Chunk>),
}

/// Reads one direction until end of stream or an error, reporting each read and putting it
/// into `outlet`.
pub(super) async fn read_on<F: Frame + Into<AnyFrame>>(
    from: &mut OwnedReadHalf,
    dir: Direction,
    out: &Reporter,
    watch: &mut Watch<F>,
    mut outlet: Outlet<'_, '_>,
) -> Ended {
    let mut buf = vec![0u8; READ_SIZE];
    let closed = |how: String, watch: &Watch<F>| EventKind::Closed {
        dir,
        how,
        unfinished: watch.unfinished().map_or(0, |u| u.buffered),
    };
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) => {
                out.emit(closed("end of stream".into(), watch));
                return Ended::Eof;
            }
            Ok(n) => n,
            Err(e) => {
                out.emit(closed(e.to_string(), watch));
                return Ended::ReadError;
            }
        };
        let at = Instant::now();
        let bytes = &buf[..n];
        let seen = watch.segment(bytes);
        let frames = frames_in(&seen);
        if frames > 1 {
            out.emit(EventKind::Segment {
                dir,
                bytes: n,
                frames,
            });
        }
        if seen.is_empty() {
            if let Some(partial) = watch.unfinished().filter(|u| !u.in_body && u.buffered > 0) {
                out.emit(EventKind::Pending {
                    dir,
                    buffered: partial.buffered,
                });
            }
        }
        for seen in seen {
            out.emit(EventKind::Seen { dir, seen });
        }
        // Reported before it is written on, so that what a read causes at the server is
        // never reported before the read itself (the checker relies on that order).
        match &mut outlet {
            Outlet::Now(writer) => match writer.send(bytes, watch.runs()).await {
                Ok(false) => {}
                Ok(true) => return Ended::Reset,
                Err(e) => return Ended::WriteError(e),
            },
            Outlet::Queue(queue) => {
                let chunk = Chunk {
                    bytes: bytes.to_vec(),
                    runs: watch.runs().to_vec(),
                    at,
                };
                if queue.send(chunk).await.is_err() {
                    return Ended::Eof;
                }
            }
        }
    }
}

/// `delay` plus a uniform offset within ±`jitter` (never below zero), from a splitmix64 state.
fn jittered(delay: Duration, jitter: Duration, state: &mut u64) -> Duration {
    let span = u64::try_from(jitter.as_micros()).unwrap_or(u64::MAX / 4);
    if span == 0 {
        return delay;
    }
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let offset = z % (2 * span + 1);
    (delay + Duration::from_micros(offset)).saturating_sub(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_cut_to_the_piece() {
        let runs = [(3, false), (5, true), (2, false)];
        assert_eq!(runs_within(&runs, 0, 4), [(3, false), (1, true)]);
        assert_eq!(runs_within(&runs, 4, 6), [(4, true), (2, false)]);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let mut state = 7;
        let (d, j) = (Duration::from_millis(20), Duration::from_millis(5));
        for _ in 0..1000 {
            let got = jittered(d, j, &mut state);
            assert!(got >= d - j && got <= d + j, "{got:?}");
        }
    }
}
