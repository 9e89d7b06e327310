//! What the proxy reports, as plain data: one [`Event`] per thing seen on one connection in
//! one direction, stamped with the wall clock. Rendering is in `render`; nothing here prints.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use super::watch::Seen;

/// Which way bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the server (decoded as client frames).
    ToServer,
    /// From the server to the client (decoded as server frames).
    ToClient,
}

impl Direction {
    /// `c→s` or `s→c`.
    pub fn arrow(self) -> &'static str {
        match self {
            Self::ToServer => "c→s",
            Self::ToClient => "s→c",
        }
    }

    /// `client_to_server` or `server_to_client`, for JSON.
    pub fn key(self) -> &'static str {
        match self {
            Self::ToServer => "client_to_server",
            Self::ToClient => "server_to_client",
        }
    }
}

/// One thing the proxy saw.
#[derive(Debug, Clone)]
pub struct Event {
    /// The connection's number, from 1 in the order clients were accepted.
    pub conn: u64,
    /// When it was seen.
    pub at: SystemTime,
    /// Since the proxy started.
    pub since_start: Duration,
    /// What was seen.
    pub kind: EventKind,
}

/// The kinds of event.
#[derive(Debug, Clone)]
pub enum EventKind {
    /// A client connected and its upstream connection is open.
    Opened {
        /// The client's address.
        client: SocketAddr,
        /// The upstream server's address.
        upstream: SocketAddr,
    },
    /// The upstream server could not be reached: the client is closed.
    UpstreamFailed {
        /// The connect error.
        error: String,
    },
    /// One read that completed more than one frame (`3 frames in one segment`).
    Segment {
        /// Which way.
        dir: Direction,
        /// Bytes read.
        bytes: usize,
        /// Frames (and malformed frames) completed by it.
        frames: usize,
    },
    /// A read that completed nothing and left part of a frame waiting for the rest.
    Pending {
        /// Which way.
        dir: Direction,
        /// Bytes of the frame so far.
        buffered: usize,
    },
    /// A frame, a file body or a malformed frame.
    Seen {
        /// Which way.
        dir: Direction,
        /// What.
        seen: Seen,
    },
    /// One direction ended: end of stream or an error.
    Closed {
        /// Which way.
        dir: Direction,
        /// How.
        how: String,
        /// Bytes of an unfinished frame the decoder held at the end.
        unfinished: usize,
    },
}
