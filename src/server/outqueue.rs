//! One connection's outbound stream as both drivers keep it: whole frames and stored-file
//! bodies in order, written with as few syscalls as the writer accepts, file bodies read from
//! the spool one chunk at a time. Small frames (a relayed chat line is under 100 bytes) are
//! copied into one contiguous buffer as they arrive, so a burst of broadcasts leaves in one
//! plain write instead of a vectored write of many tiny slices, whose per-slice cost showed at
//! the top of the kernel's share of the profile (the buffers come from, and go back to, the
//! driver's [`BufferPool`]). It reports what it wrote in the core's queue-cost units, so
//! the core's per-connection accounting (and so flow control) is the same in both modes.
//! File bodies go from the page cache to the socket without a copy where the system allows
//! ([`super::zerocopy`]).

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

use bytes::{Buf, Bytes};

use super::buffers::{BufferPool, COALESCE_CAP};
use super::zerocopy::{FileSource, Sink};
use crate::core::{Output, FILE_QUEUE_COST};

/// Bytes read from a stored file per write (loopback takes far more than 64 KiB per write,
/// so bigger pieces halve the system calls of a relay).
const FILE_CHUNK: usize = 256 * 1024;
/// Frames handed to one vectored write.
const MAX_SLICES: usize = 64;
/// An empty queue with more slots than this gives its memory back.
const KEEP_SLOTS: usize = 16;
/// Frames up to this size are copied into a shared buffer rather than queued on their own.
const COALESCE_MAX: usize = 2048;

#[derive(Debug)]
enum Entry<B> {
    Bytes(Bytes),
    /// Small frames copied together; `written` of them are already on the wire.
    Coalesced {
        buf: Vec<u8>,
        written: usize,
    },
    File {
        body: B,
        read: u64,
    },
}

/// What a [`OutQueue::flush`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flushed {
    /// Queue cost written, to report through `Core::handle_written`.
    pub cost: u64,
    /// Bytes written (frames and file body bytes): progress even when no cost completed,
    /// as while a large file body drains.
    pub bytes: u64,
    /// The writer would block: wait for writability before flushing again.
    pub blocked: bool,
}

/// The pending output of one connection.
#[derive(Debug)]
pub(crate) struct OutQueue<B> {
    entries: VecDeque<Entry<B>>,
    /// The current file chunk and how much of it is written.
    chunk: Vec<u8>,
    chunk_written: usize,
}

impl<B> Default for OutQueue<B> {
    fn default() -> Self {
        Self {
            entries: VecDeque::new(),
            chunk: Vec::new(),
            chunk_written: 0,
        }
    }
}

impl<B: FileSource> OutQueue<B> {
    /// Appends a `Send` or `SendFile` output (anything else is ignored).
    pub fn push(&mut self, output: Output<B>, pool: &mut BufferPool) {
        match output {
            Output::Send { bytes, .. } if bytes.len() <= COALESCE_MAX && !bytes.is_empty() => {
                match self.entries.back_mut() {
                    Some(Entry::Coalesced { buf, .. })
                        if buf.len() + bytes.len() <= COALESCE_CAP =>
                    {
                        buf.extend_from_slice(&bytes);
                    }
                    // A second small frame behind a small one: from here on they are copied
                    // together. A lone frame stays shared (no copy per recipient), so an idle
                    // connection that gets the odd notice keeps no buffer of its own.
                    Some(Entry::Bytes(first)) if first.len() <= COALESCE_MAX => {
                        let mut buf = pool.take(first.len() + bytes.len());
                        buf.extend_from_slice(first);
                        buf.extend_from_slice(&bytes);
                        if let Some(back) = self.entries.back_mut() {
                            *back = Entry::Coalesced { buf, written: 0 };
                        }
                    }
                    _ => self.entries.push_back(Entry::Bytes(bytes)),
                }
            }
            Output::Send { bytes, .. } if !bytes.is_empty() => {
                self.entries.push_back(Entry::Bytes(bytes))
            }
            Output::SendFile { body, .. } => self.entries.push_back(Entry::File { body, read: 0 }),
            _ => {}
        }
    }

    /// True when everything has been written.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Moves everything from `other` to the end of this queue.
    pub fn append(&mut self, other: &mut Vec<Output<B>>, pool: &mut BufferPool) {
        for output in other.drain(..) {
            self.push(output, pool);
        }
    }

    /// Writes until the queue is empty, the writer would block, `budget` cost was written, or
    /// an error. Interrupted writes are retried. On error the connection is done for.
    pub fn flush(
        &mut self,
        w: &mut impl Sink,
        budget: u64,
        pool: &mut BufferPool,
    ) -> io::Result<Flushed> {
        let mut cost = 0;
        let mut bytes = 0;
        'queue: loop {
            if cost >= budget {
                return Ok(Flushed {
                    cost,
                    bytes,
                    blocked: false,
                });
            }
            let result = match self.entries.front_mut() {
                None => {
                    if self.entries.capacity() > KEEP_SLOTS {
                        self.entries = VecDeque::new();
                    }
                    return Ok(Flushed {
                        cost,
                        bytes,
                        blocked: false,
                    });
                }
                Some(Entry::Bytes(_) | Entry::Coalesced { .. }) => {
                    self.write_frames(w, pool).map(|n| {
                        cost += n as u64;
                        bytes += n as u64;
                    })
                }
                Some(Entry::File { body, read }) => 'file: {
                    if self.chunk_written == self.chunk.len() {
                        if *read == body.len() {
                            self.entries.pop_front();
                            self.chunk = Vec::new();
                            self.chunk_written = 0;
                            cost += FILE_QUEUE_COST;
                            continue 'queue;
                        }
                        let want = FILE_CHUNK
                            .min(usize::try_from(body.len() - *read).unwrap_or(FILE_CHUNK));
                        if let Some(sent) = body.file().and_then(|f| w.send_file(f, *read, want)) {
                            break 'file sent.and_then(shorter_than_announced).map(|n| {
                                *read += n as u64;
                                bytes += n as u64;
                            });
                        }
                        self.chunk.resize(want, 0);
                        let n = shorter_than_announced(body.read_at(*read, &mut self.chunk)?)?;
                        self.chunk.truncate(n);
                        self.chunk_written = 0;
                        *read += n as u64;
                    }
                    w.write(&self.chunk[self.chunk_written..])
                        .and_then(non_zero)
                        .map(|n| {
                            self.chunk_written += n;
                            bytes += n as u64;
                        })
                }
            };
            match result {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(Flushed {
                        cost,
                        bytes,
                        blocked: true,
                    })
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One write (vectored when there are several) of the frames at the front; returns the
    /// bytes written.
    fn write_frames(&mut self, w: &mut impl Write, pool: &mut BufferPool) -> io::Result<usize> {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let mut count = 0;
        for entry in self.entries.iter().take(MAX_SLICES) {
            slices[count] = IoSlice::new(match entry {
                Entry::Bytes(bytes) => bytes,
                Entry::Coalesced { buf, written } => &buf[*written..],
                Entry::File { .. } => break,
            });
            count += 1;
        }
        let written = if count == 1 {
            non_zero(w.write(&slices[0])?)?
        } else {
            non_zero(w.write_vectored(&slices[..count])?)?
        };
        let mut left = written;
        while left > 0 {
            let remaining = match self.entries.front_mut() {
                Some(Entry::Bytes(front)) => {
                    let take = front.len().min(left);
                    front.advance(take);
                    left -= take;
                    front.len()
                }
                Some(Entry::Coalesced { buf, written }) => {
                    let take = (buf.len() - *written).min(left);
                    *written += take;
                    left -= take;
                    buf.len() - *written
                }
                _ => break,
            };
            if remaining == 0 {
                if let Some(Entry::Coalesced { buf, .. }) = self.entries.pop_front() {
                    pool.give(buf);
                }
            }
        }
        Ok(written)
    }
}

/// A stored file that ends before its announced length cannot be relayed.
fn shorter_than_announced(n: usize) -> io::Result<usize> {
    if n == 0 {
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "stored file is shorter than announced",
        ))
    } else {
        Ok(n)
    }
}

fn non_zero(n: usize) -> io::Result<usize> {
    if n == 0 {
        Err(io::ErrorKind::WriteZero.into())
    } else {
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
