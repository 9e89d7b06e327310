//! The wire format: typed frames in both directions, their encoding, and the one streaming
//! decoder that every other part of chat-harness uses to turn bytes into frames — as owned
//! frames ([`FrameDecoder::decode`]) or as views borrowing from the input, allocating nothing
//! ([`FrameDecoder::decode_ref`], [`ServerFrameRef`]).
//!
//! A frame on the wire is a big-endian `u16` length, then that many bytes: one type byte and
//! the payload. A file frame (type `0x02`) is followed by its announced number of raw body bytes.
//! See `docs/PROTOCOL.md` for the full description.

mod client_frame;
mod decoder;
mod error;
mod frame;
mod server_frame;
mod server_frame_ref;
mod time;
mod tokio_codec;

pub use client_frame::{ClientFileHeader, ClientFileHeaderRef, ClientFrame, ClientFrameRef};
pub use decoder::{
    announced_len, DecodeError, DecodedRef, FrameDecoder, Item, ItemRef, StreamDecoder,
};
pub use error::{EncodeError, FrameError};
pub use frame::Frame;
pub use server_frame::{
    encode_timed_text, ChatLinePrefix, ServerFileHeader, ServerFrame, ServerText,
};
pub use server_frame_ref::{ServerFileHeaderRef, ServerFrameRef, ServerTextRef};
pub use time::HhMm;
pub use tokio_codec::FrameCodec;

/// The port the original lab server listens on.
pub const DEFAULT_PORT: u16 = 55555;
/// Largest value of the length prefix: one type byte plus the payload.
pub const MAX_FRAME_LEN: usize = u16::MAX as usize;
/// Largest payload a frame can carry (the length prefix also counts the type byte).
pub const MAX_PAYLOAD: usize = MAX_FRAME_LEN - 1;
/// Bytes of the length prefix.
pub const LEN_PREFIX: usize = 2;

/// Frame type bytes, shared by both directions where they overlap.
pub mod frame_type {
    /// Client: authenticate. Server: authentication accepted.
    pub const AUTH: u8 = 0x00;
    /// Client: leave the chat.
    pub const EXIT: u8 = 0x01;
    /// File header, followed by the raw body (both directions).
    pub const FILE: u8 = 0x02;
    /// Text message, notice or reply (both directions).
    pub const TEXT: u8 = 0x03;
    /// Client: change name. Server: name change accepted.
    pub const RENAME: u8 = 0x04;
}

/// The payload of the original client's exit frame.
pub const EXIT_PAYLOAD: &str = ">>exit<<";
/// The command word the original client puts in front of a new name.
pub const RENAME_COMMAND: &str = ">>chname<<";
/// The field separator between the sender and the size in a server file header.
pub const FILE_SENDER_SEPARATOR: u8 = 0xFF;
