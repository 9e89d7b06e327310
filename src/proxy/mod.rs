//! `chat-harness proxy`: a TCP proxy between any client and any server of the protocol. It
//! owns the forwarding (one upstream connection per accepted client, bytes passed on
//! unchanged both ways, optionally cut into pieces by [`Perturb`]) and what it observes:
//! every read of each direction goes through the project's one decoder ([`watch`]) and comes
//! out as [`Event`]s on a channel. Observation never holds up or stops forwarding: a
//! malformed frame is reported and the bytes go on. Rendering the events is [`render`]'s.

pub mod check;
pub mod event;
pub mod handle;
pub mod record;
pub mod render;
mod shape;
mod summary;
pub mod transport;
pub mod watch;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinSet;

use crate::protocol::{ClientFrame, Frame, ServerFrame};
pub use event::{Direction, Event, EventKind};
pub use handle::ProxyHandle;
use shape::{read_on, Ended, Flow, Outlet, Writer};
use watch::{AnyFrame, Watch};

/// How the proxy changes the way bytes are written (never the bytes themselves).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Perturb {
    /// Cut each read into writes of this many bytes: the first [`SPACED_PIECES`] of them
    /// [`SLICE_GAP`] apart (file body bytes in pieces of at least [`BODY_SLICE_FLOOR`]), then
    /// the rest of the read in one write.
    pub slice: Option<usize>,
    /// Hold what arrives for this long after the first read and write it on as one write.
    pub coalesce: Option<Duration>,
    /// Write each read on this long after it was read (plus [`Perturb::jitter`]); a read is
    /// never written before an earlier one.
    pub delay: Option<Duration>,
    /// A uniform offset within ± this much added to `delay` (seeded per connection and
    /// direction, so a run is repeatable).
    pub jitter: Duration,
    /// At most this many bytes per second, written in paced pieces.
    pub bandwidth: Option<u64>,
    /// After this many bytes went on in a direction, reset both sides (RST) and stop.
    pub reset_after: Option<u64>,
    /// Perturb only this direction (the other goes on unchanged); `None`: both.
    pub only: Option<Direction>,
}

impl Perturb {
    /// What applies to `dir`: everything, or nothing when `only` names the other direction.
    pub fn toward(self, dir: Direction) -> Perturb {
        match self.only {
            Some(only) if only != dir => Perturb::default(),
            _ => self,
        }
    }

    /// Whether reads wait in a queue (delay, coalesce) rather than being written at once.
    fn queued(&self) -> bool {
        self.delay.is_some() || self.coalesce.is_some()
    }
}

/// What the proxy connects to and how it forwards.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The server, `HOST:PORT`.
    pub upstream: String,
    /// Perturbation of both directions, or of one ([`Perturb::only`]).
    pub perturb: Perturb,
}

/// Accepts clients on `listener` until `shutdown` completes, forwarding each to its own
/// upstream connection and sending what it sees to `events`. Connections still open at
/// shutdown are closed.
pub async fn run(
    listener: TcpListener,
    config: ProxyConfig,
    events: UnboundedSender<Event>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let start = Instant::now();
    let mut connections = JoinSet::new();
    let mut next_conn = 0u64;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (client, addr) = match accepted {
                    Ok(pair) => pair,
                    // A client that reset before it was accepted, or a full table: go on.
                    Err(_) => continue,
                };
                next_conn += 1;
                let reporter = Reporter { conn: next_conn, start, events: events.clone() };
                connections.spawn(connection(client, addr, config.clone(), reporter));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
    Ok(())
}

/// Stamps and sends one connection's events.
#[derive(Clone)]
struct Reporter {
    conn: u64,
    start: Instant,
    events: UnboundedSender<Event>,
}

impl Reporter {
    fn emit(&self, kind: EventKind) {
        // A closed channel means nobody watches any more; forwarding goes on regardless.
        let _ = self.events.send(Event {
            conn: self.conn,
            at: SystemTime::now(),
            since_start: self.start.elapsed(),
            kind,
        });
    }
}

async fn connection(client: TcpStream, addr: SocketAddr, config: ProxyConfig, out: Reporter) {
    let upstream = match TcpStream::connect(&config.upstream).await {
        Ok(stream) => stream,
        Err(e) => {
            out.emit(EventKind::UpstreamFailed {
                error: format!("cannot connect to {}: {e}", config.upstream),
            });
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    // Small kernel buffers on the proxy's own sockets, so that a client that stops reading
    // is felt by the server about as soon as without the proxy (large autotuned buffers
    // would hold megabytes in between and hide a server's backpressure from the suite).
    for socket in [&client, &upstream] {
        let socket = socket2::SockRef::from(socket);
        let _ = socket.set_send_buffer_size(PROXY_BUFFER);
        let _ = socket.set_recv_buffer_size(PROXY_BUFFER);
    }
    if let Ok(upstream_addr) = upstream.peer_addr() {
        out.emit(EventKind::Opened {
            client: addr,
            upstream: upstream_addr,
        });
    }
    let (client_read, mut client_write) = client.into_split();
    let (upstream_read, mut upstream_write) = upstream.into_split();
    let reset = {
        let up = pump::<ClientFrame>(
            client_read,
            &mut upstream_write,
            Direction::ToServer,
            config.perturb.toward(Direction::ToServer),
            &out,
        );
        let down = pump::<ServerFrame>(
            upstream_read,
            &mut client_write,
            Direction::ToClient,
            config.perturb.toward(Direction::ToClient),
            &out,
        );
        tokio::pin!(up, down);
        // A direction that ended by end of stream half-closes the other side and the other
        // direction goes on; one that ended by an error or a reset ends the connection.
        let ended = tokio::select! {
            ended = &mut up => if ended == Flow::Clean { down.await } else { ended },
            ended = &mut down => if ended == Flow::Clean { up.await } else { ended },
        };
        ended == Flow::Reset
    };
    if reset {
        // Closed with a zero linger and no shutdown first: an RST without a FIN before it.
        client_write.forget();
        upstream_write.forget();
    }
}

/// Kernel send and receive buffer asked for on the proxy's sockets.
const PROXY_BUFFER: usize = 64 * 1024;

/// Bytes of one read.
const READ_SIZE: usize = 64 * 1024;

/// Reads that may wait in the queue of a delaying or coalescing direction.
const QUEUE: usize = 64;

/// Moves one direction's bytes until end of stream, an error or a reset, reporting what the
/// decoder makes of each read.
async fn pump<F: Frame + Into<AnyFrame>>(
    mut from: OwnedReadHalf,
    to: &mut OwnedWriteHalf,
    dir: Direction,
    perturb: Perturb,
    out: &Reporter,
) -> Flow {
    let mut watch = Watch::<F>::new();
    let mut writer = Writer::new(to, perturb);
    // Whether the reader already reported the end of this direction (end of stream, then
    // the queue failed to drain): one Closed event per direction.
    let mut reported = false;
    let ended = if perturb.queued() {
        let (queue, queued) = mpsc::channel(QUEUE);
        let seed = out.conn * 2 + u64::from(dir == Direction::ToClient);
        let reader = read_on::<F>(&mut from, dir, out, &mut watch, Outlet::Queue(queue));
        let deliver = shape::deliver(queued, &mut writer, seed);
        tokio::pin!(reader, deliver);
        tokio::select! {
            ended = &mut reader => match ended {
                Ended::Eof => {
                    reported = true;
                    deliver.await
                }
                other => other,
            },
            ended = &mut deliver => ended,
        }
    } else {
        read_on::<F>(&mut from, dir, out, &mut watch, Outlet::Now(&mut writer)).await
    };
    let closed = |how: String| {
        if !reported {
            out.emit(EventKind::Closed {
                dir,
                how,
                unfinished: watch.unfinished().map_or(0, |u| u.buffered),
            });
        }
    };
    match ended {
        Ended::Eof => {
            let _ = writer.to.shutdown().await;
            Flow::Clean
        }
        Ended::ReadError => {
            // A reset goes on as a reset: closing with a zero linger sends RST.
            let _ = socket2::SockRef::from(writer.to.as_ref()).set_linger(Some(Duration::ZERO));
            Flow::Broken
        }
        Ended::WriteError(e) => {
            closed(format!("writing on failed: {e}"));
            Flow::Broken
        }
        Ended::Reset => {
            for socket in [from.as_ref(), writer.to.as_ref()] {
                let _ = socket2::SockRef::from(socket).set_linger(Some(Duration::ZERO));
            }
            let how = format!("reset after {} bytes (reset-after)", writer.forwarded());
            closed(how);
            Flow::Reset
        }
    }
}

/// Body bytes go in pieces of at least this many bytes under `slice`: a megabyte written
/// byte by byte would take longer than any scenario waits.
pub const BODY_SLICE_FLOOR: usize = 1024;

/// Under `slice`, the first pieces of each read go this far apart, so that a receiver that
/// is already waiting in `recv` gets them in separate reads (pieces written back to back
/// merge in its receive buffer).
pub const SLICE_GAP: Duration = Duration::from_millis(1);
/// How many pieces of a read are cut and spaced; the rest of the read follows in one write,
/// so that a 64 KiB frame is split 16 times, not 65 536 (which takes longer than any
/// scenario waits).
pub const SPACED_PIECES: usize = 16;

/// Writes `bytes` on, whole or sliced: the first [`SPACED_PIECES`] pieces of the read (frame
/// bytes of `runs` in pieces of `slice`, body bytes in pieces of at least
/// [`BODY_SLICE_FLOOR`]) [`SLICE_GAP`] apart, then the rest in one write.
pub(crate) async fn write(
    to: &mut OwnedWriteHalf,
    bytes: &[u8],
    runs: &[(usize, bool)],
    perturb: Perturb,
) -> io::Result<()> {
    let Some(n) = perturb.slice.filter(|n| *n > 0) else {
        return to.write_all(bytes).await;
    };
    let mut rest = bytes;
    // Runs always cover the read; anything left over still goes on as frame bytes.
    let leftover = [(usize::MAX, false)];
    let mut pieces = 0;
    let mut runs = runs.iter().chain(&leftover);
    let mut run_left = 0usize;
    let mut in_body = false;
    while !rest.is_empty() && pieces < SPACED_PIECES {
        if run_left == 0 {
            match runs.next() {
                Some(&(len, is_body)) => (run_left, in_body) = (len, is_body),
                None => break,
            }
            continue;
        }
        let piece = if in_body { n.max(BODY_SLICE_FLOOR) } else { n };
        let take = piece.min(run_left).min(rest.len());
        let (chunk, after) = rest.split_at(take);
        if pieces > 0 {
            tokio::time::sleep(SLICE_GAP).await;
        }
        to.write_all(chunk).await?;
        (rest, run_left, pieces) = (after, run_left - take, pieces + 1);
    }
    if !rest.is_empty() {
        if pieces > 0 {
            tokio::time::sleep(SLICE_GAP).await;
        }
        to.write_all(rest).await?;
    }
    Ok(())
}
