//! What is checked once before the first scenario of a spawn target, so that a setup error
//! is said once (exit status 2) rather than once per scenario: a fixed `--port` that another
//! program already holds (named from the kernel's socket table and `/proc/*/fd`), and a
//! command that cannot start a server at all (it is started once, and stopped).

use std::time::Duration;

use super::target::{Target, TargetError};

impl Target {
    /// For a spawn target: the fixed port is free, and the command starts a server that
    /// accepts connections. Other targets pass.
    pub async fn check_startable(&self) -> Result<(), TargetError> {
        let Self::Spawn { fixed_port, .. } = self else {
            return Ok(());
        };
        if let Some(port) = fixed_port {
            if super::readiness::listening(*port) == Some(true) {
                let holder = port_holder(*port)
                    .map(|h| format!(" by {h}"))
                    .unwrap_or_default();
                return Err(TargetError::PortTaken(format!(
                    "port {port} is already in use{holder}, before the run: stop that program or choose another --port; nothing was run"
                )));
            }
        }
        let lease = self.acquire().await.map_err(|e| match e {
            TargetError::Spawn(message) | TargetError::PortTaken(message) => {
                TargetError::Spawn(format!(
                    "the server cannot start: {}; nothing was run",
                    one_line(&message)
                ))
            }
            other => other,
        })?;
        let _ = tokio::time::timeout(Duration::from_secs(5), lease.release()).await;
        Ok(())
    }
}

/// A start failure on one line: what happened, and the last line its stderr ended with.
fn one_line(message: &str) -> String {
    match message.split_once("; its stderr ends with:\n") {
        Some((what, stderr)) => {
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            match last {
                Some(last) => format!("{what}: {}", last.trim()),
                None => what.to_owned(),
            }
        }
        None => message.lines().next().unwrap_or_default().to_owned(),
    }
}

/// The program listening on `port` as `pid N (command line)`, when the kernel's tables say
/// (and this process may read the other's `/proc/N/fd`).
pub fn port_holder(port: u16) -> Option<String> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|target| wanted.iter().any(|w| target.as_os_str() == w.as_str()))
        });
        if holds {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let mut shown = String::from_utf8_lossy(&cmdline)
                .split(|c: char| c == '\0' || c.is_whitespace())
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if shown.chars().count() > 100 {
                shown = format!("{}...", shown.chars().take(100).collect::<String>());
            }
            return Some(format!("pid {pid} ({shown})"));
        }
    }
    None
}

/// The inodes of the sockets listening on `port` (`/proc/net/tcp` and `tcp6`).
fn listening_inodes(port: u16) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let local_port = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
            if *state == "0A" && local_port == Some(port) && *inode != "0" {
                out.push((*inode).to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_of_a_port_is_this_process() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let holder = port_holder(port).expect("found in /proc");
        assert!(
            holder.starts_with(&format!("pid {} (", std::process::id())),
            "{holder}"
        );
    }
}
