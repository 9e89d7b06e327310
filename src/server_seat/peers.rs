//! The runner's clients driven one step at a time from outside: interop scenarios put the
//! steps of their peer clients (server language) between the steps of the client program
//! under test, against the same real server.

use std::net::SocketAddr;
use std::time::Duration;

use super::{Run, RunSettings, StepError, Verdict};
use crate::language::model::Step;

/// Peer clients of one scenario, against the server at one address.
pub struct Peers<'a> {
    run: Run<'a>,
}

impl<'a> Peers<'a> {
    /// No client connected yet; `timeout` is the scenario's step timeout.
    pub fn new(addr: SocketAddr, settings: &'a RunSettings, timeout: Duration) -> Self {
        Self {
            run: Run {
                addr,
                settings,
                timeout,
                clients: Default::default(),
                order: Vec::new(),
                warnings: Vec::new(),
                connected: false,
                uploads: Default::default(),
                sent_bodies: Default::default(),
                timeline: Default::default(),
            },
        }
    }

    /// Performs `step`; a failed step gives its verdict (a failure, or an error).
    pub async fn step(&mut self, step: &Step) -> Result<(), Verdict> {
        match self.run.step(step).await {
            Ok(()) => Ok(()),
            Err(StepError::Fail(failure)) => Err(Verdict::Fail(failure)),
            Err(StepError::Error(message)) => {
                Err(Verdict::Error(format!("line {}: {message}", step.line)))
            }
        }
    }

    /// Each peer's transcript so far, in order of first connect.
    pub fn transcripts(&self) -> Vec<(String, Vec<String>)> {
        self.run
            .order
            .iter()
            .map(|(name, t)| (name.clone(), t.lines()))
            .collect()
    }
}
