//! Typed errors of the codec: why a frame could not be decoded, or could not be encoded.

use thiserror::Error;

/// Why one frame on the wire could not be turned into a typed frame.
///
/// These errors concern a single frame: the decoder has already consumed it (and the body of a
/// file frame whose size could still be read), so decoding continues with the next frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// A length prefix of 0: there is not even a type byte.
    #[error("empty frame: the length prefix is 0, so there is no type byte")]
    Empty,
    /// A type byte this direction of the protocol does not define.
    #[error("unknown frame type 0x{0:02x}")]
    UnknownType(u8),
    /// A text field that is not valid UTF-8.
    #[error("frame type 0x{frame_type:02x}: the {field} is not valid UTF-8")]
    InvalidUtf8 {
        /// The frame's type byte.
        frame_type: u8,
        /// Which field failed.
        field: &'static str,
    },
    /// The payload ends before a fixed-size field is complete.
    #[error("frame type 0x{frame_type:02x}: payload too short for the {field}")]
    Truncated {
        /// The frame's type byte.
        frame_type: u8,
        /// Which field is missing.
        field: &'static str,
    },
    /// A field is present but does not have the required shape.
    #[error("frame type 0x{frame_type:02x}: {problem}")]
    Malformed {
        /// The frame's type byte.
        frame_type: u8,
        /// What is wrong, in words.
        problem: &'static str,
    },
}

/// Why a typed frame cannot be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// The payload does not fit behind a 16-bit length prefix.
    #[error("payload of {len} bytes is longer than the {max} bytes one frame can carry")]
    PayloadTooLong {
        /// The payload length the frame would need.
        len: usize,
        /// The largest payload a frame can carry.
        max: usize,
    },
    /// The fields would encode to bytes that decode as a different frame.
    #[error("cannot be encoded unambiguously: {0}")]
    NotRepresentable(&'static str),
}
