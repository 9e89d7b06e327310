//! The server under test, one type for every kind: the built-in reference server started
//! in-process per scenario, a running server at an address (shared by every scenario), or a
//! fresh process per scenario started from a command with `{port}` in it (ready once it
//! accepts a connection, killed afterwards, its stderr kept) and, with `{files}`, a private
//! files directory of its own. [`Target::acquire`] gets one ready and hands out a [`Lease`]:
//! its address, and afterwards its exit status, stderr and files directory. `run`, `fuzz`,
//! `bench`, `matrix` and the client seat's interop scenarios all take a `Target`.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use tokio::net::TcpStream;

use super::builtin::Builtin;
use super::files_dir::FilesDir;
pub use super::lease::Lease;
use super::readiness::listening;
use super::spawn::spawn;
pub use super::spawn::FILES;
pub use super::target_error::TargetError;
use crate::core::Limits;
use crate::server::Mode;

/// What to run scenarios against.
#[derive(Debug, Clone)]
pub enum Target {
    /// The built-in reference server, started in-process for each scenario.
    Builtin(Builtin),
    /// A server that is already running; its state is shared by all scenarios.
    Address(SocketAddr),
    /// A command line started once per scenario; `{port}` is replaced by a free port, or the
    /// server listens on a fixed port of its own.
    Spawn {
        /// The command, run by `sh -c`.
        command: String,
        /// How long the server may take to accept a first connection.
        ready_timeout: Duration,
        /// The port of a server that chooses its own (the command has no `{port}`).
        fixed_port: Option<u16>,
    },
}

impl Target {
    /// The built-in server in `mode`, as [`Builtin::new`] sets it up for the suite.
    pub fn builtin(mode: Mode) -> Self {
        Self::Builtin(Builtin::new(mode))
    }

    /// Parses `HOST:PORT`.
    pub fn address(text: &str) -> Result<Self, TargetError> {
        text.to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .map(Self::Address)
            .ok_or_else(|| TargetError::Resolve(text.to_owned()))
    }

    /// A spawn target; the command must contain `{port}` unless `fixed_port` says where the
    /// server listens.
    pub fn spawn(
        command: &str,
        ready_timeout: Duration,
        fixed_port: Option<u16>,
    ) -> Result<Self, TargetError> {
        if !command.contains("{port}") && fixed_port.is_none() {
            return Err(TargetError::NoPortPlaceholder(command.to_owned()));
        }
        Ok(Self::Spawn {
            command: command.to_owned(),
            ready_timeout,
            fixed_port,
        })
    }

    /// Whether scenarios can run side by side (each gets its own server on its own port).
    pub fn isolated(&self) -> bool {
        matches!(
            self,
            Self::Builtin(_)
                | Self::Spawn {
                    fixed_port: None,
                    ..
                }
        )
    }

    /// Whether the harness can start this server with limits of its choosing (the built-in
    /// server alone).
    pub fn takes_limits(&self) -> bool {
        matches!(self, Self::Builtin(_))
    }

    /// Whether every scenario meets the same server, which keeps what earlier ones left.
    pub fn shares_state(&self) -> bool {
        matches!(self, Self::Address(_))
    }

    /// The `chat-harness run` arguments that select this target.
    pub fn replay_args(&self) -> Vec<String> {
        match self {
            Self::Builtin(builtin) => builtin.replay_args(),
            Self::Address(addr) => vec!["--target".to_owned(), addr.to_string()],
            Self::Spawn {
                command,
                fixed_port,
                ..
            } => {
                let mut args = vec!["--spawn".to_owned(), command.clone()];
                if let Some(port) = fixed_port {
                    args.extend(["--port".to_owned(), port.to_string()]);
                }
                args
            }
        }
    }

    /// A description for report headers.
    pub fn describe(&self) -> String {
        match self {
            Self::Builtin(builtin) => builtin.describe(),
            Self::Address(addr) => format!(
                "the server at {addr} (already running: its state leaks from one scenario to the next)"
            ),
            Self::Spawn {
                command,
                fixed_port: None,
                ..
            } => format!("`{command}`, a fresh process per scenario"),
            Self::Spawn {
                command,
                fixed_port: Some(port),
                ..
            } => format!("`{command}` on its port {port}, a fresh process per scenario"),
        }
    }

    /// For a running server: whether something accepts connections at its address; an
    /// unreachable target stops the run before any scenario (one line, exit 2).
    pub async fn check_reachable(&self, timeout: Duration) -> Result<(), TargetError> {
        let Self::Address(addr) = self else {
            return Ok(());
        };
        // A local server is looked up in the kernel's table rather than connected to: a
        // connection that comes and goes is a client to the server, one that a server like the
        // original keeps announcing joins to (and dies writing to).
        if addr.ip().is_loopback() {
            match listening(addr.port()) {
                Some(true) => return Ok(()),
                Some(false) => {
                    return Err(TargetError::Unreachable(format!(
                        "{addr}: nothing listens on port {}",
                        addr.port()
                    )))
                }
                None => {}
            }
        }
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(probe)) => {
                drop(probe);
                Ok(())
            }
            Ok(Err(e)) => Err(TargetError::Unreachable(format!("{addr}: {e}"))),
            Err(_) => Err(TargetError::Unreachable(format!(
                "{addr}: no answer within {timeout:?}"
            ))),
        }
    }

    /// Gets a server ready for one scenario.
    pub async fn acquire(&self) -> Result<Lease, TargetError> {
        self.acquire_adjusted(|_| ()).await
    }

    /// [`Target::acquire`], the built-in server's limits first changed by `adjust` (other
    /// targets' limits are their own: see [`Target::takes_limits`]).
    pub async fn acquire_adjusted(
        &self,
        adjust: impl FnOnce(&mut Limits),
    ) -> Result<Lease, TargetError> {
        match self {
            Self::Builtin(builtin) => {
                let mut builtin = builtin.clone();
                adjust(&mut builtin.limits);
                let dir = FilesDir::create().map_err(|e| {
                    TargetError::Builtin(format!("cannot make a private files directory: {e}"))
                })?;
                let handle = builtin.start(dir.path()).map_err(|e| {
                    TargetError::Builtin(format!("cannot start the built-in server: {e}"))
                })?;
                Ok(Lease::in_process(handle, dir))
            }
            Self::Address(addr) => Ok(Lease::at(*addr)),
            Self::Spawn {
                command,
                ready_timeout,
                fixed_port,
            } => {
                // A chosen port can still be taken by another program between the check and
                // the server's bind: try a fresh one, a bounded number of times.
                let mut attempts = if fixed_port.is_some() { 1 } else { 3 };
                loop {
                    attempts -= 1;
                    // `{files}`: a private files directory, checked after the scenario.
                    let files = match command.contains(FILES) {
                        true => Some(FilesDir::create()?),
                        false => None,
                    };
                    match spawn(command, *ready_timeout, *fixed_port, files).await {
                        Err(TargetError::PortTaken(_)) if attempts > 0 => continue,
                        result => return result,
                    }
                }
            }
        }
    }
}
