//! How fast a scenario client reads its socket: not at all (`stop-reading`), as fast as
//! bytes come (the default), steadily at a set rate (`read-slowly bob 2MB per 1s`), or not
//! for a while and then at full speed (`pause-reading bob 1s`); and the clock the client's
//! pump consults before each read to keep that pace.

use std::time::Duration;

use tokio::time::Instant;

use crate::client::Event;
use crate::protocol::Frame;

/// About how many bytes of the stream an event stands for (a frame's prefix, type and
/// payload; a body chunk's bytes).
pub fn wire_size(event: &std::io::Result<Event>) -> usize {
    match event {
        Ok(Event::Frame(frame)) => frame.payload_len().map_or(3, |n| n + 3),
        Ok(Event::FileBody(bytes)) => bytes.len(),
        _ => 0,
    }
}

/// A client's reading pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Not reading: the kernel buffers fill up, then the server's queue.
    Stopped,
    /// Reading whatever arrives, at once.
    Full,
    /// Not reading until then, then reading at full speed.
    PausedUntil(Instant),
    /// Reading `bytes` per `per` on average.
    Slow {
        /// Bytes per period.
        bytes: u64,
        /// The period.
        per: Duration,
    },
}

/// Keeps a [`Pace::Slow`] rate: counts what was read since the pace was set and says when the
/// next read may start.
#[derive(Debug)]
pub struct Pacer {
    pace: Pace,
    since: Instant,
    consumed: u64,
}

impl Pacer {
    /// A pacer at `pace`, starting now.
    pub fn new(pace: Pace) -> Self {
        Self {
            pace,
            since: Instant::now(),
            consumed: 0,
        }
    }

    /// Switches to `pace` if it differs, restarting the count.
    pub fn follow(&mut self, pace: Pace) {
        if pace != self.pace {
            *self = Self::new(pace);
        }
    }

    /// The pace in force.
    pub fn pace(&self) -> Pace {
        self.pace
    }

    /// `n` more bytes were read.
    pub fn consumed(&mut self, n: usize) {
        self.consumed = self.consumed.saturating_add(n as u64);
    }

    /// When the next read may start: `None` for at once.
    pub fn next_read(&self) -> Option<Instant> {
        let (bytes, per) = match self.pace {
            Pace::Slow { bytes, per } => (bytes, per),
            Pace::PausedUntil(until) => return (until > Instant::now()).then_some(until),
            Pace::Stopped | Pace::Full => return None,
        };
        let secs = per.as_secs_f64() * self.consumed as f64 / bytes.max(1) as f64;
        let at = self.since + Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX);
        (at > Instant::now()).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_pace_spaces_reads_by_the_bytes_already_read() {
        let mut pacer = Pacer::new(Pace::Slow {
            bytes: 1000,
            per: Duration::from_secs(1),
        });
        assert_eq!(pacer.next_read(), None, "the first read is free");
        pacer.consumed(500);
        assert_eq!(
            pacer.next_read(),
            Some(pacer.since + Duration::from_millis(500))
        );
        pacer.since -= Duration::from_millis(600);
        assert_eq!(pacer.next_read(), None, "the time for 500 bytes has passed");
        pacer.follow(Pace::Full);
        pacer.consumed(1 << 30);
        assert_eq!(pacer.next_read(), None, "full speed never waits");
        let until = Instant::now() + Duration::from_secs(60);
        pacer.follow(Pace::PausedUntil(until));
        assert_eq!(pacer.next_read(), Some(until));
        pacer.follow(Pace::PausedUntil(Instant::now() - Duration::from_millis(1)));
        assert_eq!(pacer.next_read(), None, "after the pause, full speed");
    }
}
