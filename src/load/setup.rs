//! Getting clients in: connect, authenticate, wait for the greeting, and let join notices
//! settle before the next client arrives (servers in the original's style corrupt their state
//! when joins overlap).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use thiserror::Error;
use tokio::time::{timeout, Instant};

use crate::client::{Connection, Event};
use crate::protocol::{ClientFrame, ServerFrame};

/// Why clients could not be set up.
#[derive(Debug, Error)]
pub enum SetupError {
    /// Connecting failed.
    #[error("client {name}: cannot connect to {addr}")]
    Connect {
        /// The client.
        name: String,
        /// The server.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server did not accept the login.
    #[error("client {name}: login not accepted: {why}")]
    Auth {
        /// The client.
        name: String,
        /// What happened instead.
        why: String,
    },
}

/// Connects and logs in as `name` with offset 0; returns once the server's `0x00` greeting
/// arrived. Frames before it (there should be none) are ignored.
pub async fn login(
    addr: SocketAddr,
    name: &str,
    limit: Duration,
) -> Result<Connection, SetupError> {
    let auth_err = |why: String| SetupError::Auth {
        name: name.to_owned(),
        why,
    };
    let mut conn = timeout(limit, Connection::connect(addr))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))
        .and_then(|r| r)
        .map_err(|source| SetupError::Connect {
            name: name.to_owned(),
            addr,
            source,
        })?;
    conn.send(&ClientFrame::auth(name, 0))
        .await
        .map_err(|e| auth_err(e.to_string()))?;
    let deadline = Instant::now() + limit;
    loop {
        let event = tokio::time::timeout_at(deadline, conn.next_event())
            .await
            .map_err(|_| auth_err(format!("no greeting within {limit:?}")))?
            .map_err(|e| auth_err(e.to_string()))?;
        match event {
            Event::Frame(ServerFrame::AuthOk(_)) => return Ok(conn),
            Event::Frame(ServerFrame::Text(t)) if t.time.is_none() => {
                return Err(auth_err(format!("the server replied {:?}", t.body)))
            }
            Event::Closed => return Err(auth_err("the server closed the connection".into())),
            _ => {}
        }
    }
}

/// Waits until `notices` reaches the count expected once client number `joined` (0-based) is
/// in — every earlier client told of every later one: `joined * (joined + 1) / 2` — or
/// `settle` passes. Returns false when it gave up (the server sends fewer notices: stop
/// waiting for the next ones).
pub async fn settle(notices: &AtomicU64, joined: u64, settle: Duration) -> bool {
    let want = joined * (joined + 1) / 2;
    let deadline = Instant::now() + settle;
    while notices.load(Ordering::Acquire) < want {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    true
}
