//! [`Provider`]: what runs one scenario on an implementation under test. The server under
//! test itself (the built-in server, a server at an address, a spawned command: one
//! [`Target`]) lives in `crate::under_test` and knows nothing of scenarios; this module runs a
//! scenario on it and checks the files directory it was given afterwards.

use std::time::Duration;

use super::files_dir;
use crate::core::Limits;
use crate::language::scenario::Scenario;
use crate::language::server_limits::ServerLimits;
use crate::record::{FailKind, FinishedRun, Verdict};
use crate::server_seat::{run_scenario, RunSettings};
use crate::under_test::target::Target;

/// How long a spawned server that closed a connection may take to be seen exiting.
const CRASH_GRACE: Duration = Duration::from_millis(500);

/// Something that provides a server per scenario.
pub trait Provider: Send + Sync + 'static {
    /// Runs one scenario on a server of this provider.
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> futures_util::future::BoxFuture<'a, (FinishedRun, Option<String>)>;
    /// Whether scenarios can run side by side.
    fn isolated(&self) -> bool;
    /// Checked once before any scenario: a server that cannot be used at all (nothing
    /// listening at `--target`) stops the run with one message.
    fn preflight(&self) -> futures_util::future::BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
    /// The `chat-harness run` arguments that select this server, for replay lines.
    fn replay_args(&self) -> Vec<String> {
        Vec::new()
    }
    /// The replay arguments for `scenario`: those of the provider that runs it, for a
    /// provider that puts scenarios of different seats on different implementations.
    fn replay_args_for(&self, scenario: &Scenario) -> Vec<String> {
        let _ = scenario;
        self.replay_args()
    }
    /// Whether every scenario meets the same server, which keeps what earlier ones left (a
    /// server at `--target`): each scenario's clients then get names of their own
    /// ([`crate::scenario::shared_names`]).
    fn shares_state(&self) -> bool {
        false
    }
    /// Whether this provider runs `scenario`; by default, the scenarios that test a server,
    /// but not those that set the server's limits (`server-limits:`), which only the
    /// built-in server takes.
    fn accepts(&self, scenario: &Scenario) -> bool {
        !scenario.tests_client() && scenario.server_limits.is_none()
    }
}

impl Provider for Target {
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> futures_util::future::BoxFuture<'a, (FinishedRun, Option<String>)> {
        Box::pin(async move {
            let adjust = |limits: &mut Limits| {
                if let Some(wanted) = &scenario.server_limits {
                    apply(wanted, limits);
                }
            };
            match self.acquire_adjusted(adjust).await {
                Ok(mut lease) => {
                    let mut run = run_scenario(scenario, lease.addr, settings).await;
                    // A server that closed a connection may be on its way out: give it a moment
                    // to be seen exiting, so a crash is not reported as a mere close.
                    let grace = match &run.verdict {
                        Verdict::Fail(f) if f.kind == FailKind::Closed => CRASH_GRACE,
                        _ => Duration::ZERO,
                    };
                    run.server_exit = lease
                        .exit_status_within(grace)
                        .await
                        .map(|status| status.to_string());
                    let files = lease.take_files();
                    let (stderr, limit) = lease.release_noting_limits().await;
                    // A crash by a resource limit says which one.
                    if let (Some(exit), Some(limit)) = (run.server_exit.as_mut(), limit) {
                        *exit = format!("{exit}; {limit}");
                    }
                    // Checked once the server is gone: nothing more can be written.
                    if let Some(dir) = &files {
                        files_dir::judge(&mut run, dir, scenario);
                    }
                    (run, stderr)
                }
                Err(e) => (FinishedRun::error(e.to_string()), None),
            }
        })
    }

    fn isolated(&self) -> bool {
        Target::isolated(self)
    }

    fn preflight(&self) -> futures_util::future::BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.check_reachable(Duration::from_secs(2))
                .await
                .map_err(|e| e.to_string())?;
            self.check_startable().await.map_err(|e| e.to_string())
        })
    }

    fn replay_args(&self) -> Vec<String> {
        Target::replay_args(self)
    }

    fn shares_state(&self) -> bool {
        Target::shares_state(self)
    }

    /// The server scenarios, but those that set the server's limits (`server-limits:`) only
    /// on the built-in server: no other can be started with them.
    fn accepts(&self, scenario: &Scenario) -> bool {
        !scenario.tests_client() && (scenario.server_limits.is_none() || self.takes_limits())
    }
}

/// A scenario's `server-limits:` over the built-in server's own.
fn apply(wanted: &ServerLimits, limits: &mut Limits) {
    if let Some(n) = wanted.max_clients {
        limits.max_clients = n as usize;
    }
    if let Some(d) = wanted.auth_timeout {
        limits.auth_timeout = d;
    }
    if let Some(n) = wanted.max_file_size {
        limits.max_file_size = n;
    }
    if let Some(n) = wanted.queue_limit {
        limits.queue_limit = n;
    }
    if let Some(d) = wanted.stall_timeout {
        limits.stall_timeout = d;
    }
    if let Some(n) = wanted.spool_limit {
        limits.spool_limit = n;
    }
}
