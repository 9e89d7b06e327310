//! A scenario client's transcript: its lines in order, each also a typed entry of the run's
//! shared timeline.

use std::sync::{Arc, Mutex};

use super::timeline::{Act, EntryKind, Pushed, SentFrame, Timeline};

/// A client's transcript: one line per frame sent or received, in order; when the client
/// belongs to a scenario run, each line also goes to the run's shared [`Timeline`], typed.
#[derive(Clone, Default)]
pub struct Transcript {
    lines: Arc<Mutex<Vec<String>>>,
    timeline: Option<(Arc<str>, Timeline)>,
}

impl Transcript {
    /// A transcript for `client` whose lines also go to `timeline`.
    pub fn on(client: &str, timeline: &Timeline) -> Self {
        Self {
            lines: Arc::default(),
            timeline: Some((Arc::from(client), timeline.clone())),
        }
    }

    /// A copy of the lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Appends a line, and a typed entry to the timeline.
    pub fn record(&self, kind: EntryKind, bytes: u64, line: String) -> Pushed {
        self.record_message(kind, bytes, line, None)
    }

    /// Appends a line, and a typed entry with a received chat message to the timeline.
    pub(crate) fn record_message(
        &self,
        kind: EntryKind,
        bytes: u64,
        line: String,
        message: Option<String>,
    ) -> Pushed {
        let pushed = match &self.timeline {
            Some((client, timeline)) => timeline.push(client, kind, bytes, &line, message),
            None => Pushed::default(),
        };
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(line);
        }
        pushed
    }

    /// Records that `members` went out together, `bytes` bytes in `writes` writes.
    pub fn group(&self, members: &[SentFrame], bytes: u64, writes: usize) {
        if let Some((client, timeline)) = &self.timeline {
            timeline.group(client, members, bytes, writes);
        }
    }
}

/// Appends a line about a client action to a transcript.
pub fn note(transcript: &Transcript, line: String) {
    note_act(transcript, Act::Other, line);
}

/// Appends a line about a typed client action to a transcript.
pub fn note_act(transcript: &Transcript, act: Act, line: String) {
    transcript.record(EntryKind::Event { act }, 0, line);
}
