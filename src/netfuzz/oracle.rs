//! The oracles, in layers, and how a failed session is attributed to one of them: by the step
//! that failed (the generator writes each oracle as its own kind of step, and the layers'
//! clients have their own names: canaries, the witness `w1`, the probe `p1`, the slow reader
//! `s1`). A failure at an attacker's own step (its write failed because the server closed or
//! reset it) is no finding; a failure at the probe's is.

use std::fmt;

use super::role::Role;
use super::stall::FLOOD;
use super::steps::expected_sender;
use crate::language::model::{Action, Expect, Expectation, FrameMatch, Part, TextMatch};
use crate::language::scenario::Scenario;
use crate::protocol::ClientFrame;
use crate::record::{Failure, FinishedRun, Got, Verdict};

/// Which invariant a session broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Oracle {
    /// The server stopped accepting connections (a spawned process died, a listener closed),
    /// or closed a well-behaved client.
    Alive,
    /// A fresh pair of clients could not authenticate and exchange a message in time.
    Canary,
    /// The server sent bytes that the project's decoder cannot turn into frames.
    Decode,
    /// A bystander missed a relayed message or file, got it out of order, or got it altered.
    Relay,
    /// A bystander received its own message back.
    Echo,
    /// A bystander received a chat under the other bystander's name that it never sent (a
    /// name taken twice, or a relay from an unauthenticated connection).
    Impostor,
    /// A connection that never authenticated received a broadcast.
    Leak,
    /// A well-behaved client's join, rename or leave was not announced to the witness in the
    /// documented wording.
    Notice,
    /// The probe, doing only what the reference semantics define exactly, did not get the
    /// defined outcome (or its connection was closed).
    Semantics,
    /// A client that stopped reading delayed a flood to the others.
    Stall,
}

impl Oracle {
    /// The name used in file names and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Alive => "alive",
            Self::Canary => "canary",
            Self::Decode => "decode",
            Self::Relay => "relay",
            Self::Echo => "echo",
            Self::Impostor => "impostor",
            Self::Leak => "leak",
            Self::Notice => "notice",
            Self::Semantics => "semantics",
            Self::Stall => "stall",
        }
    }

    /// What the oracle checks, in a sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Alive => {
                "the server keeps accepting connections and never drops a well-behaved client"
            }
            Self::Canary => {
                "a fresh pair of clients can authenticate and exchange a message within the step timeout"
            }
            Self::Decode => "every byte the server sends decodes with the project's decoder",
            Self::Relay => {
                "well-behaved clients are accepted and get every relayed message and file, in order, byte-identical"
            }
            Self::Echo => "a client never receives its own message",
            Self::Impostor => {
                "a chat under a client's name only ever carries what that client sent"
            }
            Self::Leak => "a connection that never authenticated receives no broadcast",
            Self::Notice => {
                "well-behaved clients are told, in the documented wording, when a well-behaved client connects, renames and leaves (by exit, close or reset)"
            }
            Self::Semantics => {
                "a client doing only what the reference semantics define (auth with or without an offset, refusals, a second auth, rename to the first word, malformed frames) gets the defined outcome and keeps its connection"
            }
            Self::Stall => {
                "a client that stops reading never delays the others: a multi-megabyte flood still reaches a reading client within the step timeout"
            }
        }
    }
}

impl fmt::Display for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The outcome of one session as the fuzzer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Every oracle held.
    Clean,
    /// An attacker's own step failed; the oracles after it were not checked. Not a finding.
    AttackerOnly,
    /// An oracle failed.
    Found(Oracle, Box<Failure>),
    /// The session could not run (cannot connect at all, cannot start the server).
    Error(String),
}

/// The step that failed, typed: `None` for the end-of-scenario check, which is no step.
struct FailedStep<'a> {
    action: Option<&'a Action>,
    expect: Option<&'a Expect>,
}

impl FailedStep<'_> {
    /// Whether any alternative of the failed expectation matches `pattern`.
    fn wants(&self, pattern: fn(&Expectation) -> bool) -> bool {
        self.expect
            .is_some_and(|e| e.alternatives.iter().flatten().any(pattern))
    }

    fn never(&self) -> bool {
        self.expect.is_some_and(|e| e.never)
    }

    fn eventually(&self) -> bool {
        self.expect.is_some_and(|e| e.eventually)
    }

    /// The sender its chat or file expectation names.
    fn sender(&self) -> Option<&str> {
        self.action.and_then(expected_sender)
    }
}

/// Attributes a run of `scenario` to an oracle, by the failing step (typed, looked up in
/// `scenario`) and the role of its client. A failing client that had received bytes the
/// decoder rejected is a decode failure, whichever of its steps noticed first.
pub fn judge(scenario: &Scenario, run: &FinishedRun) -> Judgement {
    let failure = match &run.verdict {
        Verdict::Pass => return Judgement::Clean,
        Verdict::Error(e) => return Judgement::Error(e.clone()),
        Verdict::Fail(f) => f,
    };
    let client = failure.client.as_deref().unwrap_or("");
    let role = Role::of(client);
    let action = scenario
        .steps
        .iter()
        .find(|s| s.line == failure.line && s.source == failure.step)
        .map(|s| &s.action);
    let step = FailedStep {
        action,
        expect: match action {
            Some(Action::Expect(e)) => Some(e),
            _ => None,
        },
    };
    let never_malformed = step.never() && step.wants(|x| matches!(x, Expectation::Malformed));
    let oracle = if role == Role::Canary {
        if matches!(action, Some(Action::Connect(_))) {
            Oracle::Alive
        } else if never_malformed {
            Oracle::Decode
        } else {
            Oracle::Canary
        }
    } else if never_malformed || is_malformed(failure) || garbled(run, client) {
        Oracle::Decode
    } else if run.still_accepting == Some(false)
        || run.server_exit.is_some()
        || everyone_cut_off(run)
        || (matches!(role, Role::Bystander | Role::Witness) && cut_off(run, client))
    {
        // The server no longer accepts connections (checked by the runner after a closed
        // connection), exited, closed a bystander or the witness, which never gives it
        // cause, or every connection at once: it is gone, whichever client noticed first.
        Oracle::Alive
    } else if role == Role::Slow || action.is_some_and(floods) {
        Oracle::Stall
    } else {
        match role {
            Role::Probe => Oracle::Semantics,
            Role::Witness => witness_oracle(&step),
            Role::Attacker if step.never() => Oracle::Leak,
            Role::Attacker => return Judgement::AttackerOnly,
            _ => bystander_oracle(&step, failure, client),
        }
    };
    Judgement::Found(oracle, failure.clone())
}

/// What a failed check of the witness's means.
fn witness_oracle(step: &FailedStep) -> Oracle {
    let from_bystander = step.sender().map(Role::of) == Some(Role::Bystander);
    if step.wants(is_upload_notice) {
        // An upload's notice follows its relay: a damaged relay swallows it.
        Oracle::Relay
    } else if step.eventually()
        && step.wants(|x| matches!(x, Expectation::Frame(FrameMatch::Notice(_))))
    {
        Oracle::Notice
    } else if step.wants(|x| matches!(x, Expectation::Frame(FrameMatch::AuthOk(_))))
        || (step.eventually()
            && step.wants(|x| matches!(x, Expectation::Frame(FrameMatch::File(_)))))
        || (step.eventually()
            && step.wants(|x| matches!(x, Expectation::Frame(FrameMatch::Chat { .. })))
            && from_bystander)
    {
        Oracle::Relay
    } else {
        // The probe's relays and the chat that checks its offset.
        Oracle::Semantics
    }
}

/// What a failed check of a bystander's means.
fn bystander_oracle(step: &FailedStep, failure: &Failure, client: &str) -> Oracle {
    let chat_or_file = |x: &Expectation| {
        matches!(
            x,
            Expectation::Frame(FrameMatch::Chat { .. } | FrameMatch::File(_))
        )
    };
    if step.never() && step.wants(chat_or_file) {
        // `bN< never chat from bN *` and `bN< never file from bN *` are the echo checks; the
        // other bystander's name is the impostor check.
        if step.sender() == Some(client) {
            Oracle::Echo
        } else {
            Oracle::Impostor
        }
    } else if step.wants(|x| matches!(x, Expectation::Frame(FrameMatch::AuthOk(_))))
        && failure
            .deviation
            .as_ref()
            .is_some_and(|d| matches!(d.received, Got::Notice | Got::Chat))
    {
        // A bystander got a broadcast before its own auth was accepted.
        Oracle::Leak
    } else {
        Oracle::Relay
    }
}

/// Whether a step belongs to the stall layer: the flood's send, or the check of its last
/// message.
fn floods(action: &Action) -> bool {
    let flood_text = |t: &str| t.starts_with(FLOOD);
    match action {
        Action::Send(s) => s
            .parts
            .iter()
            .any(|p| matches!(p, Part::Frame(ClientFrame::Text(t)) if flood_text(t))),
        Action::Expect(e) => e.alternatives.iter().flatten().any(|x| {
            matches!(x, Expectation::Frame(FrameMatch::Chat { message: TextMatch::Exact(m), .. }) if flood_text(m))
        }),
        _ => false,
    }
}

/// Whether an expectation is the notice of an upload (`… uploaded file …`).
fn is_upload_notice(x: &Expectation) -> bool {
    matches!(x, Expectation::Frame(FrameMatch::Notice(TextMatch::Exact(t))) if t.contains(" uploaded file "))
}

/// Whether every connection still open (not closed, reset or half-closed by its own client)
/// was closed by the server, and at least two of them were not attackers'.
fn everyone_cut_off(run: &FinishedRun) -> bool {
    let open: Vec<&(String, Vec<String>)> = run
        .transcripts
        .iter()
        .filter(|(_, lines)| {
            !lines.iter().any(|l| {
                l.starts_with("> close")
                    || l.starts_with("> reset")
                    || l.starts_with("> half-close")
            })
        })
        .collect();
    open.iter()
        .filter(|(name, _)| Role::of(name) != Role::Attacker)
        .count()
        >= 2
        && open.iter().all(|(name, _)| cut_off(run, name))
}

fn cut_off(run: &FinishedRun, client: &str) -> bool {
    run.transcripts.iter().any(|(name, lines)| {
        name == client
            && lines
                .iter()
                .any(|l| l.starts_with("< connection closed by the server"))
    })
}

fn garbled(run: &FinishedRun, client: &str) -> bool {
    run.transcripts.iter().any(|(name, lines)| {
        name == client && lines.iter().any(|l| l.contains("undecodable frame"))
    })
}

fn is_malformed(failure: &Failure) -> bool {
    failure
        .deviation
        .as_ref()
        .is_some_and(|d| d.received == Got::Malformed)
}

/// A one-line account of a failure, for reports and reproducer comments.
pub fn observed(failure: &Failure) -> String {
    let mut s = format!("`{}`: {}", failure.step, failure.reason);
    if let Some(actual) = &failure.actual {
        s.push_str("; got ");
        s.push_str(actual);
    }
    if let Some(skipped) = &failure.skipped {
        s.push_str("; ");
        s.push_str(&skipped.summary());
    }
    s.replace(['\n', '\r'], " ")
}
