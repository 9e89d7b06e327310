//! The streaming decoder: bytes in, in any chunking; whole frames, file-body chunks and
//! per-frame errors out. The only code in chat-harness that turns bytes into frames: owned
//! ([`FrameDecoder::decode`]) or, without allocating, as views borrowing from the input
//! ([`FrameDecoder::decode_ref`]); the owned form is a conversion of the borrowed one.

use std::io::{self, Read};
use std::marker::PhantomData;

use bytes::{Buf, Bytes, BytesMut};
use thiserror::Error;

use super::{frame_type, Frame, FrameError, LEN_PREFIX};

/// What the decoder produces, in stream order. `B` is how a body chunk is held: shared
/// [`Bytes`] from [`FrameDecoder::decode`], a slice of the input from
/// [`FrameDecoder::decode_ref`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<F, B = Bytes> {
    /// A whole frame. A file frame is followed by its body as [`Item::FileBody`] chunks, then
    /// [`Item::FileEnd`].
    Frame(F),
    /// The next bytes of the current file body (never empty). How the body is cut into chunks
    /// depends on how the bytes arrived; their concatenation does not.
    FileBody(B),
    /// The current file body is complete (emitted right after the header for an empty file).
    FileEnd,
}

/// An item borrowed from the decoder's input ([`FrameDecoder::decode_ref`]): the frame as its
/// view type ([`ServerFrameRef`](super::ServerFrameRef) for server frames), body chunks as
/// slices.
pub type ItemRef<'a, F> = Item<<F as Frame>::Ref<'a>, &'a [u8]>;

/// A frame that could not be decoded. The decoder has consumed it (and the body of a file
/// frame whose size could still be read), so the stream stays in sync: keep decoding.
/// `R` holds the raw bytes: shared [`Bytes`], or a slice of the input from
/// [`FrameDecoder::decode_ref`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{error}")]
pub struct DecodeError<R = Bytes> {
    /// What is wrong with the frame.
    pub error: FrameError,
    /// The frame's bytes as received, length prefix included.
    pub raw: R,
    /// How many body bytes the decoder skips after it (for a malformed file header).
    pub skipped_body: u32,
}

impl DecodeError<&[u8]> {
    /// The error with its raw bytes copied out of the input.
    pub fn into_owned(self) -> DecodeError {
        DecodeError {
            error: self.error,
            raw: Bytes::copy_from_slice(self.raw),
            skipped_body: self.skipped_body,
        }
    }
}

/// What [`FrameDecoder::decode_ref`] returns: how many bytes of the input it consumed, and
/// the item (`None` when more bytes are needed) or the error of one malformed frame.
pub type DecodedRef<'a, F> = (usize, Option<Result<ItemRef<'a, F>, DecodeError<&'a [u8]>>>);

/// A borrowed item reduced to what [`FrameDecoder::decode`] needs once `buf` moves on.
enum Owned<F> {
    Pending,
    Item(Item<F>),
    /// A body chunk of this many bytes.
    Body(usize),
    /// A malformed frame: the error, the body it skips, its raw length.
    Error(FrameError, u32, usize),
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
    /// consumed: call again for the next item. Built on [`decode_ref`](Self::decode_ref):
    /// the frame is converted to its owned form and body chunks are split off `buf` without
    /// copying.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Item<F>>, DecodeError> {
        // The borrowed item is turned into what owns nothing of `buf` before `buf` changes.
        let (consumed, next) = {
            let (consumed, item) = self.decode_ref(buf);
            let next = match item {
                None => Owned::Pending,
                Some(Ok(Item::Frame(view))) => Owned::Item(Item::Frame(F::from_ref(view))),
                Some(Ok(Item::FileEnd)) => Owned::Item(Item::FileEnd),
                Some(Ok(Item::FileBody(chunk))) => Owned::Body(chunk.len()),
                Some(Err(e)) => Owned::Error(e.error, e.skipped_body, e.raw.len()),
            };
            (consumed, next)
        };
        // A body chunk or an error's raw bytes are the last bytes consumed: split them off
        // without copying.
        let tail = match next {
            Owned::Body(len) | Owned::Error(_, _, len) => len,
            Owned::Pending | Owned::Item(_) => 0,
        };
        buf.advance(consumed - tail);
        match next {
            Owned::Pending => Ok(None),
            Owned::Item(item) => Ok(Some(item)),
            Owned::Body(len) => Ok(Some(Item::FileBody(buf.split_to(len).freeze()))),
            Owned::Error(error, skipped_body, len) => Err(DecodeError {
                error,
                raw: buf.split_to(len).freeze(),
                skipped_body,
            }),
        }
    }

    /// Decodes the next item from the front of `buf` without copying or allocating: the
    /// frame is a view into `buf` (`F::Ref`), a body chunk a slice of it.
    ///
    /// Returns how many bytes of `buf` were consumed — the caller drops them before the next
    /// call — and the item, `None` when more bytes are needed (bytes of a skipped body may
    /// still have been consumed). An `Err` reports one malformed frame, consumed like the
    /// others. The decoder's state has moved on either way.
    #[inline]
    pub fn decode_ref<'a>(&mut self, buf: &'a [u8]) -> DecodedRef<'a, F> {
        let mut rest = buf;
        loop {
            let consumed = buf.len() - rest.len();
            match self.state {
                State::Body { remaining: 0 } => {
                    self.state = State::Frame;
                    return (consumed, Some(Ok(Item::FileEnd)));
                }
                State::Body { remaining } => {
                    if rest.is_empty() {
                        return (consumed, None);
                    }
                    let take = rest.len().min(remaining as usize);
                    // take <= remaining, so the cast back is lossless.
                    self.state = State::Body {
                        remaining: remaining - take as u32,
                    };
                    let chunk = rest.split_at(take).0;
                    return (consumed + take, Some(Ok(Item::FileBody(chunk))));
                }
                State::Skip { remaining: 0 } => self.state = State::Frame,
                State::Skip { remaining } => {
                    if rest.is_empty() {
                        return (consumed, None);
                    }
                    let take = rest.len().min(remaining as usize);
                    rest = rest.split_at(take).1;
                    self.state = State::Skip {
                        remaining: remaining - take as u32,
                    };
                }
                State::Frame => {
                    let (used, item) = self.decode_frame(rest);
                    return (consumed + used, item);
                }
            }
        }
    }

    #[inline]
    fn decode_frame<'a>(&mut self, buf: &'a [u8]) -> DecodedRef<'a, F> {
        let Some(len) = buf
            .first_chunk::<LEN_PREFIX>()
            .map(|p| u16::from_be_bytes(*p))
        else {
            return (0, None);
        };
        let total = LEN_PREFIX + usize::from(len);
        let Some(raw) = buf.get(..total) else {
            return (0, None);
        };
        let parsed = match raw.get(LEN_PREFIX..).and_then(<[u8]>::split_first) {
            None => Err((FrameError::Empty, 0)),
            Some((&frame_type, payload)) => F::parse_ref(frame_type, payload)
                .map(|view| (frame_type, view))
                .map_err(|error| (error, F::raw_body_len(frame_type, payload))),
        };
        match parsed {
            Ok((frame_type, view)) => {
                if frame_type == frame_type::FILE {
                    self.state = State::Body {
                        remaining: F::ref_body_len(&view),
                    };
                }
                (total, Some(Ok(Item::Frame(view))))
            }
            Err((error, skipped_body)) => {
                self.state = State::Skip {
                    remaining: skipped_body,
                };
                let error = DecodeError {
                    error,
                    raw,
                    skipped_body,
                };
                (total, Some(Err(error)))
            }
        }
    }
}

/// The length that the prefix of a frame starting `partial` announces (type byte and payload),
/// once both prefix bytes are there; for describing a frame whose end never came.
pub fn announced_len(partial: &[u8]) -> Option<usize> {
    match partial {
        [hi, lo, ..] => Some(usize::from(u16::from_be_bytes([*hi, *lo]))),
        _ => None,
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
