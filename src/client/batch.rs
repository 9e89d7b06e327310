//! The batch reading half, for receivers that must keep up with millions of frames a second:
//! one socket read fills a large buffer, then every complete frame in it is decoded as a
//! borrowed view by the one decoder — no allocation per frame, one await per read.

use std::io;

use tokio::io::AsyncReadExt;
use tokio::net::tcp::OwnedReadHalf;

use crate::protocol::{DecodeError, FrameDecoder, ItemRef, ServerFrame};

/// Bytes one read can fill. A partial frame left behind is at most 65 537 bytes, so a read
/// always has room for at least 190 KiB.
pub const BATCH_BUFFER: usize = 256 * 1024;

/// An item decoded by [`BatchReader::next_item`], borrowing from the reader's buffer.
pub type BatchItem<'a> = Result<ItemRef<'a, ServerFrame>, DecodeError<&'a [u8]>>;

/// Reads from the server in large batches and yields borrowed items
/// ([`ServerFrameRef`](crate::protocol::ServerFrameRef) frames, body chunks as slices).
///
/// Made from an [`EventReader`](super::EventReader) with
/// [`into_batch`](super::EventReader::into_batch), which hands over the bytes it had read
/// and its place in the stream. Use: take [`next_item`](Self::next_item) until it returns
/// `None`, then [`fill`](Self::fill) once, and again.
#[derive(Debug)]
pub struct BatchReader {
    socket: OwnedReadHalf,
    buf: Vec<u8>,
    /// The undecoded bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    decoder: FrameDecoder<ServerFrame>,
}

impl BatchReader {
    pub(super) fn new(
        socket: OwnedReadHalf,
        buffered: &[u8],
        decoder: FrameDecoder<ServerFrame>,
    ) -> Self {
        // Bytes an EventReader had read are real input, never an announced length; keep room
        // for a full read behind them.
        let mut buf = vec![0u8; BATCH_BUFFER.max(buffered.len() + BATCH_BUFFER / 2)];
        buf[..buffered.len()].copy_from_slice(buffered);
        Self {
            socket,
            buf,
            start: 0,
            end: buffered.len(),
            decoder,
        }
    }

    /// The next item decoded from the bytes read so far; `None` when more bytes are needed.
    /// An `Err` is one malformed frame, already skipped: the stream goes on.
    #[inline]
    pub fn next_item(&mut self) -> Option<BatchItem<'_>> {
        let (consumed, item) = self.decoder.decode_ref(&self.buf[self.start..self.end]);
        self.start += consumed;
        item
    }

    /// Waits until the server sends something, then reads as much as fits in one read.
    /// Returns how many bytes arrived; 0 means the server closed the connection.
    ///
    /// Cancel-safe: a cancelled call has read nothing. Fails with `InvalidInput` when the
    /// buffer is full of undecoded bytes (items left untaken).
    pub async fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            // What is left is at most one partial frame: move it to the front.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the batch buffer is full: take the decoded items before reading more",
            ));
        }
        let n = self.socket.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }

    /// Bytes read but not yet decoded.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }
}
