//! The typed shape of a client-seat failure: what kind of thing the failing step waited for
//! (from its statement) and what kind came instead (from the arrival), the key that groups
//! client and interop failures sharing one cause exactly as a server run's are grouped
//! ([`crate::scenario::shared_cause`]). Words for them live in the record, not here.

use super::peer::Arrival;
use crate::language::client_script::{
    ClientExpectation, ClientFrameMatch, OutputMatch, SeatAction,
};
use crate::protocol::ClientFrame;
use crate::record::{Deviation, FailKind, Got, Wanted};

impl Arrival {
    /// The kind of this arrival.
    pub fn got(&self) -> Got {
        match self {
            Self::Frame(ClientFrame::Auth { .. }) => Got::ClientAuth,
            Self::Frame(ClientFrame::Exit(_)) => Got::ClientExit,
            Self::Frame(ClientFrame::File(_)) | Self::File { .. } => Got::ClientFile,
            Self::Frame(ClientFrame::Text(_)) => Got::ClientText,
            Self::Frame(ClientFrame::Rename(_)) => Got::ClientRename,
            Self::Malformed(_) => Got::Malformed,
            Self::Closed { .. } => Got::Closed,
        }
    }
}

/// The kind of thing `expected` waits for.
fn expectation(expected: &ClientExpectation) -> Wanted {
    match expected {
        ClientExpectation::Frame(ClientFrameMatch::Auth(_)) => Wanted::ClientAuth,
        ClientExpectation::Frame(ClientFrameMatch::Exit(_)) => Wanted::ClientExit,
        ClientExpectation::Frame(ClientFrameMatch::File(_)) => Wanted::ClientFile,
        ClientExpectation::Frame(ClientFrameMatch::Text(_)) => Wanted::ClientText,
        ClientExpectation::Frame(ClientFrameMatch::Rename(_)) => Wanted::ClientRename,
        ClientExpectation::Closed => Wanted::Closed,
        ClientExpectation::Nothing(_) => Wanted::Nothing,
        ClientExpectation::Malformed => Wanted::Malformed,
    }
}

/// What a step waits for; `None` for steps that wait for nothing of the client's (a send, a
/// check of the working directory).
fn wanted(action: &SeatAction) -> Option<Wanted> {
    match action {
        SeatAction::Receive(expect) => expect.alternatives.first().map(expectation),
        SeatAction::Output(expect) => Some(match expect.kind {
            OutputMatch::Line(_) => Wanted::Output,
            OutputMatch::Nothing(_) => Wanted::Nothing,
            OutputMatch::Never(_) => Wanted::Absence,
        }),
        SeatAction::Accept(_) => Some(Wanted::Connection),
        SeatAction::Saved(_) => Some(Wanted::Saved),
        SeatAction::Exits { .. } => Some(Wanted::Exit),
        SeatAction::Runs(_) => Some(Wanted::Running),
        _ => None,
    }
}

/// The deviation of a failed step: its own `wanted` (else the statement's) against `got`
/// (else what the failure's kind says came: nothing for a timeout, the close for a close).
pub(super) fn deviation(
    action: &SeatAction,
    kind: FailKind,
    wanted_instead: Option<Wanted>,
    got: Option<Got>,
) -> Option<Deviation> {
    let received = got.or(match kind {
        FailKind::Timeout => Some(Got::Nothing),
        FailKind::Closed => Some(Got::Closed),
        FailKind::Mismatch | FailKind::Wording => None,
    })?;
    Some(Deviation {
        kind,
        expected: wanted_instead.or_else(|| wanted(action))?,
        received,
    })
}
