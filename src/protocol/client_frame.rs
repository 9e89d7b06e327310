//! Frames a client sends to the server: auth, exit, file header, text, rename.

use bytes::BufMut;

use super::frame::{filename_len, split_filename, utf8, write_filename};
use super::frame_type::{AUTH, EXIT, FILE, RENAME, TEXT};
use super::{EncodeError, Frame, FrameError, EXIT_PAYLOAD, RENAME_COMMAND};

/// A frame from a client to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ClientFrame {
    /// `0x00`: `name` or `name offset`, the offset being the client's UTC offset in seconds as
    /// a signed decimal. The original client always sends the offset; some clients do not.
    Auth {
        /// The requested name.
        name: String,
        /// Seconds east of UTC, when given.
        offset: Option<i32>,
    },
    /// `0x01`: leave the chat. The original client's payload is `>>exit<<`
    /// ([`ClientFrame::exit`]); the payload is kept as received.
    Exit(String),
    /// `0x02`: a file header; `size` raw body bytes follow it on the wire.
    File(ClientFileHeader),
    /// `0x03`: a chat message.
    Text(String),
    /// `0x04`: change name. The original client sends `>>chname<< new [more words]`, others send
    /// just the name; the payload is kept as received and [`ClientFrame::new_name`] reads it.
    Rename(String),
}

/// The header of a file a client uploads: `size` (u32 BE), then `filename[ caption]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ClientFileHeader {
    /// Number of raw body bytes that follow the frame.
    pub size: u32,
    /// The file's name, without spaces.
    pub filename: String,
    /// Everything after the first space, when there is one.
    pub caption: Option<String>,
}

impl ClientFrame {
    /// An auth frame carrying a UTC offset, as the original client sends it.
    pub fn auth(name: impl Into<String>, offset: i32) -> Self {
        Self::Auth {
            name: name.into(),
            offset: Some(offset),
        }
    }

    /// The original client's exit frame, payload `>>exit<<`.
    pub fn exit() -> Self {
        Self::Exit(EXIT_PAYLOAD.to_owned())
    }

    /// The original client's rename frame, payload `>>chname<< new`.
    pub fn rename(new_name: &str) -> Self {
        Self::Rename(format!("{RENAME_COMMAND} {new_name}"))
    }

    /// For a rename frame, the new name: the first word after the optional `>>chname<<`.
    /// `None` for other frames or when there is no word.
    pub fn new_name(&self) -> Option<&str> {
        match self {
            Self::Rename(payload) => rename_target(payload),
            _ => None,
        }
    }
}

/// The first word of a rename payload after the optional `>>chname<<`.
fn rename_target(payload: &str) -> Option<&str> {
    let rest = payload.trim_start();
    let rest = rest.strip_prefix(RENAME_COMMAND).unwrap_or(rest);
    rest.split_whitespace().next()
}

/// A client frame as a view into the bytes it was decoded from (what
/// [`FrameDecoder::decode_ref`](super::FrameDecoder::decode_ref) yields): the server relays a
/// chat line straight from its input, without an owned copy. Fields as in [`ClientFrame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientFrameRef<'a> {
    /// `0x00`: the requested name and, when given, the UTC offset.
    Auth {
        /// The requested name.
        name: &'a str,
        /// Seconds east of UTC, when given.
        offset: Option<i32>,
    },
    /// `0x01`: leave the chat, with the payload as received.
    Exit(&'a str),
    /// `0x02`: a file header; the body follows.
    File(ClientFileHeaderRef<'a>),
    /// `0x03`: a chat message.
    Text(&'a str),
    /// `0x04`: change name, with the payload as received.
    Rename(&'a str),
}

/// A [`ClientFileHeader`] as a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientFileHeaderRef<'a> {
    /// Number of raw body bytes that follow the frame.
    pub size: u32,
    /// The file's name, without spaces.
    pub filename: &'a str,
    /// Everything after the first space, when there is one.
    pub caption: Option<&'a str>,
}

impl<'a> ClientFrameRef<'a> {
    /// Parses one frame's payload (the decoder has split the stream into frames).
    pub fn parse(frame_type: u8, payload: &'a [u8]) -> Result<Self, FrameError> {
        match frame_type {
            AUTH => {
                let (name, offset) = split_auth(utf8(payload, AUTH, "auth payload")?);
                Ok(Self::Auth { name, offset })
            }
            EXIT => Ok(Self::Exit(utf8(payload, EXIT, "exit payload")?)),
            FILE => {
                let (size, rest) =
                    payload
                        .split_first_chunk::<4>()
                        .ok_or(FrameError::Truncated {
                            frame_type: FILE,
                            field: "u32 file size",
                        })?;
                let (filename, caption) = split_filename(utf8(rest, FILE, "filename")?);
                Ok(Self::File(ClientFileHeaderRef {
                    size: u32::from_be_bytes(*size),
                    filename,
                    caption,
                }))
            }
            TEXT => Ok(Self::Text(utf8(payload, TEXT, "message")?)),
            RENAME => Ok(Self::Rename(utf8(payload, RENAME, "rename payload")?)),
            other => Err(FrameError::UnknownType(other)),
        }
    }

    /// For a rename frame, the new name (see [`ClientFrame::new_name`]).
    pub fn new_name(&self) -> Option<&'a str> {
        match self {
            Self::Rename(payload) => rename_target(payload),
            _ => None,
        }
    }
}

impl From<ClientFileHeaderRef<'_>> for ClientFileHeader {
    fn from(view: ClientFileHeaderRef<'_>) -> Self {
        Self {
            size: view.size,
            filename: view.filename.to_owned(),
            caption: view.caption.map(str::to_owned),
        }
    }
}

impl From<ClientFrameRef<'_>> for ClientFrame {
    fn from(view: ClientFrameRef<'_>) -> Self {
        match view {
            ClientFrameRef::Auth { name, offset } => Self::Auth {
                name: name.to_owned(),
                offset,
            },
            ClientFrameRef::Exit(text) => Self::Exit(text.to_owned()),
            ClientFrameRef::File(header) => Self::File(header.into()),
            ClientFrameRef::Text(text) => Self::Text(text.to_owned()),
            ClientFrameRef::Rename(text) => Self::Rename(text.to_owned()),
        }
    }
}

/// Splits an auth payload at its last space when what follows is a canonical decimal `i32`
/// (as `i32::to_string` writes it), so that parsing and encoding are exact inverses.
fn split_auth(payload: &str) -> (&str, Option<i32>) {
    if let Some((name, tail)) = payload.rsplit_once(' ') {
        if let Ok(offset) = tail.parse::<i32>() {
            if offset.to_string() == tail {
                return (name, Some(offset));
            }
        }
    }
    (payload, None)
}

impl Frame for ClientFrame {
    type Ref<'a> = ClientFrameRef<'a>;

    #[inline]
    fn parse_ref(frame_type: u8, payload: &[u8]) -> Result<ClientFrameRef<'_>, FrameError> {
        ClientFrameRef::parse(frame_type, payload)
    }

    fn from_ref(view: ClientFrameRef<'_>) -> Self {
        view.into()
    }

    fn ref_body_len(view: &ClientFrameRef<'_>) -> u32 {
        match view {
            ClientFrameRef::File(header) => header.size,
            _ => 0,
        }
    }

    fn raw_body_len(frame_type: u8, payload: &[u8]) -> u32 {
        match (frame_type, payload.first_chunk::<4>()) {
            (FILE, Some(size)) => u32::from_be_bytes(*size),
            _ => 0,
        }
    }

    fn body_len(&self) -> u32 {
        match self {
            Self::File(header) => header.size,
            _ => 0,
        }
    }

    fn frame_type(&self) -> u8 {
        match self {
            Self::Auth { .. } => AUTH,
            Self::Exit(_) => EXIT,
            Self::File(_) => FILE,
            Self::Text(_) => TEXT,
            Self::Rename(_) => RENAME,
        }
    }

    fn payload_len(&self) -> Result<usize, EncodeError> {
        Ok(match self {
            Self::Auth { name, offset: None } => {
                if split_auth(name).1.is_some() {
                    return Err(EncodeError::NotRepresentable(
                        "an auth name without offset cannot end in a space and a number",
                    ));
                }
                name.len()
            }
            Self::Auth {
                name,
                offset: Some(offset),
            } => name.len() + 1 + decimal_len(*offset),
            Self::Exit(text) | Self::Text(text) | Self::Rename(text) => text.len(),
            Self::File(h) => 4 + filename_len(&h.filename, &h.caption)?,
        })
    }

    fn write_payload<B: BufMut + ?Sized>(&self, out: &mut B) {
        match self {
            Self::Auth { name, offset } => {
                out.put_slice(name.as_bytes());
                if let Some(offset) = offset {
                    out.put_u8(b' ');
                    out.put_slice(offset.to_string().as_bytes());
                }
            }
            Self::Exit(text) | Self::Text(text) | Self::Rename(text) => {
                out.put_slice(text.as_bytes())
            }
            Self::File(h) => {
                out.put_u32(h.size);
                write_filename(out, &h.filename, &h.caption);
            }
        }
    }
}

/// Bytes of `n` written in decimal, sign included.
fn decimal_len(n: i32) -> usize {
    let sign = usize::from(n < 0);
    let mut magnitude = n.unsigned_abs();
    let mut digits = 1;
    while magnitude >= 10 {
        magnitude /= 10;
        digits += 1;
    }
    sign + digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_len_matches_to_string() {
        for n in [0, 9, 10, -1, -10, 10800, -18000, i32::MIN, i32::MAX] {
            assert_eq!(decimal_len(n), n.to_string().len(), "{n}");
        }
    }

    #[test]
    fn auth_offset_is_read_only_when_canonical() {
        let parse = |p: &str| ClientFrame::parse(AUTH, p.as_bytes()).unwrap();
        assert_eq!(parse("alice 10800"), ClientFrame::auth("alice", 10800));
        assert_eq!(parse("bob -18000"), ClientFrame::auth("bob", -18000));
        for lenient in [
            "alice",
            "alice +5",
            "alice 05",
            "alice x",
            "alice 99999999999",
        ] {
            let expected = ClientFrame::Auth {
                name: lenient.into(),
                offset: None,
            };
            assert_eq!(parse(lenient), expected, "{lenient}");
        }
    }

    #[test]
    fn new_name_takes_the_first_word_with_or_without_the_command() {
        let name = |p: &str| ClientFrame::Rename(p.into()).new_name().map(str::to_owned);
        assert_eq!(name(">>chname<< bob the builder").as_deref(), Some("bob"));
        assert_eq!(name("carol").as_deref(), Some("carol"));
        assert_eq!(name(">>chname<<"), None);
        assert_eq!(name(""), None);
    }
}
