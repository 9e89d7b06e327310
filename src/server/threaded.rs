//! The threaded server: std::net, blocking sockets, a reader thread and a writer thread per
//! connection (the design of the original's first server, done right).
//!
//! Readers feed the one [`Core`] under a mutex and hand its outputs to the connections'
//! outboxes; each writer drains its own outbox into its own socket, so a client that stops
//! reading blocks only its writer. Flow control is the core's: a reader whose connection the
//! core paused ([`Core::is_paused`]) waits on a condition variable (no spinning) until a step
//! resumes it or closes it; writers report progress as they drain, which is what resumes
//! paused senders. A ticker thread runs the auth and stall timeouts and cuts closing
//! connections that linger; the driver shuts a closed connection's socket down, which also
//! unblocks its writer.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, Shutdown as Direction, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::{wait_until, Clock, DiskBody, DiskSpool, IdMap, Shutdown, ACCEPT_RETRY, LINGER};
use crate::core::{ConnId, Core, Limits, Now, Output};

mod connection;

use connection::start;

/// The ticker wakes at least this often (a stall clock started by a reader is only seen at
/// the ticker's next wake-up, so this bounds how late a stalled reader goes).
const MAX_TICK: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkState {
    Open,
    /// Write what is queued, then send FIN.
    Closing,
    /// Stop writing now.
    Abort,
}

struct Outbox {
    pending: Vec<Output<DiskBody>>,
    state: LinkState,
}

/// The driver's side of one connection: its outbox and a handle to shut its socket down.
struct Link {
    stream: TcpStream,
    outbox: Mutex<Outbox>,
    ready: Condvar,
}

impl Link {
    fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, state: LinkState) {
        self.outbox().state = state;
        self.ready.notify_one();
    }

    /// Stops the writer and unblocks the reader (and a writer stuck in a write).
    fn abort(&self) {
        self.set(LinkState::Abort);
        let _ = self.stream.shutdown(Direction::Both);
    }
}

struct State {
    core: Core<DiskSpool>,
    links: IdMap<Arc<Link>>,
    lingering: VecDeque<(Duration, Arc<Link>)>,
    /// Outputs of the current step per connection, handed over together by `hand_over`.
    batch: Vec<(Arc<Link>, Vec<Output<DiskBody>>)>,
    /// Each connection's index in `batch`.
    slots: IdMap<usize>,
    /// A step resumed or closed a connection: paused readers must look again.
    wake_readers: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Paused readers wait here, with `state`'s lock.
    resumed: Condvar,
    clock: Clock,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands the step's outputs over and wakes paused readers if it resumed or closed any.
    fn dispatch(&self, state: &mut State, now: Now) {
        state.dispatch(now);
        if std::mem::take(&mut state.wake_readers) {
            self.resumed.notify_all();
        }
    }

    /// The connection is gone: tell the core (unless it closed it first) and stop its writer.
    fn disconnect(&self, id: ConnId) {
        let now = self.clock.now();
        let mut state = self.lock();
        if let Some(link) = state.links.remove(&id) {
            state.core.handle_disconnect(id, now);
            self.dispatch(&mut state, now);
            link.abort();
        }
    }
}

impl State {
    /// Hands the core's outputs to the connections' outboxes: each connection's share of a
    /// step is handed over under one lock with one wake-up, not one per frame (a broadcast
    /// burst otherwise costs a futex wake per frame per recipient).
    fn dispatch(&mut self, now: Now) {
        while let Some(output) = self.core.poll_output() {
            match output {
                Output::ResumeReading { .. } => self.wake_readers = true,
                Output::Close { id, reason } => {
                    self.wake_readers = true;
                    self.hand_over();
                    let Some(link) = self.links.remove(&id) else {
                        continue;
                    };
                    if reason.flush_first() {
                        link.set(LinkState::Closing);
                        self.lingering.push_back((now.elapsed + LINGER, link));
                    } else {
                        link.abort();
                    }
                }
                Output::Send { to, .. } | Output::SendFile { to, .. } => {
                    let Some(link) = self.links.get(&to) else {
                        continue;
                    };
                    let slot = *self.slots.entry(to).or_insert_with(|| {
                        self.batch.push((link.clone(), Vec::new()));
                        self.batch.len() - 1
                    });
                    self.batch[slot].1.push(output);
                }
            }
        }
        self.hand_over();
    }

    /// Moves the batched outputs to their outboxes, in order: one lock and one wake-up per
    /// connection.
    fn hand_over(&mut self) {
        self.slots.clear();
        for (link, mut outputs) in self.batch.drain(..) {
            link.outbox().pending.append(&mut outputs);
            link.ready.notify_one();
        }
    }
}

/// Runs the threaded server until `shutdown` is triggered.
pub(super) fn run(
    listener: TcpListener,
    spool: DiskSpool,
    limits: Limits,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let local = listener.local_addr()?;
    // The acceptor blocks in accept(): a connection to ourselves wakes it to see the signal.
    let wake_addr = if local.ip().is_unspecified() {
        SocketAddr::from((Ipv4Addr::LOCALHOST, local.port()))
    } else {
        local
    };
    shutdown.on_trigger(move || {
        let _ = TcpStream::connect_timeout(&wake_addr, Duration::from_secs(1));
    });
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            core: Core::new(limits, spool),
            links: IdMap::default(),
            batch: Vec::new(),
            slots: IdMap::default(),
            lingering: VecDeque::new(),
            wake_readers: false,
        }),
        resumed: Condvar::new(),
        clock: Clock::new(),
    });
    let (tick_tx, tick_rx) = mpsc::channel::<()>();
    let ticker = {
        let shared = shared.clone();
        thread::Builder::new()
            .name("chat-ticker".into())
            .spawn(move || tick_loop(&shared, &tick_rx))?
    };
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0;
    for incoming in listener.incoming() {
        if shutdown.is_triggered() {
            break;
        }
        match incoming {
            Ok(stream) => {
                let id = ConnId(next_id);
                next_id += 1;
                if let Err(error) = start(&shared, id, stream, &mut threads) {
                    tracing::warn!(%id, %error, "cannot start connection");
                }
                threads.retain(|t| !t.is_finished());
                let _ = tick_tx.send(());
            }
            Err(error) => {
                tracing::warn!(%error, "accept failed; retrying shortly");
                thread::sleep(ACCEPT_RETRY);
            }
        }
    }
    {
        let now = shared.clock.now();
        let mut state = shared.lock();
        state.core.handle_shutdown();
        shared.dispatch(&mut state, now);
        for (_, link) in state.lingering.drain(..) {
            link.abort();
        }
        for (_, link) in state.links.drain() {
            link.abort();
        }
        shared.resumed.notify_all();
    }
    drop(tick_tx);
    for thread in threads.into_iter().chain([ticker]) {
        let _ = thread.join();
    }
    tracing::info!("shut down");
    Ok(())
}

/// Auth timeouts and lingering connections; wakes on each accept, and exits when the
/// acceptor drops its sender.
fn tick_loop(shared: &Shared, wake: &mpsc::Receiver<()>) {
    loop {
        let wait = {
            let state = shared.lock();
            let lingering = state.lingering.front().map(|(deadline, _)| *deadline);
            wait_until(shared.clock.now(), [state.core.next_deadline(), lingering])
                .map_or(MAX_TICK, |wait| wait.min(MAX_TICK))
        };
        match wake.recv_timeout(wait) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = shared.clock.now();
        let mut state = shared.lock();
        state.core.handle_tick(now);
        shared.dispatch(&mut state, now);
        while state
            .lingering
            .front()
            .is_some_and(|(deadline, _)| *deadline <= now.elapsed)
        {
            if let Some((_, link)) = state.lingering.pop_front() {
                link.abort();
            }
        }
    }
}
