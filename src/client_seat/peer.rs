//! The harness's side of one connection the client opened: a pump that decodes the client's
//! bytes with the project's decoder into [`Arrival`]s (file bodies digested), and the writing
//! half for server sends, closes and resets.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::AsyncReadExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::protocol::{ClientFileHeader, ClientFrame, DecodeError, Frame, Item, StreamDecoder};
use crate::record::describe_client_frame as describe;
use crate::record::{hex_dump, note, Body, Transcript};

/// What arrived from the client.
#[derive(Debug, Clone)]
pub enum Arrival {
    /// A frame other than a file header.
    Frame(ClientFrame),
    /// A file header and its body (cut short when the connection ended first).
    File {
        /// The header.
        header: ClientFileHeader,
        /// The body that arrived.
        body: Arc<Body>,
        /// Whether all `size` bytes arrived.
        complete: bool,
    },
    /// Bytes the decoder could not turn into a client frame.
    Malformed(DecodeError<Bytes>),
    /// The client closed the connection (`how`: end of stream or the error).
    Closed {
        /// How.
        how: String,
    },
}

impl Arrival {
    /// A one-line description.
    pub fn summary(&self) -> String {
        match self {
            Self::Frame(frame) => describe(frame),
            Self::File {
                header,
                body,
                complete,
            } => {
                let cut = if *complete { "" } else { " (cut short)" };
                format!(
                    "{}, body {} bytes{cut}",
                    describe(&ClientFrame::File(header.clone())),
                    body.len
                )
            }
            Self::Malformed(e) => format!("undecodable frame ({e}), {} bytes", e.raw.len()),
            Self::Closed { how } => format!("connection closed by the client ({how})"),
        }
    }

    /// The bytes as they were on the wire (the codec is lossless), if any.
    pub fn wire_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Self::Frame(frame) => frame.to_bytes().ok(),
            Self::File { header, .. } => ClientFrame::File(header.clone()).to_bytes().ok(),
            Self::Malformed(e) => Some(e.raw.to_vec()),
            Self::Closed { .. } => None,
        }
    }
}

/// One connection from the client.
pub struct Peer {
    /// Which connection of the scenario (1-based).
    pub number: usize,
    writer: Option<OwnedWriteHalf>,
    arrivals: mpsc::UnboundedReceiver<Arrival>,
    /// Arrivals taken from the channel but not yet consumed by an expectation.
    pub seen: VecDeque<Arrival>,
    pump: JoinHandle<()>,
}

impl Peer {
    /// Starts reading `stream`, noting every arrival in `transcript`.
    pub fn start(stream: TcpStream, number: usize, transcript: Transcript) -> Self {
        let (mut reader, writer) = stream.into_split();
        let (tx, arrivals) = mpsc::unbounded_channel();
        let pump = tokio::spawn(async move {
            let mut decoder = StreamDecoder::<ClientFrame>::new();
            let mut upload: Option<(ClientFileHeader, Body)> = None;
            let mut buf = vec![0u8; 64 * 1024];
            let emit = |arrival: Arrival| {
                note(&transcript, format!("server< {}", arrival.summary()));
                if let Arrival::Malformed(e) = &arrival {
                    note(&transcript, hex_dump(&e.raw, 4).trim_end().to_owned());
                }
                let _ = tx.send(arrival);
            };
            let how = loop {
                let n = match reader.read(&mut buf).await {
                    Ok(0) => break "end of stream".to_owned(),
                    Ok(n) => n,
                    Err(e) => break e.to_string(),
                };
                decoder.feed(&buf[..n]);
                while let Some(item) = decoder.next_item() {
                    match item {
                        Ok(Item::Frame(ClientFrame::File(header))) => {
                            upload = Some((header, Body::new()));
                        }
                        Ok(Item::Frame(frame)) => emit(Arrival::Frame(frame)),
                        Ok(Item::FileBody(chunk)) => {
                            if let Some((_, body)) = upload.as_mut() {
                                body.push(&chunk);
                            }
                        }
                        Ok(Item::FileEnd) => {
                            if let Some((header, body)) = upload.take() {
                                emit(Arrival::File {
                                    header,
                                    body: Arc::new(body),
                                    complete: true,
                                });
                            }
                        }
                        Err(e) => emit(Arrival::Malformed(e)),
                    }
                }
            };
            if let Some((header, body)) = upload.take() {
                emit(Arrival::File {
                    header,
                    body: Arc::new(body),
                    complete: false,
                });
            }
            emit(Arrival::Closed { how });
        });
        Self {
            number,
            writer: Some(writer),
            arrivals,
            seen: VecDeque::new(),
            pump,
        }
    }

    /// Ensures `seen` holds more than `index` arrivals, waiting until `deadline`.
    pub async fn fill(&mut self, index: usize, deadline: Instant) -> bool {
        while self.seen.len() <= index {
            match tokio::time::timeout_at(deadline, self.arrivals.recv()).await {
                Ok(Some(arrival)) => self.seen.push_back(arrival),
                Ok(None) | Err(_) => return false,
            }
        }
        true
    }

    /// The writing half, while the connection is open.
    pub fn writer(&mut self) -> Option<&mut OwnedWriteHalf> {
        self.writer.as_mut()
    }

    /// Closes the connection (FIN) and stops reading it; what had arrived stays in `seen`
    /// and the channel.
    pub fn close(&mut self) {
        self.writer = None;
        self.pump.abort();
    }

    /// Closes the connection with a reset (RST): `SO_LINGER` 0, then both halves released.
    pub fn reset(&mut self) -> std::io::Result<()> {
        if let Some(writer) = self.writer.take() {
            writer.as_ref().set_zero_linger()?;
            writer.forget();
        }
        self.pump.abort();
        Ok(())
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.pump.abort();
    }
}
