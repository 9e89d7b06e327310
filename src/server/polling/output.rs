//! The polling server's output side: the core's outputs dispatched to the connections'
//! queues, queues flushed (at the end of a batch, or after a full read piece) with WRITABLE
//! interest registered only while output is pending, and connections closed and dropped.

use std::net::Shutdown as Direction;

use mio::Interest;

use super::{token, Server};
use crate::core::{ConnId, Now, Output};
use crate::server::LINGER;

impl Server {
    /// Hands the core's outputs to the connections.
    pub(super) fn dispatch(&mut self, now: Now) {
        while let Some(output) = self.core.poll_output() {
            let to = match &output {
                Output::Send { to, .. } | Output::SendFile { to, .. } => *to,
                Output::ResumeReading { id } => {
                    if let Some(conn) = self.conns.get_mut(id) {
                        conn.paused = false;
                        if !conn.read_pending {
                            conn.read_pending = true;
                            self.read_pending.push(*id);
                        }
                    }
                    continue;
                }
                Output::Close { id, reason } => {
                    if !reason.flush_first() {
                        self.drop_conn(*id);
                    } else if let Some(conn) = self.conns.get_mut(id) {
                        conn.closing = true;
                        self.lingering.push_back((now.elapsed + LINGER, *id));
                        if !conn.dirty {
                            conn.dirty = true;
                            self.dirty.push(*id);
                        }
                    }
                    continue;
                }
            };
            if let Some(conn) = self.conns.get_mut(&to) {
                conn.out.push(output, &mut self.buffers);
                if !conn.dirty {
                    conn.dirty = true;
                    self.dirty.push(to);
                }
            }
        }
    }

    pub(super) fn flush_dirty(&mut self, now: Now) {
        while let Some(id) = self.dirty.pop() {
            if let Some(conn) = self.conns.get_mut(&id) {
                conn.dirty = false;
                self.flush(id, now);
            }
        }
    }

    /// Writes what the connection's socket accepts; WRITABLE interest follows what is left.
    pub(super) fn flush(&mut self, id: ConnId, now: Now) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let flushed = match conn
            .out
            .flush(&mut conn.stream, u64::MAX, &mut self.buffers)
        {
            Ok(flushed) => flushed,
            Err(error) => {
                tracing::debug!(%id, %error, "write failed");
                return self.close(id, now);
            }
        };
        if flushed.bytes > 0 {
            self.core.handle_written(id, flushed.cost, now);
        }
        let pending = !conn.out.is_empty();
        if !pending && conn.closing && !conn.write_shut {
            conn.write_shut = true;
            // The peer may already be gone; its EOF or the linger deadline ends it either way.
            let _ = conn.stream.shutdown(Direction::Write);
        }
        if pending != conn.writable {
            let interest = if pending {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            match self
                .poll
                .registry()
                .reregister(&mut conn.stream, token(id), interest)
            {
                Ok(()) => conn.writable = pending,
                Err(error) => {
                    tracing::warn!(%id, %error, "cannot change interest");
                    self.close(id, now);
                }
            }
        }
        // Progress may have released paused senders, whose buffered frames are now relayed.
        self.dispatch(now);
    }

    /// The connection is gone: tell the core (a no-op if the core closed it) and drop it.
    pub(super) fn close(&mut self, id: ConnId, now: Now) {
        self.drop_conn(id);
        self.core.handle_disconnect(id, now);
        self.dispatch(now);
    }

    pub(super) fn drop_conn(&mut self, id: ConnId) {
        if let Some(mut conn) = self.conns.remove(&id) {
            if let Err(error) = self.poll.registry().deregister(&mut conn.stream) {
                tracing::debug!(%id, %error, "deregister failed");
            }
        }
    }
}
