//! Frames the server sends to clients: auth accepted, relayed file headers, texts (chat lines,
//! notices and replies) and rename confirmations.

use bytes::BufMut;

use super::frame::{filename_len, split_filename, utf8, write_filename};
use super::frame_type::{AUTH, FILE, RENAME, TEXT};
use super::time::PREFIX_LEN;
use super::{EncodeError, Frame, FrameError, HhMm, FILE_SENDER_SEPARATOR};

/// A frame from the server to a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ServerFrame {
    /// `0x00`: authentication accepted; free text (the original lists the commands).
    AuthOk(String),
    /// `0x02`: a file from another client; `size` raw body bytes follow it on the wire.
    File(ServerFileHeader),
    /// `0x03`: a chat line, a notice, or a reply to this client.
    Text(ServerText),
    /// `0x04`: rename accepted, e.g. `Username changed to bob`.
    Renamed(String),
}

/// A relayed file header: `<HH:MM> [sender]`, `0xFF`, `size` (u32 BE), `filename[ caption]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ServerFileHeader {
    /// The time prefix, in the recipient's offset.
    pub time: HhMm,
    /// Who sent the file (between the brackets).
    pub sender: String,
    /// Number of raw body bytes that follow the frame.
    pub size: u32,
    /// The file's name, without spaces.
    pub filename: String,
    /// Everything after the first space, when there is one.
    pub caption: Option<String>,
}

/// A `0x03` text: `<HH:MM> ` then a chat line or notice, or a reply with no time prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ServerText {
    /// The time prefix, when the payload starts with a valid `<HH:MM> `.
    pub time: Option<HhMm>,
    /// The rest of the payload.
    pub body: String,
}

impl ServerText {
    /// For a chat line `[sender] message`, its sender and message.
    pub fn chat_line(&self) -> Option<(&str, &str)> {
        let rest = self.body.strip_prefix('[')?;
        let (sender, message) = rest.split_once("] ")?;
        Some((sender, message))
    }
}

impl ServerFrame {
    /// A text frame with a time prefix.
    pub fn timed_text(time: HhMm, body: impl Into<String>) -> Self {
        Self::Text(ServerText {
            time: Some(time),
            body: body.into(),
        })
    }

    /// A text frame without a time prefix (a reply to one client).
    pub fn reply(body: impl Into<String>) -> Self {
        Self::Text(ServerText {
            time: None,
            body: body.into(),
        })
    }
}

fn parse_file(payload: &[u8]) -> Result<ServerFileHeader, FrameError> {
    let malformed = |problem| FrameError::Malformed {
        frame_type: FILE,
        problem,
    };
    let split = payload
        .iter()
        .position(|&b| b == FILE_SENDER_SEPARATOR)
        .ok_or(malformed("no 0xFF separator after the sender"))?;
    let (head, tail) = (&payload[..split], &payload[split + 1..]);
    let time = HhMm::parse_prefix(head).ok_or(malformed("no <HH:MM> prefix before the sender"))?;
    let sender = utf8(&head[PREFIX_LEN..], FILE, "sender")?;
    let sender = sender
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or(malformed("the sender is not in [brackets]"))?;
    let (size, rest) = tail.split_first_chunk::<4>().ok_or(FrameError::Truncated {
        frame_type: FILE,
        field: "u32 file size",
    })?;
    let (filename, caption) = split_filename(utf8(rest, FILE, "filename")?);
    Ok(ServerFileHeader {
        time,
        sender: sender.to_owned(),
        size: u32::from_be_bytes(*size),
        filename,
        caption,
    })
}

impl Frame for ServerFrame {
    fn parse(frame_type: u8, payload: &[u8]) -> Result<Self, FrameError> {
        match frame_type {
            AUTH => Ok(Self::AuthOk(utf8(payload, AUTH, "greeting")?.to_owned())),
            FILE => parse_file(payload).map(Self::File),
            TEXT => {
                let time = HhMm::parse_prefix(payload);
                let body = if time.is_some() {
                    &payload[PREFIX_LEN..]
                } else {
                    payload
                };
                Ok(Self::Text(ServerText {
                    time,
                    body: utf8(body, TEXT, "message")?.to_owned(),
                }))
            }
            RENAME => Ok(Self::Renamed(
                utf8(payload, RENAME, "rename reply")?.to_owned(),
            )),
            other => Err(FrameError::UnknownType(other)),
        }
    }

    fn raw_body_len(frame_type: u8, payload: &[u8]) -> u32 {
        if frame_type != FILE {
            return 0;
        }
        payload
            .iter()
            .position(|&b| b == FILE_SENDER_SEPARATOR)
            .and_then(|split| payload[split + 1..].first_chunk::<4>())
            .map_or(0, |size| u32::from_be_bytes(*size))
    }

    fn body_len(&self) -> u32 {
        match self {
            Self::File(header) => header.size,
            _ => 0,
        }
    }

    fn frame_type(&self) -> u8 {
        match self {
            Self::AuthOk(_) => AUTH,
            Self::File(_) => FILE,
            Self::Text(_) => TEXT,
            Self::Renamed(_) => RENAME,
        }
    }

    fn payload_len(&self) -> Result<usize, EncodeError> {
        Ok(match self {
            Self::AuthOk(text) | Self::Renamed(text) => text.len(),
            Self::Text(ServerText { time, body }) => {
                if time.is_none() && HhMm::parse_prefix(body.as_bytes()).is_some() {
                    return Err(EncodeError::NotRepresentable(
                        "an untimed text cannot start with a <HH:MM> prefix",
                    ));
                }
                time.map_or(0, |_| PREFIX_LEN) + body.len()
            }
            Self::File(h) => {
                PREFIX_LEN + h.sender.len() + 2 + 1 + 4 + filename_len(&h.filename, &h.caption)?
            }
        })
    }

    fn write_payload<B: BufMut + ?Sized>(&self, out: &mut B) {
        match self {
            Self::AuthOk(text) | Self::Renamed(text) => out.put_slice(text.as_bytes()),
            Self::Text(ServerText { time, body }) => {
                if let Some(time) = time {
                    out.put_slice(&time.prefix_bytes());
                }
                out.put_slice(body.as_bytes());
            }
            Self::File(h) => {
                out.put_slice(&h.time.prefix_bytes());
                out.put_u8(b'[');
                out.put_slice(h.sender.as_bytes());
                out.put_u8(b']');
                out.put_u8(FILE_SENDER_SEPARATOR);
                out.put_u32(h.size);
                write_filename(out, &h.filename, &h.caption);
            }
        }
    }
}
