//! Executes one parsed scenario against a server address: opens the clients, performs the
//! steps in order, matches what arrives, and returns a verdict with each client's transcript.

mod actions;
mod client;
pub mod cut;
mod deviation;
mod expect;
mod matcher;
mod pace;
mod peers;
mod pump;
mod received;
mod send;
mod timeline;
mod transcript;
mod unfinished;
mod uploads;
mod verdict;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

pub use deviation::{amount, Deviation, Got, Skipped, Wanted};
pub use matcher::{
    check_body, check_frame, check_time, compare_bodies, digest, show_offset, Mismatch,
};
pub use peers::Peers;
pub use received::{
    frame_summary as server_frame_summary, grouped, hex_dump, Body, Incoming, Partial, Received,
};
pub use send::describe as describe_client_frame;
pub use timeline::{
    Act, Entry, EntryKind, Mark, Sent, Timeline, TimelineLog, WriteGroup, TIMELINE_CAP,
};
pub use uploads::Digest;
pub use verdict::{FailKind, Failure, ScenarioRun, Verdict, Warning};

use self::client::Client;
pub use self::transcript::{note, note_act, Transcript};
use super::model::Scenario;

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
}

impl RunSettings {
    /// `timeout`, bounded by the cap.
    pub fn cap(&self, timeout: Duration) -> Duration {
        self.timeout_cap.map_or(timeout, |cap| timeout.min(cap))
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
) -> ScenarioRun {
    match settings.transport {
        Some(perturb) => match crate::proxy::transport::front(addr, perturb).await {
            Ok(front) => {
                let run = run_direct(scenario, front.addr(), settings).await;
                front.close().await;
                run
            }
            Err(e) => ScenarioRun::error(format!("cannot start the --transport proxy: {e}")),
        },
        None => run_direct(scenario, addr, settings).await,
    }
}

/// Runs `scenario` against the server at `addr`, with no transport in between.
async fn run_direct(scenario: &Scenario, addr: SocketAddr, settings: &RunSettings) -> ScenarioRun {
    if scenario.tests_client() {
        return ScenarioRun::error(
            "this scenario tests a client (`tests: client`): run it with --client or --client-builtin"
                .into(),
        );
    }
    let mut run = Run {
        addr,
        settings,
        timeout: settings.cap(scenario.timeout.unwrap_or(settings.default_timeout)),
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
        let deadline = Instant::now() + Duration::from_millis(500);
        for client in run.clients.values_mut() {
            client.close_gracefully(deadline).await;
        }
    }
    ScenarioRun {
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
