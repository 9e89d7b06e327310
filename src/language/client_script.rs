//! The parsed form of a client scenario (`tests: client`): what the harness, in the server's
//! seat, does and expects, step by step. Produced by `parse`, executed by `runner`; no I/O.

use std::path::PathBuf;
use std::time::Duration;

use crate::language::model::{BodySource, CaptionMatch, Chunking, TextMatch};
use crate::protocol::{HhMm, ServerFrame};

/// Everything a client scenario adds to the common header.
#[derive(Debug, Clone, Default)]
pub struct ClientScript {
    /// `tests: interop`: the client talks to a real server (the one under test, or the
    /// built-in one) instead of the harness, and peer clients of the server language
    /// (`connect bob`, `bob> ...`, `bob< ...`) are the other side.
    pub interop: bool,
    /// The client's UTC offset in seconds (`timezone:`); its `TZ` says so. UTC when unset.
    pub utc_offset: i32,
    /// The `files/` folders beside the scenario and above it, nearest first: their files are
    /// copied into the client's `files/` (a nearer folder's file wins a name clash).
    pub sample_files: Vec<PathBuf>,
    /// The steps, `repeat` blocks unrolled.
    pub steps: Vec<SeatStep>,
}

/// One step of a client scenario, tied to its line.
#[derive(Debug, Clone)]
pub struct SeatStep {
    /// 1-based line of the statement.
    pub line: usize,
    /// The statement as written, for reports.
    pub source: String,
    /// The iteration of the innermost `repeat`, 1-based.
    pub iteration: Option<u32>,
    /// What to do.
    pub action: SeatAction,
}

/// What a client-scenario step does.
#[derive(Debug, Clone)]
pub enum SeatAction {
    /// `user> "line"`: type a line (a newline is added) into the client's stdin.
    Type(String),
    /// `close stdin`: end the client's input.
    CloseStdin,
    /// `user< ...`: expect output on the client's stdout.
    Output(OutputExpect),
    /// `server> ...`: send bytes to the client on the current connection.
    Send(ServerSend),
    /// `server< ...`: expect something from the client on the current connection.
    Receive(ClientExpect),
    /// `accept`: wait for the client to open another connection and make it current.
    Accept(Option<Duration>),
    /// `close connection`: close the current connection (FIN).
    CloseConnection,
    /// `reset connection`: close the current connection with a reset (RST).
    ResetConnection,
    /// `saved "GLOB" ...`: a file the client wrote in its working directory.
    Saved(SavedFile),
    /// `saved nothing outside`: nothing appeared beside the client's working directory.
    NothingOutside,
    /// `saved nothing over samples`: every file that was in the working directory before
    /// the client started is still there, unchanged (a client never replaces a file it did
    /// not create).
    SamplesKept,
    /// `client exits [status N] [within D]`.
    Exits {
        /// The exit status required, if any.
        status: Option<i32>,
        /// How long to wait.
        within: Option<Duration>,
    },
    /// `client runs [for D]`: the program is still running (after D).
    Runs(Option<Duration>),
    /// `pause D`.
    Pause(Duration),
    /// A statement of the server language for a peer client (interop scenarios only).
    Peer(crate::language::model::Action),
}

/// An expectation on the client's stdout lines (escapes stripped).
#[derive(Debug, Clone)]
pub struct OutputExpect {
    /// What to look for.
    pub kind: OutputMatch,
    /// How long to wait (or to watch, for `nothing` and `never`).
    pub within: Option<Duration>,
}

/// What an output expectation looks for.
#[derive(Debug, Clone)]
pub enum OutputMatch {
    /// A line containing the text (a string), matching the regex, or any line (`*`).
    Line(LineMatch),
    /// No new line for this long.
    Nothing(Duration),
    /// No line so far, nor during the watch, matches.
    Never(LineMatch),
}

/// A pattern over one line of output.
#[derive(Debug, Clone)]
pub struct LineMatch(pub TextMatch);

impl LineMatch {
    /// A string is looked for anywhere in the line; a regex searches it; `*` takes any line.
    pub fn matches(&self, line: &str) -> bool {
        match &self.0 {
            TextMatch::Exact(text) => line.contains(text.as_str()),
            other => other.matches(line),
        }
    }
}

/// Bytes the harness writes as the server.
#[derive(Debug, Clone)]
pub struct ServerSend {
    /// The pieces, in order (joined by `;` into one stream).
    pub parts: Vec<ServerPart>,
    /// How to cut them into writes.
    pub chunking: Chunking,
    /// How long the client may take to accept the bytes (`within`; default the step timeout
    /// plus the pauses).
    pub within: Option<Duration>,
}

/// One piece of a server send.
#[derive(Debug, Clone)]
pub enum ServerPart {
    /// A frame encoded by the codec. `time: None` in a timed frame means "now, in the
    /// client's offset", filled in when it is sent.
    Frame(TimedFrame),
    /// Raw bytes as written.
    Raw(Vec<u8>),
    /// Raw body bytes.
    Body(BodySource),
}

/// A server frame whose time prefix may be left to the moment of sending.
#[derive(Debug, Clone)]
pub struct TimedFrame {
    /// The frame; its time prefix is replaced when `at` is `None` and the frame is timed.
    pub frame: ServerFrame,
    /// A fixed time (`at HH:MM`), or `None` for the clock in the client's offset.
    pub at: Option<HhMm>,
    /// Whether the frame carries a time prefix at all.
    pub timed: bool,
}

/// An expectation on what the client sends.
#[derive(Debug, Clone)]
pub struct ClientExpect {
    /// Acceptable outcomes (`or`).
    pub alternatives: Vec<ClientExpectation>,
    /// Skip (and consume) arrivals that do not match (`eventually`).
    pub eventually: bool,
    /// How long to wait.
    pub within: Option<Duration>,
}

/// One expected event from the client.
#[derive(Debug, Clone)]
pub enum ClientExpectation {
    /// A frame matching this pattern.
    Frame(ClientFrameMatch),
    /// The client closed the connection.
    Closed,
    /// Nothing arrives for this long.
    Nothing(Duration),
    /// Bytes that do not decode as a client frame.
    Malformed,
}

/// A pattern over one client frame.
#[derive(Debug, Clone)]
pub enum ClientFrameMatch {
    /// `0x00`, matched against the payload (`name` or `name offset`).
    Auth(TextMatch),
    /// `0x01`, matched against the payload.
    Exit(TextMatch),
    /// `0x03`, matched against the message.
    Text(TextMatch),
    /// `0x04`: the new name (the first word after an optional `>>chname<<`).
    Rename(TextMatch),
    /// `0x02` and exactly `size` body bytes.
    File(UploadMatch),
}

/// A pattern over an uploaded file.
#[derive(Debug, Clone)]
pub struct UploadMatch {
    /// The filename.
    pub name: TextMatch,
    /// The caption; `None` accepts any caption or none.
    pub caption: Option<CaptionMatch>,
    /// The announced size.
    pub size: Option<u64>,
    /// The expected body.
    pub body: Option<BodySource>,
}

/// A file the client must have written.
#[derive(Debug, Clone)]
pub struct SavedFile {
    /// A glob relative to the working directory (`*` and `?` stay within one path segment).
    pub glob: String,
    /// Its content, when checked.
    pub body: Option<BodySource>,
    /// Its size, when checked.
    pub size: Option<u64>,
    /// How long the file may take to appear complete.
    pub within: Option<Duration>,
}
