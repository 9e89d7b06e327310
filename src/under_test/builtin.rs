//! The default implementation under test: the reference server, started in-process on
//! `127.0.0.1:0` for each scenario or session (so they are isolated and can run in
//! parallel), in a private files directory with uploads kept, so the directory can be
//! checked afterwards.

use std::path::Path;
use std::time::Duration;

use crate::core::Limits;
use crate::server::{self, Mode, ServerConfig, ServerHandle};

/// The built-in server's stall timeout under test: the backpressure scenarios wait it out
/// (a non-reader is only cut off after it), so half of `serve`'s 2 s default keeps the suite
/// quick. A reader that pauses for less than it (the suite pauses 500 ms) is never cut off.
pub const SUITE_STALL_TIMEOUT: Duration = Duration::from_secs(1);

/// A fresh reference server per scenario.
#[derive(Debug, Clone)]
pub struct Builtin {
    /// The I/O design.
    pub mode: Mode,
    /// The server's limits.
    pub limits: Limits,
}

impl Builtin {
    /// The reference server in `mode` with default limits, but a stall timeout of
    /// [`SUITE_STALL_TIMEOUT`].
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            limits: Limits {
                stall_timeout: SUITE_STALL_TIMEOUT,
                ..Limits::default()
            },
        }
    }

    /// A description for report headers.
    pub fn describe(&self) -> String {
        format!(
            "the built-in reference server ({} mode), fresh per scenario",
            self.mode
        )
    }

    /// Starts a fresh server on a free port of `127.0.0.1`, storing uploads in `files_dir`
    /// and keeping them, so that a check afterwards sees every stored file.
    pub fn start(&self, files_dir: &Path) -> std::io::Result<ServerHandle> {
        let config = ServerConfig::new(self.mode, files_dir)
            .with_limits(self.limits.clone())
            .keeping_uploads(true);
        server::spawn(config)
    }

    /// Stops a server [`Builtin::start`] started; an error in stopping is returned as a
    /// sentence for the report (the scenario's verdict stands).
    pub async fn stop(handle: ServerHandle) -> Result<(), String> {
        // Stopping joins the server thread: keep that off the async workers.
        let stopped = tokio::task::spawn_blocking(move || handle.shutdown()).await;
        match stopped {
            Ok(Err(e)) => Err(format!("the built-in server stopped with an error: {e}")),
            Err(e) => Err(format!("stopping the built-in server failed: {e}")),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// The `chat-harness run` arguments that select this server, for replay lines.
    pub fn replay_args(&self) -> Vec<String> {
        match self.mode {
            Mode::Polling => Vec::new(),
            mode => vec!["--server-mode".to_owned(), mode.to_string()],
        }
    }
}
