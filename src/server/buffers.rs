//! Coalescing buffers kept for reuse by the out-queues of one thread, so that a steady
//! fan-out does not allocate, and fault in, a fresh buffer per receiver per burst.

/// A coalescing buffer takes frames until it holds this much.
pub(super) const COALESCE_CAP: usize = 64 * 1024;

/// Written buffers at least this large are kept for reuse (smaller ones served a trickle).
const KEPT_BUFFER_MIN: usize = COALESCE_CAP / 2;

/// Coalescing buffers kept for reuse by the queues of one thread. Freed and allocated again
/// on every fan-out, 64 KiB buffers went back to the system and came back as fresh pages:
/// page faults were 7% of the polling server's time. The default pool keeps nothing.
#[derive(Debug, Default)]
pub(crate) struct BufferPool {
    spare: Vec<Vec<u8>>,
    keep: usize,
}

impl BufferPool {
    /// A pool that keeps up to `keep` large buffers.
    pub fn keeping(keep: usize) -> Self {
        Self {
            spare: Vec::new(),
            keep,
        }
    }

    /// A kept buffer if there is one; else one sized to what it first holds (it grows as
    /// frames arrive), so that a burst of notices to thousands of idle connections does not
    /// cost 64 KiB each.
    pub fn take(&mut self, first_fill: usize) -> Vec<u8> {
        self.spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(2 * first_fill))
    }

    /// Keeps a written buffer that grew large, while there is room.
    pub fn give(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < self.keep && buf.capacity() >= KEPT_BUFFER_MIN {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// How many buffers are kept now.
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.spare.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_written_buffers_come_back_empty_small_ones_and_extras_do_not() {
        let mut pool = BufferPool::keeping(1);
        let mut large = pool.take(100);
        assert!(
            large.capacity() < KEPT_BUFFER_MIN,
            "a new buffer fits its first frames"
        );
        large.resize(KEPT_BUFFER_MIN, 7);
        let address = large.as_ptr();
        pool.give(vec![0; 100]);
        assert_eq!(pool.kept(), 0, "a small buffer is not kept");
        pool.give(large);
        pool.give(vec![0; KEPT_BUFFER_MIN]);
        assert_eq!(pool.kept(), 1, "no more than the limit");
        let again = pool.take(100);
        assert!(again.is_empty() && again.as_ptr() == address);
        assert_eq!(BufferPool::default().take(100).capacity(), 200);
    }
}
