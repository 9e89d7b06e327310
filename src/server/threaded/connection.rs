//! One connection of the threaded server: registered with the core, then its two threads —
//! a reader feeding the core (waiting while the core has it paused) and a writer draining its
//! outbox into its socket, reporting progress to the core as it goes.

use std::io::{self, Read};
use std::net::{Shutdown as Direction, TcpStream};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::{Link, LinkState, Outbox, Shared};
use crate::core::ConnId;
use crate::server::buffers::BufferPool;
use crate::server::outqueue::OutQueue;
use crate::server::{READ_BODY_CHUNK, READ_CHUNK};

/// Stack size of the per-connection threads: buffers live on the heap.
const STACK: usize = 256 * 1024;
/// Queue cost a writer writes between two progress reports to the core.
const WRITE_SLICE: u64 = 64 * 1024;
/// Longest a blocking write waits before returning what it wrote so far, so a slow reader's
/// progress reaches the core (and restarts its stall clock) even in the middle of a large
/// vectored write.
const WRITE_WAIT: Duration = Duration::from_millis(100);
/// Registers a new connection with the core and starts its reader and writer.
pub(super) fn start(
    shared: &Arc<Shared>,
    id: ConnId,
    stream: TcpStream,
    threads: &mut Vec<JoinHandle<()>>,
) -> io::Result<()> {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%id, %error, "cannot set TCP_NODELAY");
    }
    let addr = stream.peer_addr()?;
    let writer_stream = stream.try_clone()?;
    writer_stream.set_write_timeout(Some(WRITE_WAIT))?;
    let link = Arc::new(Link {
        stream: stream.try_clone()?,
        outbox: Mutex::new(Outbox {
            pending: Vec::new(),
            state: LinkState::Open,
        }),
        ready: Condvar::new(),
    });
    tracing::info!(%id, %addr, "connection accepted");
    {
        let now = shared.clock.now();
        let mut state = shared.lock();
        state.links.insert(id, link.clone());
        state.core.handle_connect(id, now);
        shared.dispatch(&mut state, now);
    }
    let spawned = spawn(format!("conn-{}-r", id.0), {
        let shared = shared.clone();
        move || read_loop(&shared, id, stream)
    })
    .and_then(|reader| {
        threads.push(reader);
        spawn(format!("conn-{}-w", id.0), {
            let shared = shared.clone();
            move || write_loop(&shared, id, &link, writer_stream)
        })
    });
    match spawned {
        Ok(writer) => {
            threads.push(writer);
            Ok(())
        }
        Err(error) => {
            shared.disconnect(id);
            Err(error)
        }
    }
}

fn spawn(name: String, f: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().name(name).stack_size(STACK).spawn(f)
}

/// Blocking reads into the core until EOF or an error; while the core has the connection
/// paused, the reader waits instead of reading.
fn read_loop(shared: &Shared, id: ConnId, mut stream: TcpStream) {
    let mut buf = vec![0; READ_BODY_CHUNK];
    let mut chunk = READ_CHUNK;
    loop {
        match stream.read(&mut buf[..chunk]) {
            Ok(0) => break,
            Ok(n) => {
                let now = shared.clock.now();
                let mut state = shared.lock();
                // Once the core closed it, input is drained and ignored until EOF.
                if state.links.contains_key(&id) {
                    state.core.handle_bytes(id, &buf[..n], now);
                    shared.dispatch(&mut state, now);
                }
                chunk = if state.core.in_file_body(id) {
                    READ_BODY_CHUNK
                } else {
                    READ_CHUNK
                };
                while state.core.is_paused(id) && state.links.contains_key(&id) {
                    state = shared
                        .resumed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                tracing::debug!(%id, %error, "read failed");
                break;
            }
        }
    }
    shared.disconnect(id);
}

/// Writes the outbox to the socket; only this connection waits on its socket.
fn write_loop(shared: &Shared, id: ConnId, link: &Link, mut stream: TcpStream) {
    let mut queue = OutQueue::default();
    // Nothing kept: a buffer per idle connection would cost more than reuse saves here.
    let mut buffers = BufferPool::default();
    loop {
        let closing = {
            let mut outbox = link.outbox();
            while outbox.pending.is_empty() && outbox.state == LinkState::Open && queue.is_empty() {
                outbox = link
                    .ready
                    .wait(outbox)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if outbox.state == LinkState::Abort {
                return;
            }
            queue.append(&mut outbox.pending, &mut buffers);
            outbox.state == LinkState::Closing
        };
        // Blocking writes in slices, so the core hears about progress while a big backlog
        // drains rather than only at its end.
        match queue.flush(&mut stream, WRITE_SLICE, &mut buffers) {
            Ok(flushed) => {
                if flushed.bytes > 0 {
                    let now = shared.clock.now();
                    let mut state = shared.lock();
                    state.core.handle_written(id, flushed.cost, now);
                    shared.dispatch(&mut state, now);
                }
            }
            Err(error) => {
                tracing::debug!(%id, %error, "write failed");
                shared.disconnect(id);
                return;
            }
        }
        if closing && queue.is_empty() && link.outbox().pending.is_empty() {
            let _ = stream.shutdown(Direction::Write);
            return;
        }
    }
}
