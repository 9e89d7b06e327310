//! What a scenario client received, as the matcher sees it: whole frames, files with their
//! body digested, undecodable frames, and the end of the connection; and how to show them.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use super::uploads::Digest;
use crate::protocol::{DecodeError, Frame, ServerFileHeader, ServerFrame};

/// Body bytes kept for showing where a file differs (the digest covers the rest).
pub const KEPT_BODY: usize = 4 << 20;

/// One thing that arrived, stamped with the wall clock (to check time prefixes).
#[derive(Debug, Clone)]
pub struct Received {
    /// When it arrived.
    pub at: SystemTime,
    /// What it was.
    pub incoming: Incoming,
}

/// The kinds of arrival.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A frame other than a file header.
    Frame(ServerFrame),
    /// A file header and its body (cut short when the connection ended first).
    File {
        /// The header.
        header: ServerFileHeader,
        /// The body that arrived.
        body: Arc<Body>,
        /// Whether all `size` bytes arrived.
        complete: bool,
    },
    /// Bytes the project's decoder could not turn into a server frame.
    Malformed(DecodeError),
    /// The connection ended while a frame or a file body was unfinished: what had arrived.
    Partial(Partial),
    /// The connection ended: `how` says if by end of stream or an error such as a reset.
    Closed {
        /// "end of stream", or the I/O error.
        how: String,
    },
}

/// Bytes of something unfinished, as the decoder left them: a file header whose body is not
/// all there, or the first bytes of a frame whose end has not arrived. Such bytes are
/// "something received" for `nothing` and for the end-of-scenario check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Partial {
    /// A file header and part of its body.
    Body {
        /// The header (a whole frame).
        header: ServerFileHeader,
        /// Body bytes that arrived.
        received: u64,
    },
    /// The start of a frame.
    Frame {
        /// Its first bytes (at most [`KEPT_PARTIAL`]).
        start: Vec<u8>,
        /// How many bytes of it arrived.
        received: usize,
        /// The length its prefix announces, once the prefix is complete.
        announced: Option<usize>,
    },
}

/// Bytes of an unfinished frame kept for the hex dump.
pub const KEPT_PARTIAL: usize = 64;

impl Partial {
    /// The unfinished frame that starts `unread` (bytes the decoder holds), if any.
    pub fn frame(unread: &[u8]) -> Option<Self> {
        (!unread.is_empty()).then(|| Self::Frame {
            start: unread[..unread.len().min(KEPT_PARTIAL)].to_vec(),
            received: unread.len(),
            announced: crate::protocol::announced_len(unread),
        })
    }

    /// A description: "file header for half.bin announcing 100 000 bytes, then 30 000 body
    /// bytes; the rest never came".
    pub fn summary(&self) -> String {
        match self {
            Self::Body { header, received } => format!(
                "file header for {} from [{}] announcing {} bytes, then {} body bytes; the rest never came",
                header.filename,
                header.sender,
                grouped(u64::from(header.size)),
                grouped(*received)
            ),
            Self::Frame {
                received,
                announced: Some(len),
                ..
            } => format!(
                "{} bytes of a frame whose length prefix announces {} more; the rest never came",
                grouped(*received as u64),
                grouped(*len as u64)
            ),
            Self::Frame { received, .. } => format!(
                "{received} byte of a length prefix; the rest never came"
            ),
        }
    }

    /// The first bytes on the wire (the header re-encoded, or the frame's start).
    pub fn wire_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Self::Body { header, .. } => ServerFrame::File(header.clone()).to_bytes().ok(),
            Self::Frame { start, .. } => Some(start.clone()),
        }
    }
}

/// `100000` as `100 000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A digested file body: its length, an FNV-1a hash, and its first bytes (up to `KEPT_BODY`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    /// Bytes received.
    pub len: u64,
    /// FNV-1a 64 of all the bytes.
    pub hash: u64,
    /// The first bytes.
    pub kept: Vec<u8>,
}

impl Body {
    /// An empty body.
    pub fn new() -> Self {
        let empty = Digest::empty();
        Self {
            len: empty.len,
            hash: empty.hash,
            kept: Vec::new(),
        }
    }

    /// Adds the next bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut digest = Digest {
            len: self.len,
            hash: self.hash,
        };
        digest.push(bytes);
        (self.len, self.hash) = (digest.len, digest.hash);
        let room = KEPT_BODY.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }
}

impl Incoming {
    /// True for a timed `0x03` that is not a chat line: a notice.
    pub fn is_notice(&self) -> bool {
        matches!(self, Self::Frame(ServerFrame::Text(t)) if t.time.is_some() && t.chat_line().is_none())
    }

    /// A one-line description, printable.
    pub fn summary(&self) -> String {
        match self {
            Self::Frame(frame) => frame_summary(frame),
            Self::File {
                header,
                body,
                complete,
            } => {
                let mut s = format!(
                    "0x02 file <{}> [{}] {:?} size {}",
                    header.time, header.sender, header.filename, header.size
                );
                if let Some(caption) = &header.caption {
                    let _ = write!(s, " caption {caption:?}");
                }
                let _ = write!(s, ", body {} bytes", body.len);
                if !complete {
                    s.push_str(" (cut short: the connection ended)");
                }
                s
            }
            Self::Malformed(e) => format!("undecodable frame ({e}), {} bytes", e.raw.len()),
            Self::Partial(p) => p.summary(),
            Self::Closed { how } => format!("connection closed by the server ({how})"),
        }
    }

    /// How many bytes it took on the wire (a file: header and the body that came).
    pub fn wire_size(&self) -> u64 {
        match self {
            Self::Frame(frame) => frame.payload_len().map_or(3, |n| n as u64 + 3),
            Self::File { header, body, .. } => {
                ServerFrame::File(header.clone())
                    .payload_len()
                    .map_or(3, |n| n as u64 + 3)
                    + body.len
            }
            Self::Malformed(e) => e.raw.len() as u64,
            Self::Partial(p) => p.wire_bytes().map_or(0, |b| b.len() as u64),
            Self::Closed { .. } => 0,
        }
    }

    /// The bytes as they were on the wire (re-encoded: the codec is lossless), if any.
    pub fn wire_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Self::Frame(frame) => frame.to_bytes().ok(),
            Self::File { header, .. } => ServerFrame::File(header.clone()).to_bytes().ok(),
            Self::Malformed(e) => Some(e.raw.to_vec()),
            Self::Partial(p) => p.wire_bytes(),
            Self::Closed { .. } => None,
        }
    }
}

/// Longest text shown whole in a summary; longer ones are cut with their length noted.
const SHOWN_TEXT: usize = 100;

/// `text` quoted, cut to [`SHOWN_TEXT`] characters with the full length noted.
pub fn quoted(text: &str) -> String {
    if text.len() <= SHOWN_TEXT {
        return format!("{text:?}");
    }
    let cut: String = text.chars().take(SHOWN_TEXT / 2).collect();
    format!("{:?}... ({} bytes in all)", cut, text.len())
}

/// A frame as `0xTT kind "text"`.
pub fn frame_summary(frame: &ServerFrame) -> String {
    match frame {
        ServerFrame::AuthOk(text) => format!("0x00 auth-ok {}", quoted(text)),
        ServerFrame::Renamed(text) => format!("0x04 renamed {}", quoted(text)),
        ServerFrame::Text(t) => match t.time {
            Some(time) => format!("0x03 text {}", quoted(&format!("<{time}> {}", t.body))),
            None => format!("0x03 text {}", quoted(&t.body)),
        },
        ServerFrame::File(h) => {
            format!("0x02 file [{}] {:?} size {}", h.sender, h.filename, h.size)
        }
    }
}

/// A hex dump: `offset  hex  |ascii|`, 16 bytes a row, at most `max_rows` rows.
pub fn hex_dump(bytes: &[u8], max_rows: usize) -> String {
    let mut out = String::new();
    for (row, chunk) in bytes.chunks(16).enumerate().take(max_rows) {
        let _ = write!(out, "{:04x}  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
    let rows = bytes.len().div_ceil(16);
    if rows > max_rows {
        let _ = writeln!(out, "...   ({} bytes in all)", bytes.len());
    }
    out
}
