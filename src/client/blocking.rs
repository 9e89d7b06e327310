//! The blocking flavour of the client connection, for threads and tests: the same frames and
//! events as the async [`Connection`](super::Connection), over `std::net`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use super::connection::file_header_for;
use super::{ConnectionError, Event};
use crate::protocol::{ClientFrame, Frame, Item, ServerFrame, StreamDecoder};

/// A blocking connection to a chat server.
#[derive(Debug)]
pub struct BlockingConnection {
    socket: TcpStream,
    decoder: StreamDecoder<ServerFrame>,
    closed: bool,
}

impl BlockingConnection {
    /// Connects to `addr` with Nagle's algorithm off.
    pub fn connect(addr: SocketAddr) -> io::Result<Self> {
        let socket = TcpStream::connect(addr)?;
        socket.set_nodelay(true)?;
        Ok(Self {
            socket,
            decoder: StreamDecoder::new(),
            closed: false,
        })
    }

    /// The socket, for options such as timeouts or linger.
    pub fn socket(&self) -> &TcpStream {
        &self.socket
    }

    /// Sends one frame in one write.
    pub fn send(&mut self, frame: &ClientFrame) -> Result<(), ConnectionError> {
        let bytes = frame.to_bytes()?;
        self.socket.write_all(&bytes)?;
        Ok(())
    }

    /// Sends bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.socket.write_all(bytes)
    }

    /// Sends the file at `path` as a header and its body, streamed from disk.
    pub fn send_file(
        &mut self,
        path: &Path,
        caption: Option<String>,
    ) -> Result<u64, ConnectionError> {
        let mut file = File::open(path)?;
        let size = file.metadata()?.len();
        let header = file_header_for(path, size, caption)?;
        self.send(&header)?;
        let copied = io::copy(&mut (&mut file).take(size), &mut self.socket)?;
        if copied < size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} shrank while it was being sent", path.display()),
            )
            .into());
        }
        Ok(size)
    }

    /// The next event, waiting at most `timeout` for bytes (`None`: wait as long as it takes).
    /// A timeout is an `io::ErrorKind::WouldBlock` or `TimedOut` error; the connection stays
    /// usable.
    pub fn next_event(&mut self, timeout: Option<Duration>) -> io::Result<Event> {
        loop {
            if let Some(item) = self.decoder.next_item() {
                return Ok(match item {
                    Ok(Item::Frame(frame)) => Event::Frame(frame),
                    Ok(Item::FileBody(chunk)) => Event::FileBody(chunk),
                    Ok(Item::FileEnd) => Event::FileEnd,
                    Err(error) => Event::Malformed(error),
                });
            }
            if self.closed {
                return Ok(Event::Closed);
            }
            self.socket.set_read_timeout(timeout)?;
            match self.decoder.read_from(&mut self.socket) {
                Ok(0) => self.closed = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}
