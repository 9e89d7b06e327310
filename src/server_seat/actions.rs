//! The steps of a scenario run, one method of [`Run`] per kind of action.

use super::client::Client;
use super::{expect, send, Run, StepError};
use crate::language::model::{Action, Expect, Part, Send, Step};
use crate::protocol::ClientFrame;
use crate::record::received::{hex_dump, Received};
use crate::record::timeline::Act;
use crate::record::transcript::{note_act, Transcript};
use crate::record::verdict::{FailKind, Failure, Warning};

impl Run<'_> {
    pub(super) fn fail(
        step: &Step,
        kind: FailKind,
        client: Option<&str>,
        reason: String,
        actual: Option<&Received>,
    ) -> StepError {
        StepError::Fail(Self::failure(step, kind, client, reason, actual))
    }

    pub(super) fn failure(
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

    pub(super) fn client(&mut self, name: &str) -> Result<&mut Client, StepError> {
        self.clients
            .get_mut(name)
            .ok_or_else(|| StepError::Error(format!("{name} is not connected at this point")))
    }

    /// Performs one step: one method per kind of action.
    pub(super) async fn step(&mut self, step: &Step) -> Result<(), StepError> {
        match &step.action {
            Action::Connect(name) => self.connect(step, name).await,
            Action::Close(name) => {
                let client = self.client(name)?;
                note_act(&client.transcript, Act::Close, "> close (FIN)".into());
                client.close().await;
                Ok(())
            }
            Action::Reset(name) => self.reset(step, name).await,
            Action::HalfClose(name) => self.half_close(step, name).await,
            Action::Reading(name, on) => self.reading(name, *on),
            Action::ReadSlowly { client, bytes, per } => {
                self.client(client)?.read_slowly(*bytes, *per);
                Ok(())
            }
            Action::PauseReading(name, d) => {
                self.client(name)?.pause_reading(*d);
                Ok(())
            }
            Action::IgnoreNotices(name, on) => {
                self.client(name)?.ignore_notices = *on;
                Ok(())
            }
            Action::Pause(d) => {
                tokio::time::sleep(*d).await;
                Ok(())
            }
            Action::Send(s) => self.send(step, s).await,
            Action::Expect(e) => self.expect(step, e).await,
        }
    }

    /// `connect NAME`: a new connection (a reconnection continues the same transcript).
    async fn connect(&mut self, step: &Step, name: &str) -> Result<(), StepError> {
        let transcript = match self.order.iter().find(|(n, _)| n == name) {
            Some((_, t)) => {
                note_act(t, Act::Reconnect, "-- new connection --".into());
                t.clone()
            }
            None => {
                let t = Transcript::on(name, &self.timeline);
                self.order.push((name.to_owned(), t.clone()));
                t
            }
        };
        let connect = Client::connect(self.addr, transcript);
        let problem = match tokio::time::timeout(self.timeout, connect).await {
            Ok(Ok(mut client)) => {
                client.foreign_names = self.settings.foreign_names.clone();
                self.connected = true;
                self.clients.insert(name.to_owned(), client);
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
        Err(StepError::Error(problem))
    }

    /// `reset NAME`: close with RST.
    async fn reset(&mut self, step: &Step, name: &str) -> Result<(), StepError> {
        let client = self.client(name)?;
        note_act(&client.transcript, Act::Reset, "> reset (RST)".into());
        client.reset().await.map_err(|e| {
            Self::fail(
                step,
                FailKind::Closed,
                Some(name),
                format!("reset failed: {e}"),
                None,
            )
        })
    }

    /// `half-close NAME`: FIN on the writing side, still reading.
    async fn half_close(&mut self, step: &Step, name: &str) -> Result<(), StepError> {
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
        Ok(())
    }

    /// `NAME stops reading` / `NAME resumes reading`.
    fn reading(&mut self, name: &str, on: bool) -> Result<(), StepError> {
        let client = self.client(name)?;
        let (act, what) = if on {
            (Act::ResumeReading, "resumes")
        } else {
            (Act::StopReading, "stops")
        };
        note_act(&client.transcript, act, format!("-- {what} reading --"));
        client.set_reading(on);
        Ok(())
    }

    /// A `send` step: the frames and bytes written within the step's timeout.
    async fn send(&mut self, step: &Step, s: &Send) -> Result<(), StepError> {
        // A declared timeout bounds the whole statement; otherwise only a stall fails it.
        let declared = s.timeout.map(|t| self.settings.cap(t));
        let timeout = declared.unwrap_or(std::time::Duration::MAX);
        let stall = declared.unwrap_or(self.timeout);
        // Field by field: the client, its upload tracker and the sent bodies at once.
        let client = self.clients.get_mut(&s.client).ok_or_else(|| {
            StepError::Error(format!("{} is not connected at this point", s.client))
        })?;
        for part in &s.parts {
            if let Part::Frame(ClientFrame::Auth { offset, .. }) = part {
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
        let sending = send::write(
            s,
            writer,
            &transcript,
            uploads,
            &mut self.sent_bodies,
            stall,
        );
        let (kind, reason) = match tokio::time::timeout(timeout, sending).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) if e.get_ref().is_some_and(|e| e.is::<send::Stalled>()) => {
                (FailKind::Timeout, format!("{e} (has it stopped reading?)"))
            }
            Ok(Err(e)) => (
                FailKind::Closed,
                format!("writing failed: {e} (the server closed or reset this connection)"),
            ),
            Err(_) => (
                FailKind::Timeout,
                format!(
                    "the server did not take the bytes within {timeout:?} (has it stopped reading?)"
                ),
            ),
        };
        Err(Self::fail(step, kind, Some(&s.client), reason, None))
    }

    /// An `expect` step: what the client must receive, with wording differences as warnings
    /// when the step is lenient.
    async fn expect(&mut self, step: &Step, e: &Expect) -> Result<(), StepError> {
        let timeout = e.timeout.map_or(self.timeout, |t| self.settings.cap(t));
        let lenient = e.strict_wording && !self.settings.strict;
        let client = self.client(&e.client)?;
        match expect::expect(client, e, timeout, lenient).await {
            Ok(warnings) => {
                self.warnings
                    .extend(warnings.into_iter().map(|message| Warning {
                        line: step.line,
                        message: format!("{}: {message}", e.client),
                    }));
                Ok(())
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
                Err(StepError::Fail(failure))
            }
        }
    }
}
