//! Frames the server sends to clients: auth accepted, relayed file headers, texts (chat lines,
//! notices and replies) and rename confirmations, owned. They are parsed as borrowed views
//! (`server_frame_ref`) and converted.

use bytes::BufMut;

use super::frame::{filename_len, put_header, write_filename};
use super::frame_type::{AUTH, FILE, RENAME, TEXT};
use super::time::PREFIX_LEN;
use super::{
    EncodeError, Frame, FrameError, HhMm, ServerFrameRef, ServerTextRef, FILE_SENDER_SEPARATOR,
};

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
        self.view().chat_line()
    }

    /// The text as a borrowed view.
    pub fn view(&self) -> ServerTextRef<'_> {
        ServerTextRef {
            time: self.time,
            body: &self.body,
        }
    }
}

impl From<ServerFrameRef<'_>> for ServerFrame {
    fn from(view: ServerFrameRef<'_>) -> Self {
        match view {
            ServerFrameRef::AuthOk(text) => Self::AuthOk(text.to_owned()),
            ServerFrameRef::File(h) => Self::File(ServerFileHeader {
                time: h.time,
                sender: h.sender.to_owned(),
                size: h.size,
                filename: h.filename.to_owned(),
                caption: h.caption.map(str::to_owned),
            }),
            ServerFrameRef::Text(t) => Self::Text(ServerText {
                time: t.time,
                body: t.body.to_owned(),
            }),
            ServerFrameRef::Renamed(text) => Self::Renamed(text.to_owned()),
        }
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

/// Appends a timed text frame whose body is `parts` joined, without building the body or
/// the frame first: the fan-out renders each relayed line this way, once per distinct time
/// prefix. The same bytes as encoding `ServerFrame::timed_text(time, parts.concat())`.
pub fn encode_timed_text(
    time: HhMm,
    parts: &[&str],
    out: &mut impl BufMut,
) -> Result<usize, EncodeError> {
    let payload_len = PREFIX_LEN + parts.iter().map(|part| part.len()).sum::<usize>();
    put_header(TEXT, payload_len, out)?;
    out.put_slice(&time.prefix_bytes());
    for part in parts {
        out.put_slice(part.as_bytes());
    }
    Ok(payload_len + 3)
}

/// The start of a relayed chat line, `<HH:MM> [name] `, rendered once and put in front of
/// each message of a burst: encoding a message then costs two copies. The frames are the
/// bytes of [`encode_timed_text`] with the parts `[`, `name`, `] ` and the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatLinePrefix {
    rendered: Vec<u8>,
}

impl ChatLinePrefix {
    /// Renders `<time> [name] ` (keeping the memory of the previous prefix).
    pub fn set(&mut self, time: HhMm, name: &str) {
        self.rendered.clear();
        self.rendered.extend_from_slice(&time.prefix_bytes());
        self.rendered.push(b'[');
        self.rendered.extend_from_slice(name.as_bytes());
        self.rendered.extend_from_slice(b"] ");
    }

    /// Appends the timed text frame of `message` behind this prefix.
    pub fn encode(&self, message: &str, out: &mut impl BufMut) -> Result<usize, EncodeError> {
        let payload_len = self.rendered.len() + message.len();
        put_header(TEXT, payload_len, out)?;
        out.put_slice(&self.rendered);
        out.put_slice(message.as_bytes());
        Ok(payload_len + 3)
    }
}

impl Frame for ServerFrame {
    type Ref<'a> = ServerFrameRef<'a>;

    #[inline]
    fn parse_ref(frame_type: u8, payload: &[u8]) -> Result<ServerFrameRef<'_>, FrameError> {
        ServerFrameRef::parse(frame_type, payload)
    }

    fn from_ref(view: ServerFrameRef<'_>) -> Self {
        view.into()
    }

    fn ref_body_len(view: &ServerFrameRef<'_>) -> u32 {
        view.body_len()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::MAX_PAYLOAD;

    #[test]
    fn a_text_encoded_from_parts_is_the_frame_encoded_whole() {
        let time = HhMm::new(9, 5).unwrap();
        let mut from_parts = Vec::new();
        let n = encode_timed_text(time, &["[ann] ", "hi", " there"], &mut from_parts).unwrap();
        let whole = ServerFrame::timed_text(time, "[ann] hi there")
            .to_bytes()
            .unwrap();
        assert_eq!(from_parts, whole);
        assert_eq!(n, whole.len());
    }

    #[test]
    fn a_chat_line_behind_a_rendered_prefix_is_the_frame_encoded_whole() {
        let time = HhMm::new(23, 59).unwrap();
        let mut prefix = ChatLinePrefix::default();
        prefix.set(HhMm::new(1, 2).unwrap(), "someone else");
        prefix.set(time, "ann");
        let mut out = Vec::new();
        let n = prefix.encode("hi there", &mut out).unwrap();
        let whole = ServerFrame::timed_text(time, "[ann] hi there")
            .to_bytes()
            .unwrap();
        assert_eq!((out, n), (whole.clone(), whole.len()));
        let longest = "x".repeat(MAX_PAYLOAD - PREFIX_LEN - "[ann] ".len());
        let mut out = Vec::new();
        assert_eq!(prefix.encode(&longest, &mut out).unwrap(), MAX_PAYLOAD + 3);
        let mut out = Vec::new();
        assert!(prefix.encode(&format!("{longest}x"), &mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn a_text_too_long_for_a_frame_is_refused_and_nothing_is_written() {
        let time = HhMm::new(0, 0).unwrap();
        let long = "x".repeat(MAX_PAYLOAD - PREFIX_LEN + 1);
        let mut out = Vec::new();
        assert!(encode_timed_text(time, &[&long], &mut out).is_err());
        assert!(out.is_empty());
        let fits = "x".repeat(MAX_PAYLOAD - PREFIX_LEN);
        assert_eq!(
            encode_timed_text(time, &[&fits], &mut out).unwrap(),
            MAX_PAYLOAD + 3
        );
    }
}
