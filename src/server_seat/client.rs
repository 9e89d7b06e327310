//! One scenario client: a [`Connection`] whose reading half is drained by a pump task into a
//! queue (so a well-behaved client always reads, unless told to stop), and the bookkeeping the
//! matcher needs: the declared offset, notice skipping, and a transcript.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::pace::Pace;
use super::pump::Pending;
use crate::client::{Connection, FrameWriter};
use crate::record::received::{Incoming, Partial, Received};
use crate::record::timeline::Act;
use crate::record::transcript::{note_act, Transcript};

/// Most arrivals per connection that `never` expectations look back on (file bodies are
/// shared, not copied, so an entry costs little beyond a frame).
pub const HISTORY_CAP: usize = 20_000;

/// A connected (or formerly connected) scenario client.
pub struct Client {
    /// The writing half, until the client closes it.
    pub writer: Option<FrameWriter>,
    events: mpsc::UnboundedReceiver<Received>,
    /// Arrivals taken from the queue but not yet consumed by an expectation.
    pub seen: VecDeque<Received>,
    /// Every arrival on this connection, consumed or not (the first [`HISTORY_CAP`]), for
    /// `never` expectations.
    pub history: Vec<Received>,
    reading: watch::Sender<Pace>,
    pump: Option<JoinHandle<()>>,
    /// The UTC offset of the client's last typed auth (0 when none: UTC).
    pub offset: i32,
    /// Whether notices are skipped while matching.
    pub ignore_notices: bool,
    /// Notices about only other scenarios' clients are skipped (a shared server).
    pub foreign_names: Option<super::ForeignNames>,
    /// Everything sent and received.
    pub transcript: Transcript,
    /// What the decoder holds unfinished (updated by the pump as bytes arrive).
    pending: Pending,
}

impl Client {
    /// `read-slowly`: the client reads `bytes` per `per` from now on.
    pub fn read_slowly(&self, bytes: u64, per: Duration) {
        note_act(
            &self.transcript,
            Act::ReadSlowly,
            format!("-- reads slowly: {bytes} bytes per {per:?} --"),
        );
        self.set_pace(Pace::Slow { bytes, per });
    }

    /// `pause-reading`: the client reads nothing for `d`, then everything at once again.
    pub fn pause_reading(&self, d: Duration) {
        note_act(
            &self.transcript,
            Act::PauseReading,
            format!("-- stops reading for {d:?} --"),
        );
        self.set_pace(Pace::PausedUntil(Instant::now() + d));
    }

    /// Connects and starts the pump. `transcript` carries over from an earlier connection.
    pub async fn connect(addr: SocketAddr, transcript: Transcript) -> std::io::Result<Self> {
        let conn = Connection::connect(addr).await?;
        let (reader, writer) = conn.split();
        let (tx, events) = mpsc::unbounded_channel();
        let (reading, reading_rx) = watch::channel(Pace::Full);
        let pending = Pending::default();
        let pump = tokio::spawn(super::pump::pump(
            reader,
            tx,
            reading_rx,
            transcript.clone(),
            pending.clone(),
        ));
        Ok(Self {
            writer: Some(writer),
            events,
            seen: VecDeque::new(),
            history: Vec::new(),
            reading,
            pump: Some(pump),
            offset: 0,
            ignore_notices: false,
            foreign_names: None,
            transcript,
            pending,
        })
    }

    /// What the decoder holds unfinished: a file whose body has not all come, or the start
    /// of a frame. `None` once the connection has ended (an unfinished frame then arrives as
    /// [`Incoming::Partial`]) or when it is not reading at full speed (a paced reader leaves
    /// frames half-read on purpose).
    pub fn partial(&self) -> Option<Partial> {
        if *self.reading.borrow() != Pace::Full
            || self.pump.as_ref().is_none_or(JoinHandle::is_finished)
        {
            return None;
        }
        self.pending.lock().ok()?.clone()
    }

    /// Starts or stops reading from the socket.
    pub fn set_reading(&self, on: bool) {
        self.set_pace(if on { Pace::Full } else { Pace::Stopped });
    }

    /// Reads at this pace from now on.
    pub fn set_pace(&self, pace: Pace) {
        self.reading.send_replace(pace);
    }

    /// Ensures `seen` holds more than `index` arrivals, waiting until `deadline`; false when
    /// nothing more came in time or nothing more can come (the pump has ended).
    pub async fn fill(&mut self, index: usize, deadline: Instant) -> bool {
        while self.seen.len() <= index {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(received)) => {
                    if self.history.len() < HISTORY_CAP {
                        self.history.push(received.clone());
                    }
                    self.seen.push_back(received)
                }
                Ok(None) | Err(_) => return false,
            }
        }
        true
    }

    /// Whether the pump has ended and every arrival has been taken.
    pub fn drained(&self) -> bool {
        self.pump.as_ref().is_none_or(JoinHandle::is_finished) && self.events.is_empty()
    }

    /// Stops the pump, dropping the reading half.
    pub async fn stop_pump(&mut self) {
        if let Some(pump) = self.pump.take() {
            pump.abort();
            let _ = pump.await;
        }
    }

    /// Closes both directions: FIN, then the socket is released. The socket itself is shut
    /// down, so that the server's next writes are answered with a reset even while a child
    /// being spawned still holds a copy of the descriptor (the lab's server keeps a dead
    /// entry, and its verdict must not depend on that window). The pump stops first, so the
    /// end of reading is not mistaken for the server closing.
    pub async fn close(&mut self) {
        self.stop_pump().await;
        if let Some(writer) = self.writer.take() {
            let _ = writer.close_both();
        }
    }

    /// Closes abruptly: the socket is released with `SO_LINGER` 0, so the peer sees a reset.
    pub async fn reset(&mut self) -> std::io::Result<()> {
        if let Some(writer) = self.writer.take() {
            writer.into_reset()?;
        }
        self.stop_pump().await;
        Ok(())
    }

    /// Half-closes and waits (up to `deadline`) for the server to close, for targets whose
    /// state outlives the scenario.
    pub async fn close_gracefully(&mut self, deadline: Instant) {
        // A client that is still logged in leaves as the lab's client does, with an exit
        // frame: a server that only forgets a client on exit (the lab's keeps a dead entry,
        // and later broadcasts to it fail) is then fit for the next scenario.
        let logged_in = self.history.iter().any(|r| {
            matches!(
                r.incoming,
                Incoming::Frame(crate::protocol::ServerFrame::AuthOk(_))
            )
        });
        let ended = self
            .history
            .iter()
            .chain(self.seen.iter())
            .any(|r| matches!(r.incoming, Incoming::Closed { .. }));
        if let Some(writer) = self.writer.as_mut() {
            if logged_in && !ended {
                let exit = crate::protocol::ClientFrame::exit();
                let _ = tokio::time::timeout_at(deadline, writer.send(&exit)).await;
            }
            let _ = tokio::time::timeout_at(deadline, writer.shutdown()).await;
        }
        self.set_reading(true);
        while !matches!(
            tokio::time::timeout_at(deadline, self.events.recv()).await,
            Ok(None
                | Some(Received {
                    incoming: Incoming::Closed { .. },
                    ..
                }))
                | Err(_)
        ) {}
        self.close().await;
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(pump) = &self.pump {
            pump.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::time::Duration;

    use super::*;

    /// The lab's server finds a dead entry by the reset its second write to a closed client
    /// gets. With a copy of the client's descriptor held elsewhere (as a child being spawned
    /// holds one between fork and exec), dropping the socket alone sent no reset, and the
    /// lab server's verdict on `exit/dead-entry` flipped now and then.
    #[tokio::test]
    async fn close_resets_later_writes_even_while_a_copy_of_the_descriptor_is_open() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut client = Client::connect(addr, Transcript::default())
            .await
            .expect("connect");
        let (mut server, _) = listener.accept().expect("accept");
        let copy = client.writer.as_ref().expect("writer").duplicate();
        let copy = copy.expect("dup");
        client.close().await;
        server
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        assert_eq!(server.read(&mut [0u8; 8]).expect("the FIN"), 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        let refused = loop {
            match server.write(b"x") {
                Err(e) => break e.kind(),
                Ok(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(_) => panic!("the server's writes were still taken 10 s after the close"),
            }
        };
        assert!(
            matches!(
                refused,
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "{refused:?}"
        );
        drop(copy);
    }
}
