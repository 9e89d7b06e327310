//! One direction of one proxied connection as the proxy sees it: each read (a segment) fed to
//! the project's decoder, and what completed in it as [`Seen`] items — frames with how many
//! reads they took, file bodies as their size and digest, malformed frames with the decoder's
//! error and their bytes. Forwarding never waits on this: it only observes.

use bytes::{Bytes, BytesMut};

use crate::protocol::{ClientFrame, DecodeError, Frame, FrameDecoder, Item, ServerFrame};
use crate::record::Digest;

/// A frame of either direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyFrame {
    /// Client to server.
    Client(ClientFrame),
    /// Server to client.
    Server(ServerFrame),
}

impl From<ClientFrame> for AnyFrame {
    fn from(frame: ClientFrame) -> Self {
        Self::Client(frame)
    }
}

impl From<ServerFrame> for AnyFrame {
    fn from(frame: ServerFrame) -> Self {
        Self::Server(frame)
    }
}

/// Something that completed in a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A whole frame, and over how many reads its bytes arrived (1: all in this one).
    Frame {
        /// The frame.
        frame: AnyFrame,
        /// Reads its bytes (length prefix to last payload byte) were spread over.
        reads: usize,
    },
    /// The body of the last file frame is complete.
    FileBody {
        /// Its length and FNV-1a 64 digest.
        digest: Digest,
        /// The first bytes of the body, for a recording (at most [`KEPT_BODY`]).
        kept: Bytes,
    },
    /// A frame the decoder refused; it has skipped it and goes on.
    Malformed {
        /// The decoder's error.
        error: DecodeError,
        /// Reads its bytes were spread over.
        reads: usize,
    },
}

/// Body bytes kept per file for a recording; the digest covers all of them.
pub const KEPT_BODY: usize = 64 << 20;

/// The decoder of one direction with the bookkeeping of reads.
#[derive(Debug)]
pub struct Watch<F> {
    decoder: FrameDecoder<F>,
    buf: BytesMut,
    /// Reads the frame in progress has taken so far.
    reads: usize,
    /// The body in progress.
    body: Option<(Digest, BytesMut)>,
    /// The last read cut into runs of frame bytes (false) and file body bytes (true).
    runs: Vec<(usize, bool)>,
}

impl<F> Default for Watch<F> {
    fn default() -> Self {
        Self {
            decoder: FrameDecoder::default(),
            buf: BytesMut::new(),
            reads: 0,
            body: None,
            runs: Vec::new(),
        }
    }
}

/// The bytes a frame's decoder still holds when a direction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfinished {
    /// Bytes of a frame whose end never came.
    pub buffered: usize,
    /// True when a file body was still expected.
    pub in_body: bool,
}

impl<F: Frame + Into<AnyFrame>> Watch<F> {
    /// A watch at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one read's bytes; returns what completed in it, in stream order.
    pub fn segment(&mut self, bytes: &[u8]) -> Vec<Seen> {
        self.reads = if self.buf.is_empty() {
            1
        } else {
            self.reads + 1
        };
        // Bytes of earlier reads still buffered (always the start of a frame).
        let mut carried = self.buf.len();
        self.runs.clear();
        self.buf.extend_from_slice(bytes);
        let mut seen = Vec::new();
        loop {
            let before = self.buf.len();
            let decoded = self.decoder.decode(&mut self.buf);
            let consumed = before - self.buf.len();
            let fresh = consumed.saturating_sub(carried);
            carried = carried.saturating_sub(consumed);
            let is_body = matches!(decoded, Ok(Some(Item::FileBody(_))));
            self.push_run(fresh, is_body);
            match decoded {
                Ok(None) => break,
                Ok(Some(Item::Frame(frame))) => {
                    if frame.frame_type() == crate::protocol::frame_type::FILE {
                        self.body = Some((Digest::empty(), BytesMut::new()));
                    }
                    seen.push(Seen::Frame {
                        frame: frame.into(),
                        reads: self.reads,
                    });
                    self.reads = 1;
                }
                Ok(Some(Item::FileBody(chunk))) => {
                    if let Some((digest, kept)) = &mut self.body {
                        digest.push(&chunk);
                        let room = KEPT_BODY.saturating_sub(kept.len());
                        kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    }
                    self.reads = 1;
                }
                Ok(Some(Item::FileEnd)) => {
                    let (digest, kept) = self
                        .body
                        .take()
                        .unwrap_or_else(|| (Digest::empty(), BytesMut::new()));
                    seen.push(Seen::FileBody {
                        digest,
                        kept: kept.freeze(),
                    });
                    self.reads = 1;
                }
                Err(error) => {
                    seen.push(Seen::Malformed {
                        error,
                        reads: self.reads,
                    });
                    self.reads = 1;
                }
            }
        }
        // What is left is the start of a frame.
        self.push_run(self.buf.len().saturating_sub(carried), false);
        seen
    }

    fn push_run(&mut self, len: usize, is_body: bool) {
        match self.runs.last_mut() {
            _ if len == 0 => {}
            Some((n, body)) if *body == is_body => *n += len,
            _ => self.runs.push((len, is_body)),
        }
    }

    /// The last read fed to [`segment`](Self::segment), as runs of frame bytes (`false`) and
    /// file body bytes (`true`) that add up to its length.
    pub fn runs(&self) -> &[(usize, bool)] {
        &self.runs
    }

    /// What is left undecoded when the stream ends, if anything.
    pub fn unfinished(&self) -> Option<Unfinished> {
        let in_body = self.decoder.in_body();
        (in_body || !self.buf.is_empty()).then_some(Unfinished {
            buffered: self.buf.len(),
            in_body,
        })
    }
}

/// Frames and malformed frames among `seen` (what "N frames in one segment" counts).
pub fn frames_in(seen: &[Seen]) -> usize {
    seen.iter()
        .filter(|s| matches!(s, Seen::Frame { .. } | Seen::Malformed { .. }))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(frames: &[ClientFrame]) -> Vec<u8> {
        frames.iter().flat_map(|f| f.to_bytes().unwrap()).collect()
    }

    #[test]
    fn three_frames_in_one_read_and_one_split_over_three() {
        let mut watch = Watch::<ClientFrame>::new();
        let bytes = wire(&[
            ClientFrame::auth("alice", 0),
            ClientFrame::Text("hi".into()),
            ClientFrame::Text("there".into()),
        ]);
        let seen = watch.segment(&bytes);
        assert_eq!(frames_in(&seen), 3);
        let split = wire(&[ClientFrame::Text("split".into())]);
        assert!(watch.segment(&split[..1]).is_empty());
        assert!(watch.segment(&split[1..4]).is_empty());
        let seen = watch.segment(&split[4..]);
        assert!(
            matches!(&seen[..], [Seen::Frame { reads: 3, .. }]),
            "{seen:?}"
        );
        assert_eq!(watch.unfinished(), None);
    }

    #[test]
    fn a_read_is_cut_into_frame_and_body_runs() {
        let mut watch = Watch::<ClientFrame>::new();
        let header = wire(&[ClientFrame::File(crate::protocol::ClientFileHeader {
            size: 10,
            filename: "f".into(),
            caption: None,
        })]);
        let text = wire(&[ClientFrame::Text("t".into())]);
        let mut bytes = header[..3].to_vec();
        watch.segment(&bytes);
        assert_eq!(watch.runs(), [(3, false)]);
        bytes = header[3..].to_vec();
        bytes.extend_from_slice(b"0123456789");
        bytes.extend_from_slice(&text[..2]);
        watch.segment(&bytes);
        assert_eq!(
            watch.runs(),
            [(header.len() - 3, false), (10, true), (2, false)]
        );
    }

    #[test]
    fn a_malformed_frame_is_reported_and_decoding_goes_on() {
        let mut watch = Watch::<ClientFrame>::new();
        let mut bytes = vec![0, 1, 0x09];
        bytes.extend(wire(&[ClientFrame::Text("after".into())]));
        let seen = watch.segment(&bytes);
        assert!(
            matches!(&seen[..], [Seen::Malformed { .. }, Seen::Frame { .. }]),
            "{seen:?}"
        );
    }
}
