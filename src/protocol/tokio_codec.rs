//! The decoder and encoder as a `tokio_util::codec` pair, for async readers and writers.

use std::io;
use std::marker::PhantomData;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::{DecodeError, Frame, FrameDecoder, Item};

/// A `tokio_util` codec over the same state machine as [`StreamDecoder`](super::StreamDecoder).
///
/// Decoding yields `Ok(Err(_))` for a malformed frame, so a `FramedRead` keeps going after it;
/// only I/O errors end the stream. `D` is the direction read, `E` the direction written.
#[derive(Debug)]
pub struct FrameCodec<D, E> {
    decoder: FrameDecoder<D>,
    encodes: PhantomData<fn(E)>,
}

impl<D, E> Default for FrameCodec<D, E> {
    fn default() -> Self {
        Self {
            decoder: FrameDecoder::default(),
            encodes: PhantomData,
        }
    }
}

impl<D, E> FrameCodec<D, E> {
    /// The decoder, at its place in the stream (to go on decoding without `tokio_util`).
    pub fn into_decoder(self) -> FrameDecoder<D> {
        self.decoder
    }
}

impl<D: Frame, E> Decoder for FrameCodec<D, E> {
    type Item = Result<Item<D>, DecodeError>;
    type Error = io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> io::Result<Option<Self::Item>> {
        Ok(self.decoder.decode(buf).transpose())
    }
}

impl<D, E: Frame> Encoder<E> for FrameCodec<D, E> {
    type Error = io::Error;

    fn encode(&mut self, frame: E, dst: &mut BytesMut) -> io::Result<()> {
        frame
            .encode(dst)
            .map(drop)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }
}
