//! An async connection to a chat server: typed frames and files out, decoded events in.

use std::io;
use std::net::SocketAddr;
use std::path::Path;

use bytes::Bytes;
use futures_util::StreamExt;
use thiserror::Error;
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;

use super::BatchReader;
use crate::protocol::{
    ClientFileHeader, ClientFrame, DecodeError, EncodeError, Frame, FrameCodec, Item, ServerFrame,
};

/// What a client sees arriving from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole frame.
    Frame(ServerFrame),
    /// The next bytes of the body of the last file header.
    FileBody(Bytes),
    /// The body of the last file header is complete.
    FileEnd,
    /// A frame that did not decode (it has been skipped; the stream goes on).
    Malformed(DecodeError),
    /// The server closed the connection (end of stream).
    Closed,
}

/// Why sending failed.
#[derive(Debug, Error)]
pub enum ConnectionError {
    /// The frame cannot be put on the wire (too long, or ambiguous).
    #[error("cannot send this frame: {0}")]
    Encode(#[from] EncodeError),
    /// A file to send is larger than the 4 GiB a file header can announce.
    #[error("{path}: {size} bytes is more than a file header can announce (4 GiB - 1)")]
    FileTooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
    },
    /// A file to send has a name with a space, which the protocol cannot carry.
    #[error("{0}: a file name cannot contain a space")]
    FileNameWithSpace(String),
    /// The socket or the file failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The header that announces the file at `path` (named after it) with `size` bytes.
pub(crate) fn file_header_for(
    path: &Path,
    size: u64,
    caption: Option<String>,
) -> Result<ClientFrame, ConnectionError> {
    let shown = path.display().to_string();
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    if filename.contains(' ') {
        return Err(ConnectionError::FileNameWithSpace(shown));
    }
    let size =
        u32::try_from(size).map_err(|_| ConnectionError::FileTooLarge { path: shown, size })?;
    Ok(ClientFrame::File(ClientFileHeader {
        size,
        filename,
        caption,
    }))
}

/// The reading half: decoded events from the server.
#[derive(Debug)]
pub struct EventReader {
    frames: FramedRead<OwnedReadHalf, FrameCodec<ServerFrame, ClientFrame>>,
}

impl EventReader {
    /// The next event. Cancel-safe: bytes already read stay buffered for the next call.
    pub async fn next_event(&mut self) -> io::Result<Event> {
        Ok(match self.frames.next().await.transpose()? {
            None => Event::Closed,
            Some(Ok(Item::Frame(frame))) => Event::Frame(frame),
            Some(Ok(Item::FileBody(chunk))) => Event::FileBody(chunk),
            Some(Ok(Item::FileEnd)) => Event::FileEnd,
            Some(Err(error)) => Event::Malformed(error),
        })
    }

    /// Bytes read from the socket that the decoder holds: the start of a frame whose end has
    /// not arrived (file body bytes are handed out as they come, so they never wait here).
    pub fn unread(&self) -> &[u8] {
        self.frames.read_buffer()
    }

    /// This reader as a [`BatchReader`]: large reads, borrowed frames, no allocation per
    /// frame. The bytes already read and the decoder's place in the stream carry over.
    pub fn into_batch(self) -> BatchReader {
        let parts = self.frames.into_parts();
        BatchReader::new(parts.io, &parts.read_buf, parts.codec.into_decoder())
    }
}

/// The writing half: typed frames, raw bytes and files to the server.
#[derive(Debug)]
pub struct FrameWriter {
    socket: OwnedWriteHalf,
    buf: Vec<u8>,
}

/// Initial size of the read buffer: one read takes up to this much (tokio-util's default of
/// 8 KiB made a received file cost a system call per 8 KiB).
const READ_BUFFER: usize = 64 * 1024;

/// Size of the pieces a file body is read and written in.
const FILE_CHUNK: usize = 64 * 1024;

impl FrameWriter {
    /// Sends one frame in one write.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), ConnectionError> {
        self.buf.clear();
        frame.encode(&mut self.buf)?;
        self.socket.write_all(&self.buf).await?;
        Ok(())
    }

    /// Sends bytes as they are (for hostile input, or a file body sent by hand).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.socket.write_all(bytes).await
    }

    /// Sends the file at `path` as a header (named after the file) and its body, streamed
    /// from disk. Returns the body size. `progress` is told the bytes sent so far.
    pub async fn send_file(
        &mut self,
        path: &Path,
        caption: Option<String>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, ConnectionError> {
        let mut file = File::open(path).await?;
        let size = file.metadata().await?.len();
        let header = file_header_for(path, size, caption)?;
        self.send(&header).await?;
        let mut chunk = vec![0u8; FILE_CHUNK];
        let mut sent = 0u64;
        while sent < size {
            let n = file.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("{} shrank while it was being sent", path.display()),
                )
                .into());
            }
            // A file that grew while being sent: send only what the header announced.
            let n = n.min((size - sent) as usize);
            self.socket.write_all(&chunk[..n]).await?;
            sent += n as u64;
            progress(sent);
        }
        Ok(size)
    }

    /// Arms an abortive close: sets `SO_LINGER` to zero and lets go of the writing half
    /// without sending a FIN, so that when the reading half is dropped too the socket is
    /// released with a reset (RST) instead of an orderly close.
    pub fn into_reset(self) -> io::Result<()> {
        self.socket.as_ref().set_zero_linger()?;
        self.socket.forget();
        Ok(())
    }

    /// Closes the writing direction (TCP half-close); the reading half stays open.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.socket.shutdown().await
    }

    /// Closes both directions of the socket itself, not only of this descriptor: a FIN now,
    /// and a reset answering anything the peer sends later. Dropping the halves alone does
    /// neither while another process holds a copy of the descriptor (a child the harness is
    /// spawning, between its fork and its exec): the peer's writes would then be taken.
    pub fn close_both(self) -> io::Result<()> {
        socket2::SockRef::from(self.socket.as_ref()).shutdown(std::net::Shutdown::Both)
    }

    /// A copy of the descriptor, as a forked child holds one.
    #[cfg(test)]
    pub(crate) fn duplicate(&self) -> io::Result<socket2::Socket> {
        socket2::SockRef::from(self.socket.as_ref()).try_clone()
    }
}

/// A connection to a chat server: a [`FrameWriter`] and an [`EventReader`] that can also be
/// used apart ([`Connection::split`]) so that reading and writing run concurrently.
#[derive(Debug)]
pub struct Connection {
    /// The reading half.
    pub reader: EventReader,
    /// The writing half.
    pub writer: FrameWriter,
    peer: SocketAddr,
}

impl Connection {
    /// Connects to `addr`, with Nagle's algorithm off so that small frames leave at once.
    pub async fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self::from_stream(stream, addr))
    }

    fn from_stream(stream: TcpStream, peer: SocketAddr) -> Self {
        let (read, write) = stream.into_split();
        Self {
            reader: EventReader {
                frames: FramedRead::with_capacity(read, FrameCodec::default(), READ_BUFFER),
            },
            writer: FrameWriter {
                socket: write,
                buf: Vec::new(),
            },
            peer,
        }
    }

    /// The server's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Sends one frame.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), ConnectionError> {
        self.writer.send(frame).await
    }

    /// Sends a file from disk; see [`FrameWriter::send_file`].
    pub async fn send_file(
        &mut self,
        path: &Path,
        caption: Option<String>,
    ) -> Result<u64, ConnectionError> {
        self.writer.send_file(path, caption, |_| {}).await
    }

    /// The next event from the server.
    pub async fn next_event(&mut self) -> io::Result<Event> {
        self.reader.next_event().await
    }

    /// The two halves, to read and write from different tasks.
    pub fn split(self) -> (EventReader, FrameWriter) {
        (self.reader, self.writer)
    }
}
