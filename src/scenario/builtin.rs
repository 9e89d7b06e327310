//! The default target: the reference server, started in-process on `127.0.0.1:0` for each
//! scenario (so scenarios are isolated and can run in parallel), with a private files
//! directory (uploads kept) that is checked and removed afterwards.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::files_dir::{self, FilesDir};
use super::model::Scenario;
use super::run::{run_scenario, RunSettings, ScenarioRun};
use super::suite::Provider;
use crate::core::Limits;
use crate::server::{self, Mode, ServerConfig};

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
}

impl Provider for Builtin {
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> BoxFuture<'a, (ScenarioRun, Option<String>)> {
        Box::pin(async move {
            let dir = match FilesDir::create() {
                Ok(dir) => dir,
                Err(e) => {
                    let message = format!("cannot make a private files directory: {e}");
                    return (ScenarioRun::error(message), None);
                }
            };
            // Uploads are kept, so that the check afterwards sees every stored file.
            let config = ServerConfig::new(self.mode, dir.path())
                .with_limits(self.limits.clone())
                .keeping_uploads(true);
            let run = match server::spawn(config) {
                Ok(handle) => {
                    let mut run = run_scenario(scenario, handle.addr(), settings).await;
                    // Stopping joins the server thread: keep that off the async workers.
                    let stopped = tokio::task::spawn_blocking(move || handle.shutdown()).await;
                    match stopped {
                        Ok(Err(e)) => eprintln!(
                            "chat-harness: the built-in server stopped with an error: {e}"
                        ),
                        Err(e) => {
                            eprintln!("chat-harness: stopping the built-in server failed: {e}")
                        }
                        Ok(Ok(())) => {}
                    }
                    files_dir::judge(&mut run, &dir, scenario);
                    run
                }
                Err(e) => ScenarioRun::error(format!("cannot start the built-in server: {e}")),
            };
            (run, None)
        })
    }

    fn isolated(&self) -> bool {
        true
    }

    fn replay_args(&self) -> Vec<String> {
        match self.mode {
            Mode::Polling => Vec::new(),
            mode => vec!["--server-mode".to_owned(), mode.to_string()],
        }
    }
}
