//! Starting a `--spawn` command as a server under test: its port (a reserved free one for
//! `{port}`, or its fixed one), its `{files}` directory, its containment, and the wait until
//! it accepts a connection, or the reason it never did (with the tail of its stderr).

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use tokio::time::Instant;

use super::contain::Containment;
use super::files_dir::FilesDir;
use super::lease::Lease;
use super::port_lease::PortLease;
use super::readiness::is_ready;
use super::stderr::capture_stderr;
use super::target_error::TargetError;

/// Starts `command` on a port of its own (or its fixed port) and waits until it accepts a
/// connection; a server that exits first, saying its port is in use, is [`TargetError::PortTaken`].
pub(super) async fn spawn(
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
    let stderr = capture_stderr(&mut child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + ready_timeout;
    let mut lease = Lease::spawned(addr, child, stderr, reservation, files, containment);
    loop {
        if is_ready(addr, Duration::from_millis(200)).await {
            // A server that exited (say, it could not bind) while something else answered on
            // its port is not ready: the check below reports it.
            if lease.exited().is_none() {
                return Ok(lease);
            }
        }
        if let Some(status) = lease.exited() {
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
