//! The harness's listening socket in the server's seat: bound with `SO_REUSEADDR`, retried
//! for a moment while a fixed port is still taken, and closed for certain (the accepting
//! task is stopped and awaited) before the scenario ends, so that the next scenario of a run
//! with a fixed `--port` can bind the same port at once.

use std::io;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::peer::Peer;
use crate::record::{note, Transcript};

/// How long a bind to a fixed port that is still in use is retried before it is an error
/// (the previous holder may be a client program's listener or a socket being torn down).
const BIND_PATIENCE: Duration = Duration::from_secs(3);
/// The pause between two attempts.
const BIND_RETRY: Duration = Duration::from_millis(25);

/// Binds 127.0.0.1:`port` (0: a free port) with `SO_REUSEADDR`; `AddrInUse` on a fixed
/// port is retried for [`BIND_PATIENCE`].
pub(super) async fn bind(port: u16) -> io::Result<TcpListener> {
    let give_up = Instant::now() + BIND_PATIENCE;
    loop {
        match try_bind(port) {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && port != 0 => {
                if Instant::now() >= give_up {
                    return Err(e);
                }
                tokio::time::sleep(BIND_RETRY).await;
            }
            other => return other,
        }
    }
}

fn try_bind(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(([127, 0, 0, 1], port).into())?;
    socket.listen(128)
}

/// The task that accepts the client's connections and hands them over as [`Peer`]s.
pub(super) struct Accepting {
    task: JoinHandle<()>,
}

impl Accepting {
    /// Accepts on `listener` until stopped, noting each connection in `transcript`.
    pub(super) fn start(
        listener: TcpListener,
        transcript: &Transcript,
    ) -> (Self, mpsc::UnboundedReceiver<Peer>) {
        let (tx, incoming) = mpsc::unbounded_channel();
        let transcript = transcript.clone();
        let task = tokio::spawn(async move {
            let mut number = 0;
            while let Ok((stream, _)) = listener.accept().await {
                number += 1;
                note(
                    &transcript,
                    format!("-- the client connected (connection {number}) --"),
                );
                if tx
                    .send(Peer::start(stream, number, transcript.clone()))
                    .is_err()
                {
                    break;
                }
            }
        });
        (Self { task }, incoming)
    }

    /// Stops accepting and waits until the task, and with it the listening socket, is gone.
    pub(super) async fn stop(self) {
        self.task.abort();
        // A cancelled task's future (which owns the listener) is dropped before its handle
        // completes, so the port is free once this returns.
        let _ = self.task.await;
    }
}
