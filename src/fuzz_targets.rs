//! The bodies of the cargo-fuzz targets. Each target in `fuzz/fuzz_targets/` is one call into
//! this module, so `cargo test` on stable replays the committed corpora through the same code.
//!
//! Every function panics when it finds a bug (that is how libFuzzer notices) and returns
//! normally for any input that shows none.

use bytes::Bytes;

use crate::protocol::{
    ClientFrame, DecodeError, Frame, FrameDecoder, FrameError, Item, ServerFrame, StreamDecoder,
    MAX_FRAME_LEN,
};

/// An item with file-body chunks merged and errors reduced to comparable parts, so that two
/// decodings of the same stream in different chunkings can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<F> {
    /// A frame.
    Frame(F),
    /// A run of consecutive body bytes.
    Body(Vec<u8>),
    /// The end of a file body.
    FileEnd,
    /// A malformed frame: the error, its raw bytes, and the body bytes skipped after it.
    Error(FrameError, Vec<u8>, u32),
}

fn push<F>(out: &mut Vec<Decoded<F>>, item: Result<Item<F>, DecodeError>) {
    match item {
        Ok(Item::FileBody(chunk)) => match out.last_mut() {
            Some(Decoded::Body(body)) => body.extend_from_slice(&chunk),
            _ => out.push(Decoded::Body(chunk.to_vec())),
        },
        Ok(Item::Frame(frame)) => out.push(Decoded::Frame(frame)),
        Ok(Item::FileEnd) => out.push(Decoded::FileEnd),
        Err(e) => out.push(Decoded::Error(e.error, e.raw.to_vec(), e.skipped_body)),
    }
}

/// `stream` cut into consecutive pieces of the given sizes (cycled; a size of 0 counts as 1).
fn pieces<'a>(stream: &'a [u8], chunk_sizes: &'a [usize]) -> impl Iterator<Item = &'a [u8]> {
    let mut rest = stream;
    let mut sizes = chunk_sizes.iter().copied().cycle();
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = sizes.next().unwrap_or(usize::MAX).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        Some(chunk)
    })
}

/// Decodes `stream` fed in chunks of the given sizes (cycled; a size of 0 counts as 1), and
/// checks after every chunk that the decoder holds no more than one partial frame.
pub fn decode_in_chunks<F: Frame>(stream: &[u8], chunk_sizes: &[usize]) -> Vec<Decoded<F>> {
    let mut decoder = StreamDecoder::<F>::new();
    let mut out = Vec::new();
    for chunk in pieces(stream, chunk_sizes) {
        decoder.feed(chunk);
        while let Some(item) = decoder.next_item() {
            push(&mut out, item);
        }
        assert!(
            decoder.buffered() < 2 + MAX_FRAME_LEN,
            "decoder holds {} bytes after draining: more than one partial frame",
            decoder.buffered()
        );
    }
    out
}

/// Decodes `stream` like [`decode_in_chunks`], but through the borrowed API
/// ([`FrameDecoder::decode_ref`]) over a buffer managed as a batch reader manages it: each
/// chunk is appended, every item is taken as a view (then made owned, for comparison), and
/// the consumed bytes are dropped from the front.
pub fn decode_borrowed_in_chunks<F: Frame>(
    stream: &[u8],
    chunk_sizes: &[usize],
) -> Vec<Decoded<F>> {
    let mut decoder = FrameDecoder::<F>::new();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for chunk in pieces(stream, chunk_sizes) {
        buf.extend_from_slice(chunk);
        let mut start = 0;
        loop {
            let (consumed, item) = decoder.decode_ref(&buf[start..]);
            start += consumed;
            let item = match item {
                None => break,
                Some(Ok(Item::Frame(view))) => Ok(Item::Frame(F::from_ref(view))),
                Some(Ok(Item::FileBody(chunk))) => {
                    Ok(Item::FileBody(Bytes::copy_from_slice(chunk)))
                }
                Some(Ok(Item::FileEnd)) => Ok(Item::FileEnd),
                Some(Err(error)) => Err(error.into_owned()),
            };
            push(&mut out, item);
        }
        buf.drain(..start);
        assert!(
            buf.len() < 2 + MAX_FRAME_LEN,
            "{} bytes left after draining: more than one partial frame",
            buf.len()
        );
    }
    out
}

/// Decodes a whole stream fed at once.
pub fn decode_whole<F: Frame>(stream: &[u8]) -> Vec<Decoded<F>> {
    decode_in_chunks(stream, &[usize::MAX])
}

/// `frame_decode`: arbitrary bytes, in an arbitrary chunking, in either direction. The first
/// byte picks the direction (lowest bit) and how many of the following bytes are chunk sizes.
pub fn frame_decode(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let n_sizes = usize::from(control >> 1 & 0x0f).min(rest.len());
    let (sizes, stream) = rest.split_at(n_sizes);
    let mut sizes: Vec<usize> = sizes.iter().map(|&b| usize::from(b)).collect();
    if sizes.is_empty() {
        sizes.push(1);
    }
    if control & 1 == 0 {
        check_chunking::<ClientFrame>(stream, &sizes);
    } else {
        check_chunking::<ServerFrame>(stream, &sizes);
    }
}

fn check_chunking<F: Frame + PartialEq + std::fmt::Debug>(stream: &[u8], sizes: &[usize]) {
    let whole = decode_whole::<F>(stream);
    assert_eq!(
        decode_in_chunks::<F>(stream, sizes),
        whole,
        "chunked != whole"
    );
    assert_eq!(
        decode_in_chunks::<F>(stream, &[1]),
        whole,
        "byte by byte != whole"
    );
    assert_eq!(
        decode_borrowed_in_chunks::<F>(stream, sizes),
        whole,
        "borrowed, chunked != owned, whole"
    );
}

/// Decodes a stream fed at once and checks that every frame that decodes encodes back to
/// exactly the bytes it came from.
pub fn check_reencode<F: Frame + std::fmt::Debug>(stream: &[u8]) {
    let mut decoder = StreamDecoder::<F>::new();
    decoder.feed(stream);
    let mut position = 0;
    // Body bytes skipped after a malformed file header are consumed in front of the next item.
    let mut skipped = 0;
    loop {
        let before = decoder.buffered();
        let Some(item) = decoder.next_item() else {
            break;
        };
        let consumed = &stream[position..position + (before - decoder.buffered())];
        position += consumed.len();
        match item {
            Ok(Item::Frame(frame)) => {
                let own = consumed.get(skipped..).unwrap_or_default();
                assert_eq!(
                    frame.to_bytes().as_deref(),
                    Ok(own),
                    "{frame:?} does not re-encode to the bytes it was decoded from"
                );
                skipped = 0;
            }
            Err(error) => skipped = error.skipped_body as usize,
            Ok(_) => skipped = 0,
        }
    }
}

#[cfg(feature = "arbitrary")]
mod roundtrip {
    use arbitrary::{Arbitrary, Unstructured};

    use super::*;

    /// Largest file body the round trip generates (sizes above it are folded into range).
    const MAX_BODY: u32 = 4096;

    /// Typed frames encode, then decode back to the same frames, bodies included.
    fn typed<'a, F>(u: &mut Unstructured<'a>) -> arbitrary::Result<()>
    where
        F: Frame + Arbitrary<'a> + Clone + PartialEq + std::fmt::Debug,
    {
        let frames: Vec<F> = u.arbitrary()?;
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for frame in frames {
            if frame.body_len() > MAX_BODY {
                continue;
            }
            if frame.encode(&mut stream).is_err() {
                continue;
            }
            let body: Vec<u8> = (0..frame.body_len()).map(|i| i as u8 ^ 0x5a).collect();
            stream.extend_from_slice(&body);
            let is_file = frame.frame_type() == crate::protocol::frame_type::FILE;
            expected.push(Decoded::Frame(frame));
            if !body.is_empty() {
                expected.push(Decoded::Body(body));
            }
            if is_file {
                expected.push(Decoded::FileEnd);
            }
        }
        assert_eq!(decode_whole::<F>(&stream), expected);
        Ok(())
    }

    /// `frame_roundtrip`: typed frames → bytes → the same frames, in both directions; then the
    /// rest of the input as raw bytes → frames → the same bytes.
    pub fn frame_roundtrip(data: &[u8]) {
        let mut u = Unstructured::new(data);
        let _ = typed::<ClientFrame>(&mut u);
        let _ = typed::<ServerFrame>(&mut u);
        let rest = u.take_rest();
        check_reencode::<ClientFrame>(rest);
        check_reencode::<ServerFrame>(rest);
    }
}

#[cfg(feature = "arbitrary")]
pub use roundtrip::frame_roundtrip;

#[cfg(feature = "arbitrary")]
mod core_session;
#[cfg(feature = "arbitrary")]
pub use core_session::core_session;
