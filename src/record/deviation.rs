//! The typed shape of a failed expectation: which kind of thing was expected and which kind
//! arrived (to group failures that share one first deviation), and what an `eventually` step
//! skipped before it gave up (so a report never says "nothing" when frames did arrive).

use super::fail_kind::FailKind;
use super::received::Incoming;
use crate::language::model::{Expectation, FrameMatch};
use crate::protocol::ServerFrame;

/// The kind of thing an expectation step waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wanted {
    /// `0x00` auth accepted.
    AuthOk,
    /// `0x04` rename accepted.
    Renamed,
    /// A timed chat line.
    Chat,
    /// A timed notice.
    Notice,
    /// An untimed reply.
    Reply,
    /// Any `0x03`.
    Text,
    /// A relayed file.
    File,
    /// The connection's end.
    Closed,
    /// Quiet for a while.
    Nothing,
    /// Undecodable bytes.
    Malformed,
    /// That something never arrives.
    Absence,
    /// A client program's `0x00` auth (client scenarios).
    ClientAuth,
    /// A client program's `0x01` exit.
    ClientExit,
    /// A client program's `0x02` file and its body.
    ClientFile,
    /// A client program's `0x03` text.
    ClientText,
    /// A client program's `0x04` rename.
    ClientRename,
    /// A line of the client program's output that matches.
    Output,
    /// A connection from the client program.
    Connection,
    /// A file the client program saved.
    Saved,
    /// The client program's end.
    Exit,
    /// The client program still running.
    Running,
}

impl Wanted {
    /// The kind of `expected`.
    pub fn of(expected: &Expectation) -> Self {
        match expected {
            Expectation::Frame(FrameMatch::AuthOk(_)) => Self::AuthOk,
            Expectation::Frame(FrameMatch::Renamed(_)) => Self::Renamed,
            Expectation::Frame(FrameMatch::Chat { .. }) => Self::Chat,
            Expectation::Frame(FrameMatch::Notice(_)) => Self::Notice,
            Expectation::Frame(FrameMatch::Reply(_)) => Self::Reply,
            Expectation::Frame(FrameMatch::Text(_)) => Self::Text,
            Expectation::Frame(FrameMatch::File(_)) => Self::File,
            Expectation::Closed => Self::Closed,
            Expectation::Nothing(_) => Self::Nothing,
            Expectation::Malformed => Self::Malformed,
        }
    }

    /// Its name in reports, with the frame type where there is one.
    pub fn name(self) -> &'static str {
        match self {
            Self::AuthOk => "0x00 auth-ok",
            Self::Renamed => "0x04 renamed",
            Self::Chat => "0x03 chat",
            Self::Notice => "0x03 notice",
            Self::Reply => "0x03 reply",
            Self::Text => "0x03 text",
            Self::File => "0x02 file",
            Self::Closed => "the connection closed",
            Self::Nothing => "nothing",
            Self::Malformed => "an undecodable frame",
            Self::Absence => "something never to arrive",
            Self::ClientAuth => "the client's 0x00 auth",
            Self::ClientExit => "the client's 0x01 exit",
            Self::ClientFile => "the client's 0x02 file",
            Self::ClientText => "the client's 0x03 text",
            Self::ClientRename => "the client's 0x04 rename",
            Self::Output => "a matching line of output",
            Self::Connection => "a connection from the client",
            Self::Saved => "a saved file",
            Self::Exit => "the client to exit",
            Self::Running => "the client still running",
        }
    }
}

/// The kind of thing that arrived instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Got {
    /// `0x00` auth accepted.
    AuthOk,
    /// `0x04` rename accepted.
    Renamed,
    /// A timed chat line.
    Chat,
    /// A timed notice.
    Notice,
    /// An untimed reply.
    Reply,
    /// A file header (and body).
    File,
    /// Undecodable bytes.
    Malformed,
    /// An unfinished frame or file body.
    Partial,
    /// The connection's end.
    Closed,
    /// Nothing (whole) arrived in time.
    Nothing,
    /// A client program's `0x00` auth (client scenarios).
    ClientAuth,
    /// A client program's `0x01` exit.
    ClientExit,
    /// A client program's `0x02` file (and body).
    ClientFile,
    /// A client program's `0x03` text.
    ClientText,
    /// A client program's `0x04` rename.
    ClientRename,
    /// A line of the client program's output.
    Output,
    /// The client program still running.
    StillRunning,
    /// The client program's end.
    Exited,
    /// Another exit status than the one expected.
    ExitStatus,
    /// No file where one was expected.
    NoFile,
    /// A file that differs from the one expected.
    WrongFile,
}

impl Got {
    /// The kind of `incoming`.
    pub fn of(incoming: &Incoming) -> Self {
        match incoming {
            Incoming::Frame(ServerFrame::AuthOk(_)) => Self::AuthOk,
            Incoming::Frame(ServerFrame::Renamed(_)) => Self::Renamed,
            Incoming::Frame(ServerFrame::Text(t)) => match (t.time, t.chat_line()) {
                (None, _) => Self::Reply,
                (Some(_), Some(_)) => Self::Chat,
                (Some(_), None) => Self::Notice,
            },
            Incoming::Frame(ServerFrame::File(_)) | Incoming::File { .. } => Self::File,
            Incoming::Malformed(_) => Self::Malformed,
            Incoming::Partial(_) => Self::Partial,
            Incoming::Closed { .. } => Self::Closed,
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::AuthOk => "0x00 auth-ok",
            Self::Renamed => "0x04 renamed",
            Self::Chat => "0x03 chat",
            Self::Notice => "0x03 notice",
            Self::Reply => "0x03 reply",
            Self::File => "0x02 file",
            Self::Malformed => "an undecodable frame",
            Self::Partial => "an unfinished frame",
            Self::Closed => "the connection closed",
            Self::Nothing => "nothing",
            Self::ClientAuth => "the client's 0x00 auth",
            Self::ClientExit => "the client's 0x01 exit",
            Self::ClientFile => "the client's 0x02 file",
            Self::ClientText => "the client's 0x03 text",
            Self::ClientRename => "the client's 0x04 rename",
            Self::Output => "a line of output",
            Self::StillRunning => "the client still running",
            Self::Exited => "the client's exit",
            Self::ExitStatus => "another exit status",
            Self::NoFile => "no such file",
            Self::WrongFile => "a file that differs",
        }
    }
}

/// A failed expectation's shape: the key that groups failures sharing one cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Deviation {
    /// The step's kind of failure.
    pub kind: FailKind,
    /// What it waited for.
    pub expected: Wanted,
    /// What came instead.
    pub received: Got,
}

impl Deviation {
    /// "expected 0x00 auth-ok, got 0x03 notice".
    pub fn describe(&self) -> String {
        format!(
            "expected {}, got {}",
            self.expected.name(),
            self.received.name()
        )
    }
}

/// What a step passed over without matching before it failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Frames (and files) passed over.
    pub frames: usize,
    /// Their bytes on the wire, file bodies included.
    pub bytes: u64,
    /// Whether the server closed the connection among them.
    pub closed: bool,
}

impl Skipped {
    /// Counts one arrival passed over.
    pub fn add(&mut self, incoming: &Incoming) {
        match incoming {
            Incoming::Closed { .. } => self.closed = true,
            Incoming::File { body, .. } => {
                self.frames += 1;
                let header = incoming.wire_bytes().map_or(0, |b| b.len() as u64);
                self.bytes += header + body.len;
            }
            Incoming::Partial(super::Partial::Body { received, .. }) => {
                self.frames += 1;
                let header = incoming.wire_bytes().map_or(0, |b| b.len() as u64);
                self.bytes += header + received;
            }
            Incoming::Partial(super::Partial::Frame { received, .. }) => {
                self.frames += 1;
                self.bytes += *received as u64;
            }
            other => {
                self.frames += 1;
                self.bytes += other.wire_bytes().map_or(0, |b| b.len() as u64);
            }
        }
    }

    /// Whether anything was passed over.
    pub fn any(&self) -> bool {
        self.frames > 0 || self.closed
    }

    /// "skipped 420 frames, 21.6 MB; the connection was never closed".
    pub fn summary(&self) -> String {
        let plural = if self.frames == 1 { "" } else { "s" };
        let end = if self.closed {
            "the server closed the connection"
        } else {
            "the connection was never closed"
        };
        format!(
            "skipped {} frame{plural}, {}; {end}",
            self.frames,
            amount(self.bytes)
        )
    }
}

/// `21_600_000` as `21.6 MB` (decimal units), small counts in bytes.
pub fn amount(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    let plural = if bytes == 1 { "" } else { "s" };
    format!("{bytes} byte{plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_frames_are_counted_in_words_with_their_size() {
        let skipped = Skipped {
            frames: 420,
            bytes: 21_600_000,
            closed: false,
        };
        assert_eq!(
            skipped.summary(),
            "skipped 420 frames, 21.6 MB; the connection was never closed"
        );
        assert_eq!(amount(1), "1 byte");
        assert_eq!(amount(999), "999 bytes");
        assert_eq!(amount(1_500), "1.5 kB");
    }
}
