//! What both directions' frames have in common: parsing from a type byte and payload, and
//! encoding behind a length prefix into a caller's buffer.

use bytes::BufMut;

use super::{EncodeError, FrameError, MAX_PAYLOAD};

/// A typed frame of one direction of the protocol.
///
/// Implemented by [`ClientFrame`](super::ClientFrame) (client to server) and
/// [`ServerFrame`](super::ServerFrame) (server to client). Parsing is lossless: a frame that
/// parses encodes back to the same bytes.
pub trait Frame: Sized {
    /// The frame as a view borrowing its text from the decoder's input, so that decoding it
    /// allocates nothing ([`ServerFrameRef`](super::ServerFrameRef) for server frames). A
    /// direction without a borrowed form uses the owned frame itself.
    type Ref<'a>;

    /// Parses one frame from its type byte and payload into a view of `payload`. This is the
    /// one payload parser of the direction: [`parse`](Frame::parse) is built on it.
    fn parse_ref(frame_type: u8, payload: &[u8]) -> Result<Self::Ref<'_>, FrameError>;

    /// The owned frame with the same fields as `view`.
    fn from_ref(view: Self::Ref<'_>) -> Self;

    /// How many raw body bytes follow a parsed frame on the wire (the size of a file frame).
    fn ref_body_len(view: &Self::Ref<'_>) -> u32;

    /// Parses one frame from its type byte and payload: [`parse_ref`](Frame::parse_ref), then
    /// [`from_ref`](Frame::from_ref).
    fn parse(frame_type: u8, payload: &[u8]) -> Result<Self, FrameError> {
        Self::parse_ref(frame_type, payload).map(Self::from_ref)
    }

    /// How many raw body bytes follow a frame with this type and payload on the wire, read
    /// from the raw bytes so that the body of a file frame that fails to parse can still be
    /// skipped. 0 for frames without a body, or when the size cannot be read.
    fn raw_body_len(frame_type: u8, payload: &[u8]) -> u32;

    /// How many raw body bytes follow this frame on the wire (the size of a file frame).
    fn body_len(&self) -> u32;

    /// The type byte.
    fn frame_type(&self) -> u8;

    /// Checks that the frame can be encoded and returns its payload length.
    fn payload_len(&self) -> Result<usize, EncodeError>;

    /// Writes the payload (not the length prefix or type byte). Only called after
    /// [`payload_len`](Frame::payload_len) succeeded, and must write exactly that many bytes.
    fn write_payload<B: BufMut + ?Sized>(&self, out: &mut B);

    /// Encodes the whole frame (length prefix, type byte, payload) at the end of `out`.
    /// On error nothing is written. Returns the number of bytes written.
    fn encode(&self, out: &mut impl BufMut) -> Result<usize, EncodeError> {
        let payload_len = self.payload_len()?;
        put_header(self.frame_type(), payload_len, out)?;
        self.write_payload(out);
        Ok(payload_len + 3)
    }

    /// Encodes the frame into a new vector.
    fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }
}

/// Writes a frame's length prefix and type for a payload of `payload_len` bytes, or refuses
/// (writing nothing) a payload too long for a frame. Every encoder starts here.
pub(crate) fn put_header(
    frame_type: u8,
    payload_len: usize,
    out: &mut (impl BufMut + ?Sized),
) -> Result<(), EncodeError> {
    if payload_len > MAX_PAYLOAD {
        return Err(EncodeError::PayloadTooLong {
            len: payload_len,
            max: MAX_PAYLOAD,
        });
    }
    // In range: payload_len + 1 <= u16::MAX.
    out.put_u16(payload_len as u16 + 1);
    out.put_u8(frame_type);
    Ok(())
}

/// Decodes a text field, naming it in the error.
pub(crate) fn utf8<'a>(
    bytes: &'a [u8],
    frame_type: u8,
    field: &'static str,
) -> Result<&'a str, FrameError> {
    std::str::from_utf8(bytes).map_err(|_| FrameError::InvalidUtf8 { frame_type, field })
}

/// Splits `filename[ caption]` at the first space.
pub(crate) fn split_filename(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once(' ') {
        Some((name, caption)) => (name, Some(caption)),
        None => (rest, None),
    }
}

/// Length of `filename[ caption]`, checking that it reads back as the same two fields.
pub(crate) fn filename_len(filename: &str, caption: &Option<String>) -> Result<usize, EncodeError> {
    if filename.contains(' ') {
        return Err(EncodeError::NotRepresentable(
            "a filename cannot contain a space (the space separates the caption)",
        ));
    }
    Ok(filename.len() + caption.as_ref().map_or(0, |c| 1 + c.len()))
}

/// Writes `filename[ caption]`.
pub(crate) fn write_filename<B: BufMut + ?Sized>(
    out: &mut B,
    filename: &str,
    caption: &Option<String>,
) {
    out.put_slice(filename.as_bytes());
    if let Some(caption) = caption {
        out.put_u8(b' ');
        out.put_slice(caption.as_bytes());
    }
}
