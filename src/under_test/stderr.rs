//! The stderr of a spawned program under test (a server, or a client of the client seat):
//! its first bytes kept, read by a task of its own until the pipe closes.

use std::sync::{Arc, Mutex};

use tokio::io::AsyncReadExt;
use tokio::process::Child;

/// Most stderr kept from a spawned program.
const STDERR_CAP: usize = 64 * 1024;

/// Keeps the first [`STDERR_CAP`] bytes a spawned program (a server under test, or a client
/// under test) writes to its piped stderr, read by a task of its own until the pipe closes.
pub fn capture_stderr(
    child: &mut Child,
) -> (Arc<Mutex<Vec<u8>>>, Option<tokio::task::JoinHandle<()>>) {
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let reader = child.stderr.take().map(|mut pipe| {
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if let Ok(mut kept) = sink.lock() {
                    let room = STDERR_CAP.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        })
    });
    (stderr, reader)
}
