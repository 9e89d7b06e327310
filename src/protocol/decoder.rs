//! The streaming decoder: bytes in, in any chunking; whole frames, file-body chunks and
//! per-frame errors out. The only code in chat-harness that turns bytes into frames.

use std::io::{self, Read};
use std::marker::PhantomData;

use bytes::{Buf, Bytes, BytesMut};
use thiserror::Error;

use super::{frame_type, Frame, FrameError, LEN_PREFIX};

/// What the decoder produces, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<F> {
    /// A whole frame. A file frame is followed by its body as [`Item::FileBody`] chunks, then
    /// [`Item::FileEnd`].
    Frame(F),
    /// The next bytes of the current file body (never empty). How the body is cut into chunks
    /// depends on how the bytes arrived; their concatenation does not.
    FileBody(Bytes),
    /// The current file body is complete (emitted right after the header for an empty file).
    FileEnd,
}

/// A frame that could not be decoded. The decoder has consumed it (and the body of a file
/// frame whose size could still be read), so the stream stays in sync: keep decoding.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{error}")]
pub struct DecodeError {
    /// What is wrong with the frame.
    pub error: FrameError,
    /// The frame's bytes as received, length prefix included.
    pub raw: Bytes,
    /// How many body bytes the decoder skips after it (for a malformed file header).
    pub skipped_body: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a length prefix.
    Frame,
    /// Inside a file body that is yielded to the caller.
    Body { remaining: u32 },
    /// Inside the body of a file header that failed to parse: discarded.
    Skip { remaining: u32 },
}

/// The decoder's state machine, over a buffer the caller owns (the shape of
/// `tokio_util::codec::Decoder`). Most code wants [`StreamDecoder`], which owns its buffer.
///
/// It consumes from `buf` exactly what it returns, never reserves space from an announced
/// length, and holds at most one partial frame (at most 65 537 bytes) of a well-behaved
/// caller's input.
#[derive(Debug)]
pub struct FrameDecoder<F> {
    state: State,
    frame: PhantomData<fn() -> F>,
}

impl<F> Default for FrameDecoder<F> {
    fn default() -> Self {
        Self {
            state: State::Frame,
            frame: PhantomData,
        }
    }
}

impl<F: Frame> FrameDecoder<F> {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when the decoder is inside a file body (yielded or skipped).
    pub fn in_body(&self) -> bool {
        self.state != State::Frame
    }

    /// Decodes the next item from the front of `buf`.
    ///
    /// `Ok(None)` means more bytes are needed. `Err` reports one malformed frame, already
    /// consumed: call again for the next item.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Item<F>>, DecodeError> {
        loop {
            match self.state {
                State::Body { remaining: 0 } => {
                    self.state = State::Frame;
                    return Ok(Some(Item::FileEnd));
                }
                State::Body { remaining } => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let take = buf.len().min(remaining as usize);
                    // take <= remaining, so the cast back is lossless.
                    self.state = State::Body {
                        remaining: remaining - take as u32,
                    };
                    return Ok(Some(Item::FileBody(buf.split_to(take).freeze())));
                }
                State::Skip { remaining: 0 } => self.state = State::Frame,
                State::Skip { remaining } => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let take = buf.len().min(remaining as usize);
                    buf.advance(take);
                    self.state = State::Skip {
                        remaining: remaining - take as u32,
                    };
                }
                State::Frame => return self.decode_frame(buf),
            }
        }
    }

    fn decode_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Item<F>>, DecodeError> {
        let Some(len) = buf
            .first_chunk::<LEN_PREFIX>()
            .map(|p| u16::from_be_bytes(*p))
        else {
            return Ok(None);
        };
        let total = LEN_PREFIX + usize::from(len);
        if buf.len() < total {
            return Ok(None);
        }
        let parsed = match buf[LEN_PREFIX..total].split_first() {
            None => Err((FrameError::Empty, 0)),
            Some((&frame_type, payload)) => F::parse(frame_type, payload)
                .map_err(|error| (error, F::raw_body_len(frame_type, payload))),
        };
        match parsed {
            Ok(frame) => {
                buf.advance(total);
                if frame.frame_type() == frame_type::FILE {
                    self.state = State::Body {
                        remaining: frame.body_len(),
                    };
                }
                Ok(Some(Item::Frame(frame)))
            }
            Err((error, skipped_body)) => {
                let raw = buf.split_to(total).freeze();
                self.state = State::Skip {
                    remaining: skipped_body,
                };
                Err(DecodeError {
                    error,
                    raw,
                    skipped_body,
                })
            }
        }
    }
}

/// A decoder that owns its input buffer: feed it bytes, take items out.
///
/// Works the same from blocking code ([`StreamDecoder::read_from`]), from a readiness loop
/// (read into it until `WouldBlock`) and from async code ([`FrameCodec`](super::FrameCodec)
/// wraps the same state machine for `tokio_util::codec`).
#[derive(Debug)]
pub struct StreamDecoder<F> {
    buf: BytesMut,
    decoder: FrameDecoder<F>,
}

impl<F> Default for StreamDecoder<F> {
    fn default() -> Self {
        Self {
            buf: BytesMut::new(),
            decoder: FrameDecoder::default(),
        }
    }
}

/// How many bytes [`StreamDecoder::read_from`] asks for per call.
const READ_CHUNK: usize = 64 * 1024;

impl<F: Frame> StreamDecoder<F> {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes that arrived.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Reads once from `reader` into the buffer (at most 64 KiB) and returns how
    /// many bytes were read; 0 means end of stream.
    pub fn read_from(&mut self, reader: &mut impl Read) -> io::Result<usize> {
        let start = self.buf.len();
        self.buf.resize(start + READ_CHUNK, 0);
        let result = reader.read(&mut self.buf[start..]);
        let n = *result.as_ref().unwrap_or(&0);
        self.buf.truncate(start + n);
        result
    }

    /// The next item, `None` when more bytes are needed.
    pub fn next_item(&mut self) -> Option<Result<Item<F>, DecodeError>> {
        self.decoder.decode(&mut self.buf).transpose()
    }

    /// Bytes received but not yet decoded (a partial frame, or the start of the next one).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// True when the stream is between frames with nothing buffered: a clean place to end.
    pub fn is_idle(&self) -> bool {
        self.buf.is_empty() && !self.decoder.in_body()
    }
}

impl<F: Frame> Iterator for StreamDecoder<F> {
    type Item = Result<Item<F>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item()
    }
}
