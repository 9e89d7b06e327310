//! What the core tells its driver: the [`Output`]s it drains in order (bytes or a stored file
//! for a connection, resume reading a connection, close one) and why a connection was closed.

use bytes::Bytes;

use super::{ConnId, FILE_QUEUE_COST};

/// Why the core closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client sent exit.
    Exit,
    /// Over `max_clients`.
    ServerFull,
    /// No successful auth within the auth timeout.
    AuthTimeout,
    /// Over its queue limit, it accepted no byte for the stall timeout: it stopped reading.
    Stalled,
    /// The server is shutting down.
    Shutdown,
}

impl CloseReason {
    /// True when the driver should first write what is queued (a goodbye reply), then close;
    /// false when it should close at once.
    pub fn flush_first(self) -> bool {
        matches!(self, Self::Exit | Self::ServerFull | Self::AuthTimeout)
    }

    /// A few words for logs.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Exit => "exit",
            Self::ServerFull => "server full",
            Self::AuthTimeout => "auth timeout",
            Self::Stalled => "stopped reading",
            Self::Shutdown => "server shutdown",
        }
    }
}

/// What the core asks its driver to do, in order.
#[derive(Debug, Clone)]
pub enum Output<B> {
    /// Append these bytes to the connection's outbound stream.
    Send {
        /// The connection.
        to: ConnId,
        /// Whole encoded frames (a relayed file header is always followed by its `SendFile`).
        bytes: Bytes,
    },
    /// Append a stored file's whole body, read from the spool chunk by chunk.
    SendFile {
        /// The connection.
        to: ConnId,
        /// The stored file.
        body: B,
    },
    /// Read this connection again: it was paused ([`Core::is_paused`](super::Core::is_paused)) and no longer is.
    ResumeReading {
        /// The connection.
        id: ConnId,
    },
    /// Close the connection. The core has already forgotten it: later events for this id are
    /// ignored.
    Close {
        /// The connection.
        id: ConnId,
        /// Why, which also says whether to flush first.
        reason: CloseReason,
    },
}

impl<B> Output<B> {
    /// What this output costs against the recipient's queue limit; the driver reports the
    /// same amounts back through [`Core::handle_written`](super::Core::handle_written) as it writes.
    pub fn queue_cost(&self) -> u64 {
        match self {
            Self::Send { bytes, .. } => bytes.len() as u64,
            Self::SendFile { .. } => FILE_QUEUE_COST,
            Self::Close { .. } | Self::ResumeReading { .. } => 0,
        }
    }
}
