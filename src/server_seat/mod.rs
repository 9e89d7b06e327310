//! Executes one parsed scenario against a server address: opens the clients, performs the
//! steps in order, matches what arrives, and returns a verdict with each client's transcript
//! (the record, in [`crate::record`]). [`provider`] runs a scenario on an implementation under
//! test and checks its files directory ([`files_dir`]).

mod actions;
mod client;
mod expect;
pub mod files_dir;
mod foreign;
mod pace;
mod peers;
pub mod provider;
mod pump;
mod send;
mod unfinished;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

pub use foreign::ForeignNames;
pub use peers::Peers;

use self::client::Client;
use crate::language::scenario::Scenario;
use crate::record::{
    uploads, Digest, FailKind, Failure, FinishedRun, Timeline, Transcript, Verdict, Warning,
};

/// How to run scenarios.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Timeout of a step that waits, unless the scenario or the step says otherwise.
    pub default_timeout: Duration,
    /// Fail on wording differences in `strict-wording` steps instead of warning.
    pub strict: bool,
    /// Close clients gracefully at the end (for a shared server whose state outlives us).
    pub graceful_close: bool,
    /// An upper bound on every step timeout, scenario and step settings included (to fail
    /// fast when hunting faults).
    pub timeout_cap: Option<Duration>,
    /// `run --transport`: every client connection goes through a perturbing proxy.
    pub transport: Option<crate::proxy::Perturb>,
    /// On a server shared by the run's scenarios: the names of the other scenarios' clients,
    /// whose late notices this scenario skips (set per scenario by the suite).
    pub foreign_names: Option<ForeignNames>,
}

impl RunSettings {
    /// `timeout`, bounded by the cap.
    pub fn cap(&self, timeout: Duration) -> Duration {
        self.timeout_cap.map_or(timeout, |cap| timeout.min(cap))
    }

    /// The step timeout of `scenario`: its own `timeout:` or the default, bounded by the cap.
    pub fn step_timeout(&self, scenario: &Scenario) -> Duration {
        self.cap(scenario.timeout.unwrap_or(self.default_timeout))
    }
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            default_timeout: Duration::from_secs(2),
            strict: false,
            graceful_close: false,
            timeout_cap: None,
            transport: None,
            foreign_names: None,
        }
    }
}

enum StepError {
    Fail(Box<Failure>),
    Error(String),
}

struct Run<'a> {
    addr: SocketAddr,
    settings: &'a RunSettings,
    timeout: Duration,
    clients: HashMap<String, Client>,
    order: Vec<(String, Transcript)>,
    warnings: Vec<Warning>,
    /// Whether a connection has succeeded in this scenario.
    connected: bool,
    /// Each client's file upload in progress.
    uploads: HashMap<String, uploads::UploadTracker>,
    /// The file bodies sent completely.
    sent_bodies: std::collections::BTreeSet<Digest>,
    /// Every client's frames and actions in one time order.
    timeline: Timeline,
}

/// Runs `scenario` against the server at `addr`.
pub async fn run_scenario(
    scenario: &Scenario,
    addr: SocketAddr,
    settings: &RunSettings,
) -> FinishedRun {
    match settings.transport {
        Some(perturb) => match crate::proxy::transport::front(addr, perturb).await {
            Ok(front) => {
                let run = run_direct(scenario, front.addr(), settings).await;
                front.close().await;
                run
            }
            Err(e) => FinishedRun::error(format!("cannot start the --transport proxy: {e}")),
        },
        None => run_direct(scenario, addr, settings).await,
    }
}

/// Runs `scenario` against the server at `addr`, with no transport in between.
async fn run_direct(scenario: &Scenario, addr: SocketAddr, settings: &RunSettings) -> FinishedRun {
    if scenario.tests_client() {
        return FinishedRun::error(
            "this scenario tests a client (`tests: client`): run it with --client or --client-builtin"
                .into(),
        );
    }
    let mut run = Run {
        addr,
        settings,
        timeout: settings.step_timeout(scenario),
        clients: HashMap::new(),
        order: Vec::new(),
        warnings: Vec::new(),
        connected: false,
        uploads: HashMap::new(),
        sent_bodies: std::collections::BTreeSet::new(),
        timeline: Timeline::default(),
    };
    let mut verdict = Verdict::Pass;
    let mut failed_at = None;
    for step in &scenario.steps {
        let started = run.timeline.mark();
        match run.step(step).await {
            Ok(()) => {}
            Err(StepError::Fail(failure)) => {
                verdict = Verdict::Fail(failure);
                failed_at = Some(started);
                break;
            }
            Err(StepError::Error(message)) => {
                verdict = Verdict::Error(format!("line {}: {message}", step.line));
                break;
            }
        }
    }
    if verdict == Verdict::Pass {
        if let Some(last) = scenario.steps.last() {
            let started = run.timeline.mark();
            if let Err(failure) = run.nothing_unfinished(last).await {
                verdict = Verdict::Fail(failure);
                failed_at = Some(started);
            }
        }
    }
    let still_accepting = match &verdict {
        Verdict::Fail(f) if f.kind == FailKind::Closed => {
            Some(crate::under_test::readiness::is_ready(addr, Duration::from_millis(500)).await)
        }
        _ => None,
    };
    let transcripts = run
        .order
        .iter()
        .map(|(name, t)| (name.clone(), t.lines()))
        .collect();
    let timeline = run.timeline.snapshot();
    if settings.graceful_close {
        // One at a time, each with its own time: a server that handles leaves one by one
        // (the lab's writes each leave notice to the others) sees no two vanish at once.
        for client in run.clients.values_mut() {
            let deadline = Instant::now() + Duration::from_millis(500);
            client.close_gracefully(deadline).await;
        }
    }
    FinishedRun {
        verdict,
        warnings: run.warnings,
        transcripts,
        server_exit: None,
        still_accepting,
        sent_bodies: run.sent_bodies.into_iter().collect(),
        timeline,
        failed_at,
    }
}
