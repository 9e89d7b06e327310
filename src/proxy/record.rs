//! `proxy --record FILE.chat`: the proxy's events turned into a scenario that replays the
//! session. Each connection becomes a client named after its auth; the reads it sent become
//! sends (frames of one read in one write, pauses kept when longer than a threshold); what the
//! server sent becomes expectations (timed texts as `chat from`/`notice`, whose time prefix
//! the runner checks as a pattern); file bodies are saved in a `files/` folder beside the
//! scenario and named in the steps. The scenario is built as the model and written by the
//! scenario writer, so it reads back through the one parser.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;

use super::event::{Direction, Event, EventKind};
use super::watch::{AnyFrame, Seen};
use crate::language::model::{
    Action, BodySource, CaptionMatch, Chunking, Expect, Expectation, FileMatch, FrameMatch, Part,
    Send, Step, TextMatch,
};
use crate::language::scenario::Scenario;
use crate::language::writer;
use crate::protocol::{ClientFrame, ServerFileHeader, ServerFrame};

/// Gaps between a client's send and the event before it longer than this are kept as pauses.
pub const PAUSE_THRESHOLD: Duration = Duration::from_millis(500);

/// A step whose client is still a connection number (names are known at the end).
#[derive(Debug)]
enum Rec {
    Connect(u64),
    Pause(Duration),
    Send(u64, Vec<Part>),
    Expect(u64, Expectation),
    Close(u64),
    Reset(u64),
}

#[derive(Debug, Default)]
struct Conn {
    name: Option<String>,
    /// Frames of the current segment still to come into the open send.
    group_left: usize,
    /// The send (index into the steps) that later frames of this segment or a body join.
    open_send: Option<usize>,
    /// A relayed file header waiting for its body: the expectation step to complete.
    server_file: Option<(usize, ServerFileHeader)>,
    client_closed: bool,
    server_closed: bool,
}

/// Builds a scenario from proxy events, saving file bodies as they complete.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    files_dir: PathBuf,
    steps: Vec<Rec>,
    conns: BTreeMap<u64, Conn>,
    last_at: Option<Duration>,
    saved: usize,
}

impl Recorder {
    /// A recorder for the scenario at `path`; bodies go to `files/` beside it.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        Self {
            files_dir: dir.join("files"),
            path,
            steps: Vec::new(),
            conns: BTreeMap::new(),
            last_at: None,
            saved: 0,
        }
    }

    /// Takes one event in. Fails only when a file body cannot be saved.
    pub fn add(&mut self, event: &Event) -> io::Result<()> {
        let id = event.conn;
        match &event.kind {
            EventKind::Opened { .. } => {
                self.conns.insert(id, Conn::default());
                self.steps.push(Rec::Connect(id));
            }
            EventKind::Segment {
                dir: Direction::ToServer,
                frames,
                ..
            } => {
                self.pause_before(event.since_start);
                let conn = self.conns.entry(id).or_default();
                conn.group_left = *frames;
                conn.open_send = None;
            }
            EventKind::Seen {
                dir: Direction::ToServer,
                seen,
            } => self.client_sent(id, event.since_start, seen)?,
            EventKind::Seen {
                dir: Direction::ToClient,
                seen,
            } => self.server_sent(id, seen)?,
            EventKind::Closed { dir, how, .. } => {
                let conn = self.conns.entry(id).or_default();
                match dir {
                    Direction::ToClient if !conn.client_closed => {
                        conn.server_closed = true;
                        self.steps.push(Rec::Expect(id, Expectation::Closed));
                    }
                    Direction::ToServer if !conn.server_closed => {
                        conn.client_closed = true;
                        let step = if how == "end of stream" {
                            Rec::Close(id)
                        } else {
                            Rec::Reset(id)
                        };
                        self.steps.push(step);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        self.last_at = Some(event.since_start);
        Ok(())
    }

    fn pause_before(&mut self, at: Duration) {
        if let Some(gap) = self.last_at.and_then(|last| at.checked_sub(last)) {
            if gap > PAUSE_THRESHOLD {
                // Whole milliseconds: the recording is for people to read too.
                let ms = u64::try_from(gap.as_millis()).unwrap_or(u64::MAX);
                self.steps.push(Rec::Pause(Duration::from_millis(ms)));
            }
        }
    }

    /// Adds `part` to the open send of `id` when it belongs to the same read, else opens one.
    fn send_part(&mut self, id: u64, at: Duration, part: Part, joins_body: bool) {
        let conn = self.conns.entry(id).or_default();
        let grouped = joins_body || conn.group_left > 0;
        if !joins_body {
            conn.group_left = conn.group_left.saturating_sub(1);
        }
        match conn.open_send.filter(|_| grouped) {
            Some(index) => {
                if let Some(Rec::Send(_, parts)) = self.steps.get_mut(index) {
                    parts.push(part);
                }
            }
            None => {
                let still_grouped = conn.group_left > 0;
                self.pause_before(at);
                self.steps.push(Rec::Send(id, vec![part]));
                let index = self.steps.len() - 1;
                let conn = self.conns.entry(id).or_default();
                conn.open_send = (still_grouped || joins_body).then_some(index);
            }
        }
    }

    fn client_sent(&mut self, id: u64, at: Duration, seen: &Seen) -> io::Result<()> {
        match seen {
            Seen::Frame {
                frame: AnyFrame::Client(frame),
                ..
            } => {
                if let ClientFrame::Auth { name, .. } = frame {
                    let conn = self.conns.entry(id).or_default();
                    conn.name.get_or_insert_with(|| name.clone());
                }
                let is_file = matches!(frame, ClientFrame::File(_));
                self.send_part(id, at, Part::Frame(frame.clone()), false);
                if is_file {
                    // The body joins this send whenever it completes.
                    let last = self.steps.len() - 1;
                    let conn = self.conns.entry(id).or_default();
                    conn.open_send = conn.open_send.or(Some(last));
                }
            }
            Seen::FileBody { digest, kept } => {
                let part = if digest.len == kept.len() as u64 {
                    Part::Body(BodySource::File(self.save(kept, "sent")?))
                } else {
                    Part::Body(BodySource::Generated(digest.len))
                };
                self.send_part(id, at, part, true);
                let conn = self.conns.entry(id).or_default();
                if conn.group_left == 0 {
                    conn.open_send = None;
                }
            }
            Seen::Malformed { error, .. } => {
                self.send_part(id, at, Part::Raw(error.raw.to_vec()), false);
            }
            Seen::Frame { .. } => {}
        }
        Ok(())
    }

    fn server_sent(&mut self, id: u64, seen: &Seen) -> io::Result<()> {
        let expectation = match seen {
            Seen::Frame {
                frame: AnyFrame::Server(ServerFrame::File(header)),
                ..
            } => {
                self.steps.push(Rec::Expect(
                    id,
                    Expectation::Frame(file_match(header, None)),
                ));
                let index = self.steps.len() - 1;
                self.conns.entry(id).or_default().server_file = Some((index, header.clone()));
                return Ok(());
            }
            Seen::Frame {
                frame: AnyFrame::Server(frame),
                ..
            } => Expectation::Frame(frame_match(frame)),
            Seen::FileBody { digest, kept } => {
                let Some((index, header)) = self.conns.entry(id).or_default().server_file.take()
                else {
                    return Ok(());
                };
                if digest.len == kept.len() as u64 {
                    let path = self.save(kept, "received")?;
                    if let Some(Rec::Expect(_, e)) = self.steps.get_mut(index) {
                        *e = Expectation::Frame(file_match(&header, Some(path)));
                    }
                }
                return Ok(());
            }
            Seen::Malformed { .. } => Expectation::Malformed,
            Seen::Frame { .. } => return Ok(()),
        };
        self.steps.push(Rec::Expect(id, expectation));
        Ok(())
    }

    /// Saves a body in `files/` and returns the name the scenario gives it.
    fn save(&mut self, body: &Bytes, what: &str) -> io::Result<PathBuf> {
        self.saved += 1;
        let stem = self
            .path
            .file_stem()
            .map_or_else(|| "session".into(), |s| s.to_string_lossy().into_owned());
        let name = format!("{stem}-{}-{what}.bin", self.saved);
        std::fs::create_dir_all(&self.files_dir)?;
        std::fs::write(self.files_dir.join(&name), body)?;
        Ok(PathBuf::from(name))
    }

    /// The scenario so far, with each connection named after its first auth (`c3` when it
    /// never sent one; `alice-2` for a second `alice`).
    pub fn scenario(&self) -> Scenario {
        let names = self.names();
        let name = |id: &u64| names.get(id).cloned().unwrap_or_else(|| format!("c{id}"));
        let steps = self
            .steps
            .iter()
            .map(|rec| match rec {
                Rec::Connect(id) => Action::Connect(name(id)),
                Rec::Pause(d) => Action::Pause(*d),
                Rec::Send(id, parts) => Action::Send(Send {
                    client: name(id),
                    parts: parts.clone(),
                    chunking: Chunking::default(),
                    timeout: None,
                }),
                Rec::Expect(id, expectation) => Action::Expect(Expect {
                    client: name(id),
                    alternatives: vec![vec![expectation.clone()]],
                    eventually: false,
                    never: false,
                    strict_wording: false,
                    timeout: None,
                }),
                Rec::Close(id) => Action::Close(name(id)),
                Rec::Reset(id) => Action::Reset(name(id)),
            })
            .map(|action| Step {
                line: 0,
                source: String::new(),
                iteration: None,
                action,
            })
            .collect();
        Scenario {
            path: self.path.clone(),
            description: Some("A session recorded by chat-harness proxy --record.".into()),
            tags: vec!["recorded".into()],
            checks: Vec::new(),
            timeout: None,
            server_limits: None,
            steps,
            subject: Default::default(),
        }
    }

    fn names(&self) -> BTreeMap<u64, String> {
        let mut names = BTreeMap::new();
        let mut taken = std::collections::BTreeSet::new();
        for (id, conn) in &self.conns {
            let base = conn
                .name
                .as_deref()
                .filter(|n| is_word(n))
                .map_or_else(|| format!("c{id}"), str::to_owned);
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            names.insert(*id, name);
        }
        names
    }

    /// Writes the scenario file (bodies are already saved beside it).
    pub fn write(&self) -> io::Result<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let header =
            "# Recorded by `chat-harness proxy --record`: replay with `chat-harness run FILE`.\n";
        std::fs::write(
            &self.path,
            format!("{header}{}", writer::write(&self.scenario())),
        )
    }
}

/// A name the scenario language reads as one bare word.
fn is_word(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

fn exact(text: &str) -> TextMatch {
    TextMatch::Exact(text.to_owned())
}

fn frame_match(frame: &ServerFrame) -> FrameMatch {
    match frame {
        ServerFrame::AuthOk(text) => FrameMatch::AuthOk(exact(text)),
        ServerFrame::Renamed(text) => FrameMatch::Renamed(exact(text)),
        ServerFrame::Text(t) => match (t.time, t.chat_line()) {
            (Some(_), Some((sender, message))) => FrameMatch::Chat {
                sender: exact(sender),
                message: exact(message),
            },
            (Some(_), None) => FrameMatch::Notice(exact(&t.body)),
            (None, _) => FrameMatch::Reply(exact(&t.body)),
        },
        ServerFrame::File(header) => file_match(header, None),
    }
}

fn file_match(header: &ServerFileHeader, body: Option<PathBuf>) -> FrameMatch {
    FrameMatch::File(FileMatch {
        sender: exact(&header.sender),
        name: exact(&header.filename),
        caption: Some(match &header.caption {
            Some(c) => CaptionMatch::Is(exact(c)),
            None => CaptionMatch::Absent,
        }),
        size: Some(u64::from(header.size)),
        body: body.map(BodySource::File),
    })
}
