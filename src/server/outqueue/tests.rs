//! The out-queue through a writer that takes a little at a time and blocks every other call:
//! frames and file bodies in order, their cost with and without buffer reuse, and a file
//! shorter than announced.

use super::*;
use crate::core::{ConnId, FileBody};

/// A writer that takes at most `cap` bytes per call and blocks every other call.
struct Choppy {
    out: Vec<u8>,
    cap: usize,
    calls: usize,
}

impl Write for Choppy {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 2 == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.cap);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for Choppy {}

#[test]
fn frames_and_file_bodies_come_out_in_order_through_a_choppy_writer() {
    let to = ConnId(1);
    let body = Bytes::from((0..200_000u32).map(|i| i as u8).collect::<Vec<_>>());
    let mut q = OutQueue::default();
    let pool = &mut BufferPool::default();
    q.push(
        Output::Send {
            to,
            bytes: Bytes::from_static(b"head"),
        },
        pool,
    );
    q.push(
        Output::SendFile {
            to,
            body: body.clone(),
        },
        pool,
    );
    q.push(
        Output::Send {
            to,
            bytes: Bytes::from_static(b"tail"),
        },
        pool,
    );
    let mut w = Choppy {
        out: Vec::new(),
        cap: 7_000,
        calls: 0,
    };
    let mut cost = 0;
    while !q.is_empty() {
        cost += q.flush(&mut w, 10_000, pool).unwrap().cost;
    }
    let mut expected = b"head".to_vec();
    expected.extend_from_slice(&body);
    expected.extend_from_slice(b"tail");
    assert!(w.out == expected);
    assert_eq!(cost, 8 + FILE_QUEUE_COST);
}

#[test]
fn small_and_large_frames_mixed_keep_their_order_and_cost_with_and_without_reuse() {
    let to = ConnId(1);
    for keep in [0, 2] {
        let mut pool = BufferPool::keeping(keep);
        let mut q: OutQueue<Bytes> = OutQueue::default();
        let mut expected = Vec::new();
        for i in 0..5_000usize {
            let len = if i % 997 == 0 { 3_000 } else { 1 + i % 90 };
            let frame: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
            expected.extend_from_slice(&frame);
            q.push(
                Output::Send {
                    to,
                    bytes: Bytes::from(frame),
                },
                &mut pool,
            );
        }
        let mut w = Choppy {
            out: Vec::new(),
            cap: 5_000,
            calls: 0,
        };
        let mut cost = 0;
        while !q.is_empty() {
            cost += q.flush(&mut w, 20_000, &mut pool).unwrap().cost;
        }
        assert!(w.out == expected);
        assert_eq!(cost, expected.len() as u64);
        assert_eq!(
            pool.kept(),
            keep,
            "written buffers are kept up to the limit"
        );
    }
}

#[test]
fn a_file_shorter_than_announced_is_an_error_not_a_hang() {
    #[derive(Debug, Clone)]
    struct Liar;
    impl FileBody for Liar {
        fn len(&self) -> u64 {
            10
        }
        fn read_at(&self, _: u64, _: &mut [u8]) -> io::Result<usize> {
            Ok(0)
        }
    }
    impl FileSource for Liar {}
    let mut q = OutQueue::default();
    let pool = &mut BufferPool::default();
    q.push(
        Output::SendFile {
            to: ConnId(0),
            body: Liar,
        },
        pool,
    );
    assert!(q.flush(&mut Vec::new(), u64::MAX, pool).is_err());
}
