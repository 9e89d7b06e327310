//! Puts a send statement on the wire: frames encoded by the project's codec, file bodies
//! streamed from disk or generated, cut into writes as the statement's chunking says.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::client::FrameWriter;
use crate::language::model::{BodySource, Chunking, Part, Send};
use crate::protocol::{ClientFrame, Frame};
use crate::record::describe::describe;
use crate::record::received::hex_dump;
use crate::record::timeline::{Act, EntryKind, Sent, SentFrame, KEPT_TEXT};
use crate::record::transcript::{note_act, Transcript};
use crate::record::uploads::{Digest, UploadTracker};

const PIECE: usize = 64 * 1024;

/// The kind of a client frame, for the timeline.
fn sent_kind(frame: &ClientFrame) -> Sent {
    match frame {
        ClientFrame::Auth {
            offset: Some(_), ..
        } => Sent::Auth,
        ClientFrame::Auth { offset: None, .. } => Sent::AuthWithoutOffset,
        ClientFrame::Exit(_) => Sent::Exit,
        ClientFrame::File(_) => Sent::FileHeader,
        ClientFrame::Text(_) => Sent::Text,
        ClientFrame::Rename(_) => Sent::Rename,
    }
}

/// Cuts a byte stream into writes at chunk and split boundaries, pausing between them.
struct Cutter<'a> {
    writer: &'a mut FrameWriter,
    chunking: &'a Chunking,
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    pos: usize,
    writes: usize,
    /// The frames (and raw parts) of the statement, in order.
    frames: Vec<SentFrame>,
    /// How long one write may wait for the server to take bytes (see [`Stalled`]).
    stall: Duration,
}

/// The server took none of a write's bytes for the whole stall time: it has stopped reading.
/// (A stall, not a total: a loaded machine slows a big upload down, and only a server that
/// stops reading fails the step.)
#[derive(Debug, thiserror::Error)]
#[error("the server took none of the bytes for {0:?}")]
pub struct Stalled(pub Duration);

impl Cutter<'_> {
    fn next_boundary(&self) -> Option<usize> {
        self.chunking.next_boundary(self.pos)
    }

    async fn write(&mut self, n: usize) -> std::io::Result<()> {
        if self.writes > 0 && !self.chunking.pause.is_zero() {
            tokio::time::sleep(self.chunking.pause).await;
        }
        match tokio::time::timeout(self.stall, self.writer.send_raw(&self.buf[..n])).await {
            Ok(written) => written?,
            Err(_) => {
                let stalled = Stalled(self.stall);
                return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, stalled));
            }
        }
        self.buf.drain(..n);
        self.pos += n;
        self.writes += 1;
        Ok(())
    }

    /// Pushes a frame (or raw part), noting it among the statement's frames.
    async fn push_frame(&mut self, bytes: &[u8], frame: SentFrame) -> std::io::Result<()> {
        self.frames.push(frame);
        self.push(bytes).await
    }

    async fn push(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        loop {
            match self.next_boundary() {
                Some(b) if b - self.pos <= self.buf.len() => self.write(b - self.pos).await?,
                None if self.buf.len() >= PIECE => self.write(self.buf.len()).await?,
                _ => return Ok(()),
            }
        }
    }

    async fn finish(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.write(self.buf.len()).await?;
        }
        Ok(())
    }
}

/// Writes every part of `send` through `writer`, noting each in the transcript, and each file
/// body it completes in `uploads` (to `sent`).
pub async fn write(
    send: &Send,
    writer: &mut FrameWriter,
    transcript: &Transcript,
    uploads: &mut UploadTracker,
    sent: &mut BTreeSet<Digest>,
    stall: Duration,
) -> std::io::Result<()> {
    let chunking = &send.chunking;
    let mut cutter = Cutter {
        writer,
        chunking,
        buf: Vec::new(),
        pos: 0,
        writes: 0,
        frames: Vec::new(),
        stall,
    };
    for part in &send.parts {
        match part {
            Part::Frame(frame) => send_frame(&mut cutter, frame, transcript, uploads, sent).await?,
            Part::Raw(bytes) => send_raw(&mut cutter, bytes, transcript, uploads, sent).await?,
            Part::Body(source) => send_body(&mut cutter, source, transcript, uploads, sent).await?,
        }
    }
    cutter.finish().await?;
    if cutter.frames.len() > 1 {
        transcript.group(&cutter.frames, cutter.pos as u64, cutter.writes);
    }
    if cutter.writes > 1 && (chunking.chunk.is_some() || !chunking.split_at.is_empty()) {
        let apart = if chunking.pause.is_zero() {
            String::new()
        } else {
            format!(", {:?} apart", chunking.pause)
        };
        note_act(
            transcript,
            Act::SentInPieces,
            format!("  (in {} writes{apart})", cutter.writes),
        );
    }
    Ok(())
}

/// A frame: encoded, noted in the transcript (a short text kept for the timeline), written.
async fn send_frame(
    cutter: &mut Cutter<'_>,
    frame: &ClientFrame,
    transcript: &Transcript,
    uploads: &mut UploadTracker,
    sent: &mut BTreeSet<Digest>,
) -> std::io::Result<()> {
    let bytes = frame
        .to_bytes()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let pushed = transcript.record(
        EntryKind::Sent {
            what: sent_kind(frame),
            write: None,
        },
        bytes.len() as u64,
        format!("> {}", describe(frame)),
    );
    let text = match frame {
        ClientFrame::Text(t) if t.len() <= KEPT_TEXT => Some(t.clone()),
        _ => None,
    };
    let queued = SentFrame {
        entry: pushed.entry,
        frame: pushed.frame,
        text,
    };
    cutter.push_frame(&bytes, queued).await?;
    uploads.sent(&bytes, sent);
    Ok(())
}

/// Raw bytes: noted as a hex dump, written as they are.
async fn send_raw(
    cutter: &mut Cutter<'_>,
    bytes: &[u8],
    transcript: &Transcript,
    uploads: &mut UploadTracker,
    sent: &mut BTreeSet<Digest>,
) -> std::io::Result<()> {
    let dump = hex_dump(bytes, 4);
    let pushed = transcript.record(
        EntryKind::Sent {
            what: Sent::Raw,
            write: None,
        },
        bytes.len() as u64,
        format!("> raw {} bytes\n{}", bytes.len(), dump.trim_end()),
    );
    let queued = SentFrame {
        entry: pushed.entry,
        frame: pushed.frame,
        text: None,
    };
    cutter.push_frame(bytes, queued).await?;
    uploads.sent(bytes, sent);
    Ok(())
}

/// A file body, generated or read from a file, written piece by piece.
async fn send_body(
    cutter: &mut Cutter<'_>,
    source: &BodySource,
    transcript: &Transcript,
    uploads: &mut UploadTracker,
    sent: &mut BTreeSet<Digest>,
) -> std::io::Result<()> {
    let (size, line) = match source {
        BodySource::Generated(n) => (*n, format!("> file body: {n} generated bytes")),
        BodySource::File(path) => (
            std::fs::metadata(path).map_or(0, |m| m.len()),
            format!("> file body: {}", path.display()),
        ),
    };
    transcript.record(
        EntryKind::Sent {
            what: Sent::Body,
            write: None,
        },
        size,
        line,
    );
    match source {
        BodySource::Generated(n) => {
            let mut i = 0u64;
            let mut piece = Vec::with_capacity(PIECE);
            while i < *n {
                let end = (*n).min(i + PIECE as u64);
                piece.clear();
                piece.extend((i..end).map(BodySource::generated_byte));
                cutter.push(&piece).await?;
                uploads.sent(&piece, sent);
                i = end;
            }
        }
        BodySource::File(path) => {
            let mut file = tokio::fs::File::open(path).await?;
            let mut piece = vec![0u8; PIECE];
            loop {
                let n = file.read(&mut piece).await?;
                if n == 0 {
                    break;
                }
                cutter.push(&piece[..n]).await?;
                uploads.sent(&piece[..n], sent);
            }
        }
    }
    Ok(())
}
