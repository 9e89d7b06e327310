//! The proxy run in-process on a thread of its own, for tests and for `run --transport`:
//! bound to a free loopback port, its events on a blocking channel, stopped by
//! [`ProxyHandle::shutdown`] or when dropped.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::{run, Event, ProxyConfig};

/// A proxy running on a thread of its own.
pub struct ProxyHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ProxyHandle {
    /// Starts a proxy on `127.0.0.1:0` in front of `config.upstream`; what it sees goes to
    /// `events` (dropped receivers are fine: forwarding goes on).
    pub fn spawn(config: ProxyConfig, events: mpsc::Sender<Event>) -> io::Result<Self> {
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(std_listener)?;
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    let relay = tokio::spawn(async move {
                        while let Some(event) = rx.recv().await {
                            if events.send(event).is_err() {
                                // Nobody reads: keep draining so forwarding never waits.
                                while rx.recv().await.is_some() {}
                            }
                        }
                    });
                    let result = run(listener, config, tx, async {
                        let _ = stopped.await;
                    })
                    .await;
                    let _ = relay.await;
                    result
                })
            })?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections and waits for the thread.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the proxy thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for ProxyHandle {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
