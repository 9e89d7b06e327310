//! Runs one client scenario: listens on 127.0.0.1, starts the client program in a fresh
//! working directory, and performs the steps in order — typing, reading its output, playing
//! the server side of its connections, checking saved files and its exit — then returns a
//! verdict with the interleaved transcript.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::cannot_start;
use super::listen::{self, Accepting};
use super::peer::Peer;
use super::process::{show_exit, Program};
use super::step_error::StepError;
use super::workdir::WorkDir;
use crate::language::client_script::{ClientScript, SeatAction, SeatStep};
use crate::language::scenario::Scenario;
use crate::record::{note, FailKind, Failure, FinishedRun, Got, Transcript, Verdict, Wanted};
use crate::server_seat::RunSettings;

/// The name the client's transcript has in reports.
pub const TRANSCRIPT_NAME: &str = "client";

/// How a client program is started for a scenario.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The command line, run by `sh -c`; `{host}` and `{port}` are replaced.
    pub command: String,
    /// Listen on this port instead of a free one (for clients that hard-code it).
    pub port: Option<u16>,
}

/// How long after its start a client program may take to connect, whatever the step's
/// timeout (the default `--spawn-timeout` of a server).
const CLIENT_STARTUP: Duration = Duration::from_secs(5);

/// The state of one running client scenario.
pub(super) struct SeatRun<'a> {
    pub timeout: Duration,
    /// When the client program was started.
    pub started: Instant,
    pub utc_offset: i32,
    pub program: Program,
    pub transcript: Transcript,
    pub workdir: &'a WorkDir,
    pub incoming: mpsc::UnboundedReceiver<Peer>,
    pub peer: Option<Peer>,
    /// Output lines not yet consumed by an expectation.
    pub lines: VecDeque<String>,
    /// Every output line so far (for `never`).
    pub history: Vec<String>,
    pub settings: &'a RunSettings,
}

impl<'a> SeatRun<'a> {
    /// The run of `script` by the just-started `program`, with the scenario's step timeout
    /// (capped by `settings`); `incoming` yields the client's connections to the harness.
    pub fn new(
        scenario: &Scenario,
        script: &ClientScript,
        program: Program,
        transcript: &Transcript,
        workdir: &'a WorkDir,
        incoming: mpsc::UnboundedReceiver<Peer>,
        settings: &'a RunSettings,
    ) -> Self {
        Self {
            timeout: settings.step_timeout(scenario),
            started: Instant::now(),
            utc_offset: script.utc_offset,
            program,
            transcript: transcript.clone(),
            workdir,
            incoming,
            peer: None,
            lines: VecDeque::new(),
            history: Vec::new(),
            settings,
        }
    }
}

/// Runs `script` (the steps of `scenario`) with the client started by `launch`.
pub async fn run_client_scenario(
    scenario: &Scenario,
    script: &ClientScript,
    launch: &Launch,
    settings: &RunSettings,
) -> FinishedRun {
    let transcript: Transcript = Default::default();
    let error = FinishedRun::error;
    let workdir = match WorkDir::create(&script.sample_files) {
        Ok(w) => w,
        Err(e) => {
            return error(format!(
                "cannot prepare the client's working directory: {e}"
            ))
        }
    };
    let listener = match listen::bind(launch.port.unwrap_or(0)).await {
        Ok(l) => l,
        Err(e) => return error(format!("cannot listen for the client: {e}")),
    };
    let port = match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(e) => return error(format!("cannot listen for the client: {e}")),
    };
    let (accepting, incoming) = Accepting::start(listener, &transcript);
    let line = command_line(&launch.command, port);
    let program = match Program::start(&line, workdir.path(), script.utc_offset, &transcript) {
        Ok(p) => p,
        Err(e) => {
            accepting.stop().await;
            return error(format!("cannot start `{line}`: {e}"));
        }
    };
    let mut run = SeatRun::new(
        scenario,
        script,
        program,
        &transcript,
        &workdir,
        incoming,
        settings,
    );
    let mut verdict = Verdict::Pass;
    for step in &script.steps {
        if let Err(e) = run.step(step).await {
            verdict = verdict_of(step, e);
            break;
        }
    }
    let transcripts = vec![(TRANSCRIPT_NAME.to_owned(), transcript.lines())];
    run.program.kill().await;
    accepting.stop().await;
    finished(verdict, transcripts, Some(&run.program))
}

/// The run of a client program that has been stopped: its verdict, the transcripts, and its
/// stderr as one more transcript when it wrote any.
pub(super) fn finished(
    verdict: Verdict,
    mut transcripts: Vec<(String, Vec<String>)>,
    program: Option<&Program>,
) -> FinishedRun {
    let stderr = program.map(Program::stderr).unwrap_or_default();
    if !stderr.trim().is_empty() {
        let tail: Vec<String> = stderr.lines().map(|l| format!("| {l}")).collect();
        transcripts.push(("client stderr".to_owned(), tail));
    }
    FinishedRun {
        verdict: match program {
            Some(program) => cannot_start::unless_never_ran(verdict, program),
            None => verdict,
        },
        warnings: Vec::new(),
        transcripts,
        server_exit: None,
        still_accepting: None,
        sent_bodies: Vec::new(),
        timeline: Default::default(),
        failed_at: None,
    }
}

/// The verdict of a step that did not pass.
pub(super) fn verdict_of(step: &SeatStep, error: StepError) -> Verdict {
    match error {
        StepError::Fail {
            kind,
            reason,
            actual,
            actual_hex,
            wanted,
            got,
        } => Verdict::Fail(Box::new(Failure {
            kind,
            line: step.line,
            step: step.source.clone(),
            iteration: step.iteration,
            client: Some(TRANSCRIPT_NAME.to_owned()),
            reason,
            actual,
            actual_hex,
            deviation: super::shape::deviation(&step.action, kind, wanted, got),
            skipped: None,
        })),
        StepError::Error(message) => Verdict::Error(format!("line {}: {message}", step.line)),
    }
}

impl SeatRun<'_> {
    pub(super) fn deadline(&self, within: Option<Duration>) -> Instant {
        Instant::now() + within.map_or(self.timeout, |t| self.settings.cap(t))
    }

    /// The current connection, waiting for the client's first one when there is none yet.
    pub(super) async fn peer(&mut self, deadline: Instant) -> Result<&mut Peer, StepError> {
        if self.peer.is_none() {
            self.accept(deadline).await?;
        }
        self.peer
            .as_mut()
            .ok_or_else(|| StepError::fail("the client has no connection"))
    }

    async fn accept(&mut self, deadline: Instant) -> Result<(), StepError> {
        // A program (an interpreter above all) may take a while to start on a busy machine:
        // its first connection gets at least as long as a spawned server gets to listen.
        let deadline = deadline.max(self.started + CLIENT_STARTUP);
        let mut exit = self.program.exit.clone();
        let peer = tokio::select! {
            peer = tokio::time::timeout_at(deadline, self.incoming.recv()) => peer.ok().flatten(),
            // A client that has ended will not connect; a connection it made just before
            // ending is still taken.
            _ = exit.wait_for(Option::is_some) => self.incoming.try_recv().ok(),
        };
        if let Some(peer) = peer {
            self.peer = Some(peer);
            return Ok(());
        }
        Err(match self.program.exited() {
            // Never connected in this scenario: nothing of the client was tested.
            Some(exit) if self.peer.is_none() => {
                StepError::Error(cannot_start::ended_before_connecting(exit, &self.program))
            }
            Some(exit) => StepError::fail(format!(
                "the client did not connect: it exited ({})",
                show_exit(exit)
            ))
            .shaped(Some(Wanted::Connection), Got::Exited),
            None => StepError::fail("the client did not connect in time")
                .of_kind(FailKind::Timeout)
                .shaped(Some(Wanted::Connection), Got::Nothing),
        })
    }

    pub(super) async fn step(&mut self, step: &SeatStep) -> Result<(), StepError> {
        match &step.action {
            SeatAction::Type(text) => {
                note(&self.transcript, format!("user> {text:?}"));
                match self.program.type_line(text).await {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        Err(cannot_start::cannot_type(&self.program, self.peer.is_none(), e).await)
                    }
                }
            }
            SeatAction::CloseStdin => {
                note(&self.transcript, "user> (end of input)".to_owned());
                self.program.close_stdin();
                Ok(())
            }
            SeatAction::Output(expect) => self.output(expect).await,
            SeatAction::Send(send) => self.send(send).await,
            SeatAction::Receive(expect) => self.receive(expect).await,
            SeatAction::Accept(within) => self.accept(self.deadline(*within)).await,
            SeatAction::CloseConnection => {
                let deadline = self.deadline(None);
                let transcript = self.transcript.clone();
                let peer = self.peer(deadline).await?;
                note(
                    &transcript,
                    format!("server> close connection {} (FIN)", peer.number),
                );
                peer.close();
                Ok(())
            }
            SeatAction::ResetConnection => {
                let deadline = self.deadline(None);
                let transcript = self.transcript.clone();
                let peer = self.peer(deadline).await?;
                note(
                    &transcript,
                    format!("server> reset connection {} (RST)", peer.number),
                );
                peer.reset()
                    .map_err(|e| StepError::fail(format!("reset failed: {e}")))
            }
            SeatAction::Saved(file) => self.saved(file).await,
            SeatAction::NothingOutside => {
                let outside = self.workdir.outside();
                if outside.is_empty() {
                    Ok(())
                } else {
                    Err(StepError::fail(format!(
                        "the client wrote outside its working directory: {}",
                        outside.join(", ")
                    )))
                }
            }
            SeatAction::SamplesKept => {
                let changed = self.workdir.samples_changed();
                if changed.is_empty() {
                    Ok(())
                } else {
                    Err(StepError::fail(format!(
                        "the client replaced or removed files it did not create: {}",
                        changed.join(", ")
                    )))
                }
            }
            SeatAction::Exits { status, within } => self.exits(*status, *within).await,
            SeatAction::Runs(after) => {
                if let Some(d) = after {
                    tokio::time::sleep(*d).await;
                }
                match self.program.exited() {
                    None => Ok(()),
                    Some(exit) => Err(StepError::fail(format!(
                        "the client has exited ({})",
                        show_exit(exit)
                    ))
                    .shaped(None, Got::Exited)),
                }
            }
            SeatAction::Pause(d) => {
                tokio::time::sleep(*d).await;
                Ok(())
            }
            SeatAction::Peer(_) => Err(StepError::Error(
                "a peer client's statement belongs in an interop scenario (`tests: interop`)"
                    .into(),
            )),
        }
    }

    async fn exits(
        &mut self,
        status: Option<i32>,
        within: Option<Duration>,
    ) -> Result<(), StepError> {
        let deadline = self.deadline(within);
        let mut exit = self.program.exit.clone();
        let ended = tokio::time::timeout_at(deadline, exit.wait_for(Option::is_some)).await;
        let code = match ended {
            Ok(Ok(seen)) => *seen,
            _ => None,
        };
        let Some(code) = code else {
            return Err(
                StepError::fail("the client is still running (it did not exit in time)")
                    .shaped(None, Got::StillRunning),
            );
        };
        match (status, code) {
            (None, _) => Ok(()),
            (Some(want), Some(got)) if want == got => Ok(()),
            (Some(want), got) => Err(StepError::fail(format!(
                "the client exited with {}, expected status {want}",
                show_exit(got)
            ))
            .shaped(None, Got::ExitStatus)),
        }
    }
}

/// The command with `{host}` and `{port}` filled in, and every word that names an existing
/// file relative to the harness's directory made absolute (the client runs elsewhere: in its
/// own working directory).
pub fn command_line(command: &str, port: u16) -> String {
    let words: Vec<String> = command
        .split(' ')
        .map(|word| {
            let path = std::path::Path::new(word);
            let local = !word.is_empty() && path.is_relative() && path.is_file();
            match std::path::absolute(path) {
                Ok(absolute) if local => absolute.display().to_string(),
                _ => word.to_owned(),
            }
        })
        .collect();
    words
        .join(" ")
        .replace("{host}", "127.0.0.1")
        .replace("{port}", &port.to_string())
}
