//! The servers: drivers that move bytes between sockets and the [`core`](crate::core), in two
//! designs that differ only in how bytes move — [`Mode::Threaded`] (std::net, a thread per
//! connection) and [`Mode::Polling`] (mio, one thread, readiness events). Both take a bound
//! listener and a [`Shutdown`] signal (the mini-redis shape), and [`spawn`] runs either on a
//! background thread for tests, the scenario runner and benchmarks.
//!
//! ```no_run
//! use chat_harness::server::{self, Mode, ServerConfig};
//!
//! let files = std::env::temp_dir().join("chat-files");
//! let server = server::spawn(ServerConfig::new(Mode::Polling, files))?;
//! let addr = server.addr(); // 127.0.0.1 and a free port
//! // ... connect clients to `addr` ...
//! server.shutdown()?; // connections closed, partial uploads removed
//! # Ok::<(), std::io::Error>(())
//! ```

mod buffers;
mod files;
mod outqueue;
mod polling;
mod shutdown;
mod threaded;
mod zerocopy;

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use files::{DiskBody, DiskSpool, DiskUpload};
pub use shutdown::Shutdown;

use crate::core::{Limits, Now};

/// How long a connection the core closed with a goodbye (exit, server full, auth timeout) may
/// take to receive it before it is cut.
const LINGER: Duration = Duration::from_secs(2);
/// Bytes a threaded reader reads at a time outside a file body. Its writers relay one chunk
/// while it reads the next, so smaller chunks start receivers sooner: to one receiver of a
/// pipelined stream, 64 KiB chunks relayed 3.7-4.0 M lines/s and 32 KiB chunks 4.1-6.0 M
/// (BENCHMARKS.md, issue 31); the polling server reads pieces of the same size.
const READ_CHUNK: usize = 32 * 1024;
/// Bytes a threaded reader reads at a time inside a file body (the size of its buffer), where
/// nothing is relayed before the body ends: fewer reads and spool writes per upload.
const READ_BODY_CHUNK: usize = 128 * 1024;
/// Pause after a failed accept (such as running out of file descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Which I/O design drives the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// std::net, blocking reads on a thread per connection, a writer thread per connection.
    Threaded,
    /// mio, one thread, non-blocking sockets and readiness events.
    #[default]
    Polling,
}

impl Mode {
    /// Both modes.
    pub const ALL: [Mode; 2] = [Mode::Threaded, Mode::Polling];
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Threaded => "threaded",
            Self::Polling => "polling",
        })
    }
}

/// Everything a server needs besides its listener and shutdown signal.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The I/O design.
    pub mode: Mode,
    /// Where uploads are stored (created if missing).
    pub files_dir: PathBuf,
    /// Limits enforced by the core.
    pub limits: Limits,
    /// Leave relayed uploads in the files directory (by default each is deleted once every
    /// recipient has been sent it).
    pub keep_uploads: bool,
}

impl ServerConfig {
    /// A configuration with the default limits.
    pub fn new(mode: Mode, files_dir: impl Into<PathBuf>) -> Self {
        Self {
            mode,
            files_dir: files_dir.into(),
            limits: Limits::default(),
            keep_uploads: false,
        }
    }

    /// The same configuration, keeping (`true`) or deleting relayed uploads.
    pub fn keeping_uploads(mut self, keep: bool) -> Self {
        self.keep_uploads = keep;
        self
    }

    /// The same configuration with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// Serves `listener` until `shutdown` is triggered, then closes every connection, removes
/// partial uploads and returns. Errors are those of setting up (files directory, poller).
pub fn run(listener: TcpListener, config: ServerConfig, shutdown: Shutdown) -> io::Result<()> {
    let spool = DiskSpool::new(&config.files_dir)?.keeping(config.keep_uploads);
    serve(listener, spool, config, &shutdown)
}

fn serve(
    listener: TcpListener,
    spool: DiskSpool,
    config: ServerConfig,
    shutdown: &Shutdown,
) -> io::Result<()> {
    tracing::info!(mode = %config.mode, files_dir = %config.files_dir.display(), "serving");
    match config.mode {
        Mode::Threaded => threaded::run(listener, spool, config.limits, shutdown),
        Mode::Polling => polling::run(listener, spool, config.limits, shutdown),
    }
}

/// Binds `127.0.0.1` on a free port and serves it on a background thread.
pub fn spawn(config: ServerConfig) -> io::Result<ServerHandle> {
    spawn_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?, config)
}

/// Serves an already bound listener on a background thread. The files directory is created
/// before this returns, so its errors come out here.
pub fn spawn_on(listener: TcpListener, config: ServerConfig) -> io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let spool = DiskSpool::new(&config.files_dir)?.keeping(config.keep_uploads);
    let shutdown = Shutdown::new();
    let signal = shutdown.clone();
    let thread = thread::Builder::new()
        .name(format!("chat-server-{}", config.mode))
        .spawn(move || serve(listener, spool, config, &signal))?;
    Ok(ServerHandle {
        addr,
        shutdown,
        thread: Some(thread),
    })
}

/// A server running on a background thread. Dropping it shuts the server down and waits.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: Shutdown,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ServerHandle {
    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's shutdown signal, to stop it from elsewhere.
    pub fn shutdown_signal(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Stops the server and waits for it: connections closed, partial uploads removed.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<()> {
        self.shutdown.trigger();
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| io::Error::other("the server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            tracing::error!(%error, "server stopped with an error");
        }
    }
}

/// Hashes connection ids with one multiplication instead of SipHash. The server picks the ids
/// (sequential u64s), not its peers, so there is nothing to flood; the drivers look a
/// connection up for every frame they queue, and SipHash showed in the profile.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by connection id, hashed with [`IdHasher`].
type IdMap<V> = HashMap<crate::core::ConnId, V, BuildHasherDefault<IdHasher>>;

/// The drivers' clock: wall time for prefixes, monotonic time since start for timeouts.
#[derive(Debug, Clone, Copy)]
struct Clock {
    start: Instant,
}

impl Clock {
    fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }

    fn now(&self) -> Now {
        let unix_secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Now {
            unix_secs,
            elapsed: self.start.elapsed(),
        }
    }
}

/// How long to wait from `now` until the earliest of `deadlines` (all on the clock's scale).
fn wait_until(now: Now, deadlines: impl IntoIterator<Item = Option<Duration>>) -> Option<Duration> {
    deadlines
        .into_iter()
        .flatten()
        .min()
        .map(|deadline| deadline.saturating_sub(now.elapsed))
}
