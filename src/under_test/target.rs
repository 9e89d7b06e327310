//! The servers scenarios run against: a running server at an address (shared by every
//! scenario), or a fresh process per scenario started from a command with `{port}` in it
//! (ready once it accepts a connection, killed afterwards, its stderr kept) and, with
//! `{files}`, a private files directory of its own.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::contain::Containment;
use super::files_dir::FilesDir;
use super::group::{Group, GRACE};
use super::port_lease::PortLease;
use super::readiness::{is_ready, listening, wait_until_not_listening};
use super::stderr::capture_stderr;

/// How long a killed server on a fixed port may take to stop listening.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

/// How long a stopped server's last stderr lines may take to arrive.
const STDERR_DRAIN: Duration = Duration::from_secs(1);

/// What to run scenarios against.
#[derive(Debug, Clone)]
pub enum Target {
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

/// Why a target could not be used.
#[derive(Debug, Error)]
pub enum TargetError {
    /// `--target` does not name an address.
    #[error("cannot resolve {0:?} to an address (expected HOST:PORT)")]
    Resolve(String),
    /// The spawn command has no `{port}`, and no fixed port was given.
    #[error("the command {0:?} has no {{port}} placeholder: add one, or give the port it listens on with --port")]
    NoPortPlaceholder(String),
    /// The server process could not be started or did not become ready.
    #[error("{0}")]
    Spawn(String),
    /// The server exited at once, saying its port is in use.
    #[error("{0}")]
    PortTaken(String),
    /// Nothing accepts connections at the `--target` address.
    #[error("cannot reach the server at {0}; nothing was run")]
    Unreachable(String),
    /// Other I/O trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Target {
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
            Self::Spawn {
                fixed_port: None,
                ..
            }
        )
    }

    /// The `chat-harness run` arguments that select this target.
    pub fn replay_args(&self) -> Vec<String> {
        match self {
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
        match self {
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

/// A server in use by one scenario.
pub struct Lease {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Option<Child>,
    /// The process group the command leads, noted at start: once the child has been reaped
    /// (it exited by itself), `Child::id` forgets it, but what it started may still run.
    /// Dropping it kills the group, so a lease dropped on any path leaves nothing behind.
    group: Option<Group>,
    stderr: Option<Arc<Mutex<Vec<u8>>>>,
    /// Copies the server's stderr into `stderr` until the pipe closes.
    stderr_reader: Option<tokio::task::JoinHandle<()>>,
    /// Keeps the port out of other scenarios' hands until the server is gone.
    _port: Option<PortLease>,
    /// The private files directory given for `{files}`.
    files: Option<FilesDir>,
    /// Its limits, cgroup and private TMPDIR; dropped after the group.
    containment: Option<Containment>,
}

impl Lease {
    /// A lease on an address managed elsewhere (e.g. an in-process server).
    pub fn at(addr: SocketAddr) -> Self {
        Self {
            addr,
            child: None,
            group: None,
            stderr: None,
            stderr_reader: None,
            _port: None,
            files: None,
            containment: None,
        }
    }

    /// The private files directory given to the server for `{files}`, taken out of the lease
    /// (to check it once the server is stopped).
    pub fn take_files(&mut self) -> Option<FilesDir> {
        self.files.take()
    }

    /// The process id of the server this lease started (it leads its own process group).
    pub fn pid(&self) -> Option<u32> {
        self.group.as_ref().map(Group::id)
    }

    /// How the server this lease started ended, if it has exited by itself (waiting at most
    /// `grace` for it to do so).
    pub async fn exit_status_within(
        &mut self,
        grace: Duration,
    ) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        match tokio::time::timeout(grace, child.wait()).await {
            Ok(status) => status.ok(),
            Err(_) => child.try_wait().ok().flatten(),
        }
    }

    /// Stops the server if this lease started it; returns its stderr, if it wrote any.
    pub async fn release(self) -> Option<String> {
        self.release_noting_limits().await.0
    }

    /// [`Lease::release`], also saying which resource limit the server hit, if it died by
    /// itself of one (`the cpu limit (60 s of CPU) was hit`).
    pub async fn release_noting_limits(mut self) -> (Option<String>, Option<String>) {
        // Only a death of its own counts: the harness's SIGTERM is no limit.
        let died = self
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        let stderr = self.stop_and_drain().await;
        let hit = match (&self.containment, died) {
            (Some(containment), Some(status)) => {
                containment.hit(Some(&status), stderr.as_deref().unwrap_or_default())
            }
            _ => None,
        };
        (stderr, hit)
    }

    async fn stop_and_drain(&mut self) -> Option<String> {
        if let Some(child) = self.child.as_mut() {
            stop(child, self.group.as_ref()).await;
            if self._port.is_none() {
                // A fixed port: the next server must not find this one still listening (a
                // readiness check would be answered by the dying one, and the scenario's first
                // connection reset with it).
                wait_until_not_listening(self.addr.port(), RELEASE_WAIT).await;
            }
        }
        if let Some(reader) = self.stderr_reader.take() {
            // The pipe closes once the process group is gone; a grandchild that left the group
            // could hold it open, so the wait is bounded.
            let _ = tokio::time::timeout(STDERR_DRAIN, reader).await;
        }
        let stderr = self.stderr.take()?;
        let bytes = stderr.lock().map(|b| b.clone()).unwrap_or_default();
        (!bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Stops the command's whole process group (a shell's children too): SIGTERM, a short grace,
/// SIGKILL; then the shell itself, should it have left the group.
async fn stop(child: &mut Child, group: Option<&Group>) {
    if let Some(group) = group {
        group
            .stop(GRACE, || {
                let _ = child.try_wait();
            })
            .await;
    }
    let _ = child.kill().await;
}

async fn spawn(
    command: &str,
    ready_timeout: Duration,
    fixed_port: Option<u16>,
    files: Option<FilesDir>,
) -> Result<Lease, TargetError> {
    let reservation = match fixed_port {
        Some(_) => None,
        None => Some(PortLease::new()?),
    };
    let port = match (&reservation, fixed_port) {
        (Some(reserved), _) => reserved.port(),
        (None, Some(port)) => port,
        (None, None) => return Err(TargetError::Spawn("no port to listen on".to_owned())),
    };
    let mut line = command.replace("{port}", &port.to_string());
    if let Some(dir) = &files {
        line = line.replace(FILES, &shell_quoted(&dir.path().to_string_lossy()));
    }
    let containment = Containment::new(super::limits::current());
    let mut command_line = Command::new("sh");
    command_line
        .arg("-c")
        .arg(&line)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    containment.apply(&mut command_line);
    let mut child = command_line
        .spawn()
        .map_err(|e| TargetError::Spawn(format!("cannot start `{line}`: {e}")))?;
    let (stderr, stderr_reader) = capture_stderr(&mut child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + ready_timeout;
    let mut lease = Lease {
        addr,
        group: child.id().and_then(Group::register),
        child: Some(child),
        stderr: Some(stderr),
        stderr_reader,
        _port: reservation,
        files,
        containment: Some(containment),
    };
    loop {
        if is_ready(addr, Duration::from_millis(200)).await {
            // A server that exited (say, it could not bind) while something else answered on
            // its port is not ready: the check below reports it.
            if !matches!(lease.child.as_mut().map(Child::try_wait), Some(Ok(Some(_)))) {
                return Ok(lease);
            }
        }
        if let Some(Ok(Some(status))) = lease.child.as_mut().map(Child::try_wait) {
            let stderr = lease.release().await.unwrap_or_default();
            let message = format!(
                "`{line}` exited ({status}) before accepting connections{}",
                tail(&stderr)
            );
            return Err(if stderr.to_lowercase().contains("in use") {
                TargetError::PortTaken(message)
            } else {
                TargetError::Spawn(message)
            });
        }
        if Instant::now() >= deadline {
            let stderr = lease.release().await.unwrap_or_default();
            return Err(TargetError::Spawn(format!(
                "`{line}` did not accept connections on {addr} within {ready_timeout:?}{}",
                tail(&stderr)
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The placeholder for the private files directory in a spawn command.
pub const FILES: &str = "{files}";

/// `text` in single quotes for `sh -c`.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn tail(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        return String::new();
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines.len().saturating_sub(10);
    format!("; its stderr ends with:\n{}", lines[start..].join("\n"))
}
