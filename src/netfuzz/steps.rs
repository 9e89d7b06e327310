//! Builders of the steps that sessions are made of, and what a step is about (its client,
//! the sender an expectation names), for every part of the fuzzer that writes or reads
//! sessions.

use std::time::Duration;

use crate::language::model::{
    Action, Chunking, Expect, Expectation, FrameMatch, Part, Send, Step, TextMatch,
};
use crate::language::writer;

/// Bystander messages start with this, which attackers' texts never do: a chat "from" a
/// bystander that does not start with it came from someone else.
pub const MARK: char = '~';
/// The pause the fuzzer puts between two clients' actions, and before the `never` checks.
pub const SETTLE: Duration = Duration::from_millis(20);
/// How long each `never` check of a saved reproducer keeps watching (a replay on a slower
/// machine still sees late arrivals).
pub const NEVER_WATCH: Duration = Duration::from_millis(150);

/// A step as the parser would give it (no line: it was generated).
pub fn step(action: Action) -> Step {
    Step {
        line: 0,
        source: writer::action(&action),
        iteration: None,
        action,
    }
}

/// An expectation step with one alternative per expectation.
pub fn expect(
    client: &str,
    alternatives: Vec<Expectation>,
    eventually: bool,
    never: bool,
) -> Action {
    Action::Expect(Expect {
        client: client.to_owned(),
        alternatives: alternatives.into_iter().map(|e| vec![e]).collect(),
        eventually,
        never,
        strict_wording: false,
        timeout: None,
    })
}

/// A frame expectation.
pub fn frame(pattern: FrameMatch) -> Expectation {
    Expectation::Frame(pattern)
}

/// A send step.
pub fn send(client: &str, parts: Vec<Part>, chunking: Option<Chunking>) -> Action {
    Action::Send(Send {
        client: client.to_owned(),
        parts,
        chunking: chunking.unwrap_or_default(),
        timeout: None,
    })
}

/// The client a step belongs to (none for a pause).
pub fn client_of(action: &Action) -> Option<&str> {
    match action {
        Action::Connect(n)
        | Action::Close(n)
        | Action::Reset(n)
        | Action::HalfClose(n)
        | Action::Reading(n, _)
        | Action::IgnoreNotices(n, _)
        | Action::ReadSlowly { client: n, .. }
        | Action::PauseReading(n, _) => Some(n),
        Action::Send(s) => Some(&s.client),
        Action::Expect(e) => Some(&e.client),
        Action::Pause(_) => None,
    }
}

/// The sender an expectation's chat or file names exactly (`chat from SENDER`, `file from
/// SENDER`), if it names one.
pub fn expected_sender(action: &Action) -> Option<&str> {
    let Action::Expect(e) = action else {
        return None;
    };
    e.alternatives.iter().flatten().find_map(|x| match x {
        Expectation::Frame(FrameMatch::Chat {
            sender: TextMatch::Exact(s),
            ..
        }) => Some(s.as_str()),
        Expectation::Frame(FrameMatch::File(f)) => match &f.sender {
            TextMatch::Exact(s) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    })
}
