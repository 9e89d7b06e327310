//! [`Lease`]: one server under test in use by one scenario, and everything needed to give it
//! back: the in-process built-in server's handle, or a spawned command's process group,
//! stderr, port reservation, files directory and containment. Dropping a lease on any path
//! leaves no process behind.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::process::Child;

use super::builtin::Builtin;
use super::contain::Containment;
use super::files_dir::FilesDir;
use super::group::{Group, GRACE};
use super::port_lease::PortLease;
use super::readiness::wait_until_not_listening;
use crate::server::ServerHandle;

/// How long a killed server on a fixed port may take to stop listening.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

/// How long a stopped server's last stderr lines may take to arrive.
const STDERR_DRAIN: Duration = Duration::from_secs(1);

/// A spawned server's stderr as captured: the bytes so far and the task copying them.
pub(super) type Captured = (Arc<Mutex<Vec<u8>>>, Option<tokio::task::JoinHandle<()>>);

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
    /// The built-in server this lease started in-process.
    in_process: Option<ServerHandle>,
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
            in_process: None,
        }
    }

    /// A lease on the built-in server started in-process with `files` as its directory.
    pub(super) fn in_process(handle: ServerHandle, files: FilesDir) -> Self {
        let mut lease = Self::at(handle.addr());
        lease.files = Some(files);
        lease.in_process = Some(handle);
        lease
    }

    /// A lease on a spawned server, its stderr being captured.
    pub(super) fn spawned(
        addr: SocketAddr,
        child: Child,
        stderr: Captured,
        port: Option<PortLease>,
        files: Option<FilesDir>,
        containment: Containment,
    ) -> Self {
        let (stderr, stderr_reader) = stderr;
        Self {
            addr,
            group: child.id().and_then(Group::register),
            child: Some(child),
            stderr: Some(stderr),
            stderr_reader,
            _port: port,
            files,
            containment: Some(containment),
            in_process: None,
        }
    }

    /// Whether the spawned server has exited (`None`: no process of this lease's, or its
    /// state could not be read).
    pub(super) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
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

    /// Stops the server if this lease started it; returns its stderr, if it wrote any (for
    /// the built-in server: what went wrong in stopping it).
    pub async fn release(self) -> Option<String> {
        self.release_noting_limits().await.0
    }

    /// [`Lease::release`], also saying which resource limit the server hit, if it died by
    /// itself of one (`the cpu limit (60 s of CPU) was hit`).
    pub async fn release_noting_limits(mut self) -> (Option<String>, Option<String>) {
        // Only a death of its own counts: the harness's SIGTERM is no limit.
        let died = self.exited();
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
        if let Some(handle) = self.in_process.take() {
            return Builtin::stop(handle).await.err();
        }
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
