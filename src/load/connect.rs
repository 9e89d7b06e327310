//! The connection shape: clients connect and log in as fast as the server lets them (a few at
//! a time), stay connected together, and are then checked to be still open.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::setup::login;
use super::{secs, Common, MeasuredServer, SetupError};
use crate::client::{Connection, Event};

/// What a connection run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Clients asked for.
    pub clients: usize,
    /// Clients that connected and logged in.
    pub logged_in: usize,
    /// Of those, clients still connected at the end.
    pub held: usize,
    /// Time to log them all in, seconds.
    pub seconds: f64,
    /// Logins per second.
    pub logins_per_s: f64,
    /// Server CPU seconds during the logins, when known.
    pub server_cpu_s: Option<f64>,
    /// The first few failures.
    pub errors: Vec<String>,
}

impl Report {
    /// True when every client logged in and was still connected at the end.
    pub fn ok(&self) -> bool {
        self.held == self.clients && self.errors.is_empty()
    }
}

/// Logs in `clients` clients, `concurrency` at a time, holds them all, checks they are open.
pub async fn run(
    server: MeasuredServer,
    clients: usize,
    concurrency: usize,
    common: &Common,
    progress: impl Fn(u64, u64) + Send + Sync + 'static,
) -> Result<Report, SetupError> {
    let next = Arc::new(AtomicUsize::new(0));
    let held: Arc<Mutex<Vec<Connection>>> = Arc::new(Mutex::new(Vec::with_capacity(clients)));
    let errors: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let progress = Arc::new(progress);
    let cpu = server.cpu_span();
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (next, held, errors, progress) =
            (next.clone(), held.clone(), errors.clone(), progress.clone());
        let (addr, prefix, limit) = (server.addr, common.name_prefix.clone(), common.timeout);
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::AcqRel);
                if i >= clients {
                    break;
                }
                match login(addr, &format!("{prefix}c{i}"), limit).await {
                    Ok(conn) => {
                        if let Ok(mut held) = held.lock() {
                            held.push(conn);
                            progress(held.len() as u64, clients as u64);
                        }
                    }
                    Err(e) => {
                        if let Ok(mut errors) = errors.lock() {
                            if errors.len() < 10 {
                                errors.push(e.to_string());
                            }
                        }
                    }
                }
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let seconds = secs(start.elapsed());
    let server_cpu_s = cpu.seconds(&server);
    let mut conns = std::mem::take(&mut *held.lock().unwrap_or_else(|e| e.into_inner()));
    let logged_in = conns.len();
    // Let the server finish what it has to say (join notices), then see who is still open.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut still_open = 0;
    for conn in &mut conns {
        if is_open(conn).await {
            still_open += 1;
        }
    }
    drop(conns);
    let errors = errors.lock().map(|e| e.clone()).unwrap_or_default();
    Ok(Report {
        clients,
        logged_in,
        held: still_open,
        seconds,
        logins_per_s: if seconds > 0.0 {
            logged_in as f64 / seconds
        } else {
            0.0
        },
        server_cpu_s,
        errors,
    })
}

/// Reads what is already there; false when that includes the end of the stream.
async fn is_open(conn: &mut Connection) -> bool {
    loop {
        match tokio::time::timeout(Duration::ZERO, conn.next_event()).await {
            Err(_) => return true,
            Ok(Ok(Event::Closed) | Err(_)) => return false,
            Ok(Ok(_)) => {}
        }
    }
}
