//! Whether a spawned or running server is there, without being a client to it: the kernel's
//! socket table (`/proc/net/tcp`) where it can be read, a connection attempt elsewhere.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

/// Whether a server listens at `addr`. For a local address whose kernel socket table can be
/// read (`/proc/net/tcp`), that is asked, so the server sees no connection of ours: a probe
/// that connects and leaves is a client to the server (one the original announces joins to
/// and dies writing to). Elsewhere, a connection is tried for at most `patience`.
pub async fn is_ready(addr: SocketAddr, patience: Duration) -> bool {
    if addr.ip().is_loopback() {
        if let Some(listening) = listening(addr.port()) {
            return listening;
        }
    }
    matches!(
        tokio::time::timeout(patience, TcpStream::connect(addr)).await,
        Ok(Ok(_))
    )
}

/// Whether some socket listens on `port`, from `/proc/net/tcp` and `tcp6`; `None` when neither
/// can be read.
pub fn listening(port: u16) -> Option<bool> {
    const LISTEN: &str = "0A";
    let mut readable = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        readable = true;
        let found = text.lines().skip(1).any(|line| {
            let mut fields = line.split_whitespace();
            let local = fields.nth(1).unwrap_or_default();
            let state = fields.nth(1).unwrap_or_default();
            let local_port = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
            state == LISTEN && local_port == Some(port)
        });
        if found {
            return Some(true);
        }
    }
    readable.then_some(false)
}

/// Waits (at most `limit`) until nothing listens on `port` any more.
pub async fn wait_until_not_listening(port: u16, limit: Duration) {
    let deadline = Instant::now() + limit;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        let still = match listening(port) {
            Some(listening) => listening,
            None => matches!(
                tokio::time::timeout(Duration::from_millis(100), TcpStream::connect(addr)).await,
                Ok(Ok(_))
            ),
        };
        if !still {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
