//! Server frames as views into the bytes they were decoded from, and the one parser of server
//! frame payloads: [`ServerFrame`](super::ServerFrame) is built from these views.

use super::frame::{split_filename, utf8};
use super::frame_type::{AUTH, FILE, RENAME, TEXT};
use super::time::PREFIX_LEN;
use super::{FrameError, HhMm, FILE_SENDER_SEPARATOR};

/// A frame from the server, borrowing its text from the decoder's input: decoding one
/// allocates nothing. [`FrameDecoder::decode_ref`](super::FrameDecoder::decode_ref) yields
/// these; `ServerFrame::from(view)` makes the owned frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerFrameRef<'a> {
    /// `0x00`: authentication accepted; free text.
    AuthOk(&'a str),
    /// `0x02`: a file from another client; `size` raw body bytes follow it on the wire.
    File(ServerFileHeaderRef<'a>),
    /// `0x03`: a chat line, a notice, or a reply to this client.
    Text(ServerTextRef<'a>),
    /// `0x04`: rename accepted.
    Renamed(&'a str),
}

/// A relayed file header, borrowed: see [`ServerFileHeader`](super::ServerFileHeader).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServerFileHeaderRef<'a> {
    /// The time prefix, in the recipient's offset.
    pub time: HhMm,
    /// Who sent the file (between the brackets).
    pub sender: &'a str,
    /// Number of raw body bytes that follow the frame.
    pub size: u32,
    /// The file's name, without spaces.
    pub filename: &'a str,
    /// Everything after the first space, when there is one.
    pub caption: Option<&'a str>,
}

/// A `0x03` text, borrowed: see [`ServerText`](super::ServerText).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServerTextRef<'a> {
    /// The time prefix, when the payload starts with a valid `<HH:MM> `.
    pub time: Option<HhMm>,
    /// The rest of the payload.
    pub body: &'a str,
}

impl<'a> ServerTextRef<'a> {
    /// For a chat line `[sender] message`, its sender and message.
    pub fn chat_line(&self) -> Option<(&'a str, &'a str)> {
        let rest = self.body.strip_prefix('[')?;
        rest.split_once("] ")
    }
}

impl<'a> ServerFrameRef<'a> {
    /// Parses one server frame from its type byte and payload, borrowing from the payload.
    #[inline]
    pub fn parse(frame_type: u8, payload: &'a [u8]) -> Result<Self, FrameError> {
        match frame_type {
            AUTH => Ok(Self::AuthOk(utf8(payload, AUTH, "greeting")?)),
            FILE => parse_file(payload).map(Self::File),
            TEXT => {
                let time = HhMm::parse_prefix(payload);
                let body = match (time, payload.get(PREFIX_LEN..)) {
                    (Some(_), Some(rest)) => rest,
                    _ => payload,
                };
                Ok(Self::Text(ServerTextRef {
                    time,
                    body: utf8(body, TEXT, "message")?,
                }))
            }
            RENAME => Ok(Self::Renamed(utf8(payload, RENAME, "rename reply")?)),
            other => Err(FrameError::UnknownType(other)),
        }
    }

    /// How many raw body bytes follow this frame on the wire (the size of a file frame).
    pub fn body_len(&self) -> u32 {
        match self {
            Self::File(header) => header.size,
            _ => 0,
        }
    }
}

fn parse_file(payload: &[u8]) -> Result<ServerFileHeaderRef<'_>, FrameError> {
    let malformed = |problem| FrameError::Malformed {
        frame_type: FILE,
        problem,
    };
    let (head, tail) = payload
        .iter()
        .position(|&b| b == FILE_SENDER_SEPARATOR)
        .map(|split| payload.split_at(split))
        .ok_or(malformed("no 0xFF separator after the sender"))?;
    let tail = tail.get(1..).unwrap_or_default();
    let time = HhMm::parse_prefix(head).ok_or(malformed("no <HH:MM> prefix before the sender"))?;
    let sender = utf8(head.get(PREFIX_LEN..).unwrap_or_default(), FILE, "sender")?;
    let sender = sender
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or(malformed("the sender is not in [brackets]"))?;
    let (size, rest) = tail.split_first_chunk::<4>().ok_or(FrameError::Truncated {
        frame_type: FILE,
        field: "u32 file size",
    })?;
    let (filename, caption) = split_filename(utf8(rest, FILE, "filename")?);
    Ok(ServerFileHeaderRef {
        time,
        sender,
        size: u32::from_be_bytes(*size),
        filename,
        caption,
    })
}
