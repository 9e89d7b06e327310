//! What the client shows: one [`Report`] per event, rendered as a human line or a JSON object,
//! and the [`Printer`] that prints them without garbling the line being typed.

use std::sync::Mutex;

use serde::Serialize;

/// One thing worth telling the user, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Report {
    /// The server accepted our name.
    AuthOk {
        /// Our name.
        name: String,
        /// The server's greeting.
        text: String,
    },
    /// A reply addressed to us only (no time prefix): usually a refusal.
    Reply {
        /// The reply.
        text: String,
    },
    /// A timed text: a chat line `[sender] message` or a notice.
    Text {
        /// `HH:MM`, in our offset.
        time: String,
        /// The sender, for a chat line.
        sender: Option<String>,
        /// The message (for a chat line) or the whole notice.
        message: String,
    },
    /// The server accepted a rename.
    Renamed {
        /// Our new name.
        name: String,
        /// The server's words.
        text: String,
    },
    /// A file arrived and was saved.
    File {
        /// Who sent it.
        sender: String,
        /// The name the sender gave it.
        filename: String,
        /// The caption, if any.
        caption: Option<String>,
        /// Its size in bytes.
        size: u64,
        /// Where it was saved.
        path: String,
    },
    /// A frame from the server that did not decode.
    Malformed {
        /// What is wrong with it.
        error: String,
        /// Its bytes, in hex.
        hex: String,
    },
    /// Something the client itself did or noticed.
    Info {
        /// What.
        text: String,
    },
    /// Something went wrong locally (the session goes on).
    Error {
        /// What.
        text: String,
    },
    /// The server closed the connection.
    Closed,
}

impl Report {
    /// The report as one line for a person.
    pub fn human(&self) -> String {
        match self {
            Self::AuthOk { name, text } => format!("* logged in as {name}. {text}"),
            Self::Reply { text } => format!("! {text}"),
            Self::Text {
                time,
                sender: Some(sender),
                message,
            } => format!("<{time}> [{sender}] {message}"),
            Self::Text { time, message, .. } => format!("<{time}> {message}"),
            Self::Renamed { text, .. } => format!("* {text}"),
            Self::File {
                sender,
                filename,
                caption,
                size,
                path,
            } => {
                let caption = caption
                    .as_deref()
                    .map(|c| format!(" \"{c}\""))
                    .unwrap_or_default();
                format!("* file {filename}{caption} from {sender}: {size} bytes saved to {path}")
            }
            Self::Malformed { error, hex } => {
                format!("! malformed frame from the server ({error}): {hex}")
            }
            Self::Info { text } => format!("* {text}"),
            Self::Error { text } => format!("! {text}"),
            Self::Closed => "* the server closed the connection".to_owned(),
        }
    }

    /// The report as one JSON object.
    pub fn json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|e| format!("{{\"event\":\"error\",\"text\":\"{e}\"}}"))
    }
}

/// Where reports and prompts go.
pub struct Printer {
    json: bool,
    interactive: bool,
    sink: Mutex<Box<dyn FnMut(String) + Send>>,
}

impl Printer {
    /// Prints through `sink` (one call per line): as JSON objects when `json`, else as human
    /// lines. When not `interactive`, prompts go to stderr so stdout holds only events.
    pub fn new(json: bool, interactive: bool, sink: Box<dyn FnMut(String) + Send>) -> Self {
        Self {
            json,
            interactive,
            sink: Mutex::new(sink),
        }
    }

    /// Lines to stdout, for pipes and scripts.
    pub fn stdout(json: bool) -> Self {
        Self::new(json, false, Box::new(|line| println!("{line}")))
    }

    /// Shows one report.
    pub fn show(&self, report: &Report) {
        let line = if self.json {
            report.json()
        } else {
            report.human()
        };
        self.print(line);
    }

    /// Whether a line editor owns the terminal (reports print above the line being typed).
    pub fn is_line_editor(&self) -> bool {
        self.interactive
    }

    /// Asks the user for something.
    pub fn prompt(&self, text: &str) {
        if self.interactive {
            self.print(text.to_owned());
        } else {
            eprintln!("{text}");
        }
    }

    fn print(&self, line: String) {
        // A poisoned lock only means another printer panicked; printing is still fine.
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        sink(line);
    }
}

/// Bytes as space-separated hex pairs, for showing frames that did not decode.
pub fn hex(bytes: &[u8]) -> String {
    pretty_hex::simple_hex(&bytes)
}
