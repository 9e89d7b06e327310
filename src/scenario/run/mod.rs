//! Executes one parsed scenario against a server address: opens the clients, performs the
//! steps in order, matches what arrives, and returns a verdict with each client's transcript.

mod client;
mod deviation;
mod expect;
mod matcher;
mod pace;
mod peers;
mod received;
mod send;
mod timeline;
mod unfinished;
mod uploads;
mod verdict;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

pub use deviation::{amount, Deviation, Got, Skipped, Wanted};
pub use matcher::{check_body, check_time, compare_bodies, digest, show_offset, Mismatch};
pub use peers::Peers;
pub use received::{grouped, hex_dump, Body, Incoming, Partial, Received};
pub use send::describe as describe_client_frame;
pub use timeline::{
    Act, Entry, EntryKind, Mark, Sent, Timeline, TimelineLog, WriteGroup, TIMELINE_CAP,
};
pub use uploads::Digest;
pub use verdict::{FailKind, Failure, ScenarioRun, Verdict, Warning};

use self::client::Client;
pub use self::client::{note, note_act, Transcript};
use super::model::{Action, Scenario, Step};
use crate::protocol::ClientFrame;

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

impl Run<'_> {
    fn fail(
        step: &Step,
        kind: FailKind,
        client: Option<&str>,
        reason: String,
        actual: Option<&Received>,
    ) -> StepError {
        StepError::Fail(Self::failure(step, kind, client, reason, actual))
    }

    fn failure(
        step: &Step,
        kind: FailKind,
        client: Option<&str>,
        reason: String,
        actual: Option<&Received>,
    ) -> Box<Failure> {
        Box::new(Failure {
            kind,
            line: step.line,
            step: step.source.clone(),
            iteration: step.iteration,
            client: client.map(str::to_owned),
            reason,
            actual: actual.map(|r| r.incoming.summary()),
            actual_hex: actual
                .and_then(|r| r.incoming.wire_bytes())
                .map(|b| hex_dump(&b, 8)),
            deviation: None,
            skipped: None,
        })
    }

    fn client(&mut self, name: &str) -> Result<&mut Client, StepError> {
        self.clients
            .get_mut(name)
            .ok_or_else(|| StepError::Error(format!("{name} is not connected at this point")))
    }

    async fn step(&mut self, step: &Step) -> Result<(), StepError> {
        match &step.action {
            Action::Connect(name) => {
                let transcript = match self.order.iter().find(|(n, _)| n == name) {
                    Some((_, t)) => {
                        note_act(t, Act::Reconnect, "-- new connection --".into());
                        t.clone()
                    }
                    None => {
                        let t = Transcript::on(name, &self.timeline);
                        self.order.push((name.clone(), t.clone()));
                        t
                    }
                };
                let connect = Client::connect(self.addr, transcript);
                let problem = match tokio::time::timeout(self.timeout, connect).await {
                    Ok(Ok(client)) => {
                        self.connected = true;
                        self.clients.insert(name.clone(), client);
                        return Ok(());
                    }
                    Ok(Err(e)) => format!("cannot connect {name} to {}: {e}", self.addr),
                    Err(_) => format!(
                        "cannot connect {name} to {}: no answer within {:?}",
                        self.addr, self.timeout
                    ),
                };
                // Unreachable from the start is a setup problem (exit 2); a server that stops
                // accepting in the middle of a scenario has failed it.
                if self.connected {
                    return Err(Self::fail(
                        step,
                        FailKind::Closed,
                        Some(name),
                        problem,
                        None,
                    ));
                }
                return Err(StepError::Error(problem));
            }
            Action::Close(name) => {
                let client = self.client(name)?;
                note_act(&client.transcript, Act::Close, "> close (FIN)".into());
                client.close().await;
            }
            Action::Reset(name) => {
                let client = self.client(name)?;
                note_act(&client.transcript, Act::Reset, "> reset (RST)".into());
                if let Err(e) = client.reset().await {
                    return Err(Self::fail(
                        step,
                        FailKind::Closed,
                        Some(name),
                        format!("reset failed: {e}"),
                        None,
                    ));
                }
            }
            Action::HalfClose(name) => {
                let client = self.client(name)?;
                note_act(
                    &client.transcript,
                    Act::HalfClose,
                    "> half-close (FIN, still reading)".into(),
                );
                if let Some(writer) = client.writer.as_mut() {
                    if let Err(e) = writer.shutdown().await {
                        return Err(Self::fail(
                            step,
                            FailKind::Closed,
                            Some(name),
                            format!("half-close failed: {e}"),
                            None,
                        ));
                    }
                }
            }
            Action::Reading(name, on) => {
                let client = self.client(name)?;
                let (act, what) = if *on {
                    (Act::ResumeReading, "resumes")
                } else {
                    (Act::StopReading, "stops")
                };
                note_act(&client.transcript, act, format!("-- {what} reading --"));
                client.set_reading(*on);
            }
            Action::ReadSlowly { client, bytes, per } => {
                self.client(client)?.read_slowly(*bytes, *per)
            }
            Action::PauseReading(name, d) => self.client(name)?.pause_reading(*d),
            Action::IgnoreNotices(name, on) => self.client(name)?.ignore_notices = *on,
            Action::Pause(d) => tokio::time::sleep(*d).await,
            Action::Send(s) => {
                let timeout = s
                    .timeout
                    .map(|t| self.settings.cap(t))
                    .unwrap_or_else(|| send::default_timeout(s, self.timeout));
                // Field by field: the client, its upload tracker and the sent bodies at once.
                let client = self.clients.get_mut(&s.client).ok_or_else(|| {
                    StepError::Error(format!("{} is not connected at this point", s.client))
                })?;
                for part in &s.parts {
                    if let super::model::Part::Frame(ClientFrame::Auth { offset, .. }) = part {
                        client.offset = offset.unwrap_or(0);
                    }
                }
                let transcript = client.transcript.clone();
                let Some(writer) = client.writer.as_mut() else {
                    return Err(StepError::Error(format!(
                        "{} has closed its connection",
                        s.client
                    )));
                };
                let uploads = self.uploads.entry(s.client.clone()).or_default();
                let sending = send::write(s, writer, &transcript, uploads, &mut self.sent_bodies);
                match tokio::time::timeout(timeout, sending).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        let reason = format!(
                            "writing failed: {e} (the server closed or reset this connection)"
                        );
                        return Err(Self::fail(
                            step,
                            FailKind::Closed,
                            Some(&s.client),
                            reason,
                            None,
                        ));
                    }
                    Err(_) => {
                        let reason = format!(
                            "the server did not take the bytes within {timeout:?} (has it stopped reading?)"
                        );
                        return Err(Self::fail(
                            step,
                            FailKind::Timeout,
                            Some(&s.client),
                            reason,
                            None,
                        ));
                    }
                }
            }
            Action::Expect(e) => {
                let timeout = e.timeout.map_or(self.timeout, |t| self.settings.cap(t));
                let lenient = e.strict_wording && !self.settings.strict;
                let client = self.client(&e.client)?;
                match expect::expect(client, e, timeout, lenient).await {
                    Ok(warnings) => {
                        self.warnings
                            .extend(warnings.into_iter().map(|message| Warning {
                                line: step.line,
                                message: format!("{}: {message}", e.client),
                            }))
                    }
                    Err(miss) => {
                        let mut failure = Self::failure(
                            step,
                            miss.kind,
                            Some(&e.client),
                            miss.reason.clone(),
                            miss.actual.as_ref(),
                        );
                        failure.deviation = miss.deviation();
                        failure.skipped = miss.skipped.any().then_some(miss.skipped);
                        return Err(StepError::Fail(failure));
                    }
                }
            }
        }
        Ok(())
    }
}
