//! The polling server: one thread, mio readiness events, non-blocking sockets (the `select`
//! design of the original, done right, in the shape of rustls' `tlsserver-mio`).
//!
//! Each connection owns an [`OutQueue`]; the core's input buffer is its input buffer. Reads go
//! until `WouldBlock` (`Ok(0)` is a close, `Interrupted` is retried), 256 KiB per turn so a
//! flooding sender cannot starve the others; WRITABLE interest is registered only while output
//! is pending. Output is written at the end of every event batch (one vectored write carries
//! many broadcasts), and after every read that filled its 32 KiB piece: the sender is
//! streaming, so what it sent so far goes out while the rest is read. Relaying is then a
//! pipeline rather than store-and-forward of a whole turn, and one fast sender cannot pile a
//! socket buffer's worth into a recipient's queue before it drains.
//!
//! Flow control is the core's: a connection the core pauses ([`Core::is_paused`]) is not read
//! (its readiness is left pending) until the core emits `ResumeReading` for it, when it is
//! read again on the next turn.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::buffers::BufferPool;
use super::outqueue::OutQueue;
use super::{wait_until, Clock, DiskBody, DiskSpool, IdMap, Shutdown, ACCEPT_RETRY};
use crate::core::{ConnId, Core, Limits, Now};

mod output;

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
const FIRST_CONN: usize = 2;
/// Bytes read from one connection per turn.
const READ_TURN: usize = 256 * 1024;
/// Bytes one read takes at most outside a file body; a full piece is relayed before the next
/// read. Smaller pieces start the receivers sooner, larger ones cost fewer system calls. To one
/// receiver of a pipelined stream (`fanout-bench`, window 1000) 64 KiB pieces relayed
/// 3.5-4.5 M lines/s, 32 KiB pieces 4.6-6.3 M (BENCHMARKS.md, issue 31). Inside a file body,
/// where nothing is relayed before its end, a read takes a whole turn (one spool write per
/// 256 KiB, not per 32 KiB).
const READ_PIECE: usize = 32 * 1024;
/// Large coalescing buffers (64–128 KiB) kept for reuse: a fan-out to this many busy
/// receivers allocates none; at most 16 MiB stays with the server after a burst.
const KEPT_BUFFERS: usize = 128;

fn token(id: ConnId) -> Token {
    Token(FIRST_CONN + id.0 as usize)
}

fn conn_id(token: Token) -> ConnId {
    ConnId((token.0 - FIRST_CONN) as u64)
}

struct Conn {
    stream: TcpStream,
    out: OutQueue<DiskBody>,
    /// WRITABLE interest is registered.
    writable: bool,
    /// Listed in `Server::dirty`.
    dirty: bool,
    /// The core closed it: flush, send FIN, wait for the peer's EOF (or `LINGER`).
    closing: bool,
    /// FIN sent.
    write_shut: bool,
    /// Listed in `Server::read_pending`: readable, but it used up its turn.
    read_pending: bool,
    /// The core paused it: not read until it says `ResumeReading`.
    paused: bool,
}

struct Server {
    poll: Poll,
    listener: TcpListener,
    core: Core<DiskSpool>,
    clock: Clock,
    conns: IdMap<Conn>,
    /// Coalescing buffers reused across the connections' queues.
    buffers: BufferPool,
    /// Connections with output not yet attempted.
    dirty: Vec<ConnId>,
    /// Connections to read again without waiting for an event (edge-triggered readiness
    /// is not repeated).
    read_pending: Vec<ConnId>,
    /// Closing connections by deadline.
    lingering: VecDeque<(Duration, ConnId)>,
    accept_retry: Option<Duration>,
    scratch: Vec<u8>,
    next_id: u64,
}

/// Runs the polling server until `shutdown` is triggered.
pub(super) fn run(
    listener: std::net::TcpListener,
    spool: DiskSpool,
    limits: Limits,
    shutdown: &Shutdown,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Waker::new(poll.registry(), WAKER)?;
    shutdown.on_trigger(move || {
        if let Err(error) = waker.wake() {
            tracing::error!(%error, "cannot wake the poll loop");
        }
    });
    let mut server = Server {
        poll,
        listener,
        core: Core::new(limits, spool),
        clock: Clock::new(),
        conns: IdMap::default(),
        buffers: BufferPool::keeping(KEPT_BUFFERS),
        dirty: Vec::new(),
        read_pending: Vec::new(),
        lingering: VecDeque::new(),
        accept_retry: None,
        scratch: vec![0; READ_TURN],
        next_id: 0,
    };
    let mut events = Events::with_capacity(1024);
    while !shutdown.is_triggered() {
        let timeout = server.timeout();
        if let Err(error) = server.poll.poll(&mut events, timeout) {
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        let now = server.clock.now();
        for event in events.iter() {
            match event.token() {
                LISTENER => server.accept(now),
                WAKER => {}
                token => {
                    let id = conn_id(token);
                    if event.is_writable() {
                        server.flush(id, now);
                    }
                    if event.is_readable() || event.is_read_closed() || event.is_error() {
                        server.read(id, now);
                    }
                }
            }
        }
        server.housekeeping(now);
    }
    server.core.handle_shutdown();
    server.dispatch(server.clock.now());
    tracing::info!(open = server.conns.len(), "shut down");
    Ok(())
}

impl Server {
    fn timeout(&self) -> Option<Duration> {
        if !self.read_pending.is_empty() {
            return Some(Duration::ZERO);
        }
        let now = self.clock.now();
        wait_until(
            now,
            [
                self.core.next_deadline(),
                self.lingering.front().map(|&(deadline, _)| deadline),
                self.accept_retry,
            ],
        )
    }

    /// After each event batch: timeouts, pending output, expired lingering connections.
    fn housekeeping(&mut self, now: Now) {
        for id in std::mem::take(&mut self.read_pending) {
            if let Some(conn) = self.conns.get_mut(&id) {
                conn.read_pending = false;
                self.read(id, now);
            }
        }
        if self.accept_retry.is_some_and(|at| at <= now.elapsed) {
            self.accept_retry = None;
            self.accept(now);
        }
        self.core.handle_tick(now);
        self.dispatch(now);
        self.flush_dirty(now);
        while let Some(&(deadline, id)) = self.lingering.front() {
            if deadline > now.elapsed {
                break;
            }
            self.lingering.pop_front();
            if self.conns.get(&id).is_some_and(|c| c.closing) {
                tracing::debug!(%id, "closing connection cut after linger");
                self.drop_conn(id);
            }
        }
    }

    fn accept(&mut self, now: Now) {
        loop {
            match self.listener.accept() {
                Ok((mut stream, addr)) => {
                    let id = ConnId(self.next_id);
                    self.next_id += 1;
                    let registered =
                        self.poll
                            .registry()
                            .register(&mut stream, token(id), Interest::READABLE);
                    if let Err(error) = registered {
                        tracing::warn!(%addr, %error, "cannot register connection");
                        continue;
                    }
                    if let Err(error) = stream.set_nodelay(true) {
                        tracing::debug!(%id, %error, "cannot set TCP_NODELAY");
                    }
                    tracing::info!(%id, %addr, "connection accepted");
                    self.conns.insert(
                        id,
                        Conn {
                            stream,
                            out: OutQueue::default(),
                            writable: false,
                            dirty: false,
                            closing: false,
                            write_shut: false,
                            read_pending: false,
                            paused: false,
                        },
                    );
                    self.core.handle_connect(id, now);
                    self.dispatch(now);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    tracing::warn!(%error, "accept failed; retrying shortly");
                    self.accept_retry = Some(now.elapsed + ACCEPT_RETRY);
                    return;
                }
            }
        }
    }

    /// Reads until `WouldBlock`, feeding the core and writing out what a full piece produced;
    /// after `READ_TURN` bytes the connection waits for its next turn, so one flooding sender
    /// cannot starve the others.
    fn read(&mut self, id: ConnId, now: Now) {
        let mut taken = 0;
        loop {
            let Some(conn) = self.conns.get_mut(&id) else {
                return;
            };
            if conn.paused {
                return;
            }
            if taken >= READ_TURN {
                if !conn.read_pending {
                    conn.read_pending = true;
                    self.read_pending.push(id);
                }
                return;
            }
            let piece = if self.core.in_file_body(id) {
                READ_TURN
            } else {
                READ_PIECE
            };
            match conn.stream.read(&mut self.scratch[..piece]) {
                Ok(0) => return self.close(id, now),
                Ok(n) => {
                    taken += n;
                    // A closing connection is drained until its EOF, and its input ignored.
                    if !conn.closing {
                        self.core.handle_bytes(id, &self.scratch[..n], now);
                        self.dispatch(now);
                        if n == piece {
                            self.flush_dirty(now);
                        }
                        if self.core.is_paused(id) {
                            if let Some(conn) = self.conns.get_mut(&id) {
                                conn.paused = true;
                            }
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    tracing::debug!(%id, %error, "read failed");
                    return self.close(id, now);
                }
            }
        }
    }
}
