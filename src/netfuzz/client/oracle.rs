//! The oracles of the client fuzzer: what a client program must do whatever a server sends.
//! Each generated statement that checks something carries the oracle it serves, so a failing
//! step names the oracle that failed.

use std::fmt;

/// A property every client must keep, whatever its server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientOracle {
    /// The program is still running while the connection is open.
    Crash,
    /// It still reacts to its stdin and to the server after hostile traffic.
    Alive,
    /// Every chat line, notice and reply it was sent shows on its stdout.
    Shown,
    /// Every frame it sends is well formed and is what its user typed.
    Frame,
    /// It writes nothing outside its working directory.
    Outside,
    /// It never replaces a file it did not create.
    Kept,
    /// Every complete file it was sent is saved byte-identical.
    Saved,
    /// It ends when told to and when the server goes away.
    Ends,
}

impl ClientOracle {
    /// Every oracle, in the order they are listed.
    pub const ALL: [ClientOracle; 8] = [
        Self::Crash,
        Self::Alive,
        Self::Shown,
        Self::Frame,
        Self::Outside,
        Self::Kept,
        Self::Saved,
        Self::Ends,
    ];

    /// The short name used in file names and summaries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Crash => "crash",
            Self::Alive => "alive",
            Self::Shown => "shown",
            Self::Frame => "frame",
            Self::Outside => "outside",
            Self::Kept => "kept",
            Self::Saved => "saved",
            Self::Ends => "ends",
        }
    }

    /// What the oracle requires, in one sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Crash => "the client does not exit while its server is still talking to it",
            Self::Alive => {
                "the client still reacts to its stdin and to the server after hostile traffic"
            }
            Self::Shown => {
                "every chat line, notice and reply the client was sent shows on its stdout"
            }
            Self::Frame => "every frame the client sends is well formed and is what its user typed",
            Self::Outside => "the client writes nothing outside its working directory",
            Self::Kept => "the client never replaces a file it did not create",
            Self::Saved => "every complete file the client was sent is saved byte-identical",
            Self::Ends => "the client ends when told to and when the server goes away",
        }
    }
}

impl fmt::Display for ClientOracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
