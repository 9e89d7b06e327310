//! The client program under test as a child process: started through `sh -c` in its working
//! directory with the scenario's `TZ`, its stdin fed line by line, its stdout read as lines with
//! terminal escapes stripped, its stderr kept, its exit watched; killed (with its process
//! group) when the scenario ends.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{ChildStdin, Command};
use tokio::sync::{mpsc, watch};

use crate::record::{note, Transcript};
use crate::under_test::contain::Containment;
use crate::under_test::group::{Group, GRACE};

/// Most stdout bytes of a client program that are read as lines.
const OUTPUT_CAP: usize = 4 * 1024 * 1024;

/// Longest stdout line kept whole.
const LINE_CAP: usize = 256 * 1024;

/// How the program ended: its exit code, or `None` when a signal ended it.
pub type Exit = Option<i32>;

/// A running (or ended) client program.
pub struct Program {
    /// The program's process group; dropping it kills the group.
    group: Option<Group>,
    /// Its resource limits, cgroup and private TMPDIR (dropped after the group).
    _containment: Containment,
    stdin: Option<ChildStdin>,
    /// Lines of stdout, escapes stripped, as they come.
    pub lines: mpsc::UnboundedReceiver<String>,
    /// `None` while running; the exit once it ended.
    pub exit: watch::Receiver<Option<Exit>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// The POSIX `TZ` value for an offset east of UTC (POSIX counts west: UTC+3 is `<+0300>-3`).
pub fn tz_value(offset: i32) -> String {
    let east = offset >= 0;
    let secs = offset.unsigned_abs();
    let (h, m) = (secs / 3600, secs % 3600 / 60);
    let name = format!("<{}{h:02}{m:02}>", if east { '+' } else { '-' });
    let posix_sign = if east && secs > 0 { "-" } else { "" };
    format!("{name}{posix_sign}{h}:{m:02}")
}

impl Program {
    /// Starts `line` through `sh -c` in `dir`, in its own process group.
    pub fn start(
        line: &str,
        dir: &Path,
        utc_offset: i32,
        transcript: &Transcript,
    ) -> std::io::Result<Self> {
        let containment = Containment::new(crate::under_test::limits::current());
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(line)
            .current_dir(dir)
            .env("TZ", tz_value(utc_offset))
            .env("PYTHONUNBUFFERED", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        containment.apply(&mut command);
        let mut child = command.spawn()?;
        let group = child.id().and_then(Group::register);
        let (line_tx, lines) = mpsc::unbounded_channel();
        if let Some(mut stdout) = child.stdout.take() {
            let transcript = transcript.clone();
            tokio::spawn(async move {
                let mut splitter = LineSplitter::default();
                let mut buf = [0u8; 4096];
                let mut total = 0usize;
                while let Ok(n) = stdout.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    // Output is captured with a cap: past it, the pipe is drained and dropped.
                    total = total.saturating_add(n);
                    if total > OUTPUT_CAP {
                        if total - n <= OUTPUT_CAP {
                            note(
                                &transcript,
                                format!("-- output cut: more than {OUTPUT_CAP} bytes --"),
                            );
                        }
                        continue;
                    }
                    for line in splitter.push(&buf[..n]) {
                        note(&transcript, format!("user< {}", shown(&line)));
                        let _ = line_tx.send(line);
                    }
                }
                if let Some(line) = splitter.finish() {
                    note(&transcript, format!("user< {}", shown(&line)));
                    let _ = line_tx.send(line);
                }
            });
        }
        let (stderr, stderr_reader) = crate::under_test::stderr::capture_stderr(&mut child);
        let stdin = child.stdin.take();
        let (exit_tx, exit) = watch::channel(None);
        let transcript = transcript.clone();
        tokio::spawn(async move {
            let status = child.wait().await;
            // Its last words first: once the exit is seen, its stderr is whole (unless a
            // child it left behind keeps the pipe open).
            if let Some(reader) = stderr_reader {
                let _ = tokio::time::timeout(STDERR_AFTER_EXIT, reader).await;
            }
            let code = status.as_ref().ok().and_then(|s| s.code());
            let shown = match &status {
                Ok(s) => s.to_string(),
                Err(e) => format!("cannot wait for it: {e}"),
            };
            note(&transcript, format!("-- the client exited ({shown}) --"));
            let _ = exit_tx.send(Some(code));
        });
        Ok(Self {
            group,
            _containment: containment,
            stdin,
            lines,
            exit,
            stderr,
        })
    }

    /// Types `text` and a newline.
    pub async fn type_line(&mut self, text: &str) -> std::io::Result<()> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "stdin is already closed",
            ));
        };
        stdin.write_all(format!("{text}\n").as_bytes()).await?;
        stdin.flush().await
    }

    /// Closes stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The exit, waiting up to `within` for it.
    pub async fn exit_within(&self, within: Duration) -> Option<Exit> {
        let mut exit = self.exit.clone();
        let _ = tokio::time::timeout(within, exit.wait_for(Option::is_some)).await;
        self.exited()
    }

    /// The exit, if the program has ended.
    pub fn exited(&self) -> Option<Exit> {
        *self.exit.borrow()
    }

    /// What it wrote to stderr.
    pub fn stderr(&self) -> String {
        let bytes = self.stderr.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Stops the program's whole process group (a shell's children too): SIGTERM, a short
    /// grace, SIGKILL.
    pub async fn kill(&mut self) {
        // Stopped before its stdin closes, so that the end of input draws no last words. The
        // group goes even when its leader has exited: what it started may still run. The
        // leader is reaped by the task that watches its exit.
        if let Some(group) = &self.group {
            group.stop(GRACE, || {}).await;
        }
        self.stdin = None;
    }
}

/// Longest line shown whole in transcripts and reports.
const SHOWN: usize = 200;

/// How long an ended program's stderr may take to reach its end.
const STDERR_AFTER_EXIT: Duration = Duration::from_millis(500);

/// `line`, cut to [`SHOWN`] characters with its full length noted.
pub fn shown(line: &str) -> String {
    if line.len() <= SHOWN {
        return line.to_owned();
    }
    let cut: String = line.chars().take(SHOWN / 2).collect();
    format!("{cut}... ({} bytes in all)", line.len())
}

/// Cuts stdout into lines at `\n` and `\r` (a redrawn line is a new line), with terminal
/// escape sequences removed and empty lines dropped.
#[derive(Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Adds bytes; returns the lines they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' || b == b'\r' {
                if let Some(line) = self.take() {
                    out.push(line);
                }
            } else if self.pending.len() < LINE_CAP {
                self.pending.push(b);
            }
        }
        out
    }

    /// The last line, when the output did not end with a newline.
    pub fn finish(&mut self) -> Option<String> {
        self.take()
    }

    fn take(&mut self) -> Option<String> {
        let raw = std::mem::take(&mut self.pending);
        let line = strip_escapes(&String::from_utf8_lossy(&raw));
        (!line.trim().is_empty()).then_some(line)
    }
}

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL/ST`, two-byte
/// `ESC x`) and other control characters but tab.
pub fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            if !c.is_control() || c == '\t' {
                out.push(c);
            }
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// An exit for people: `status 1` or `a signal`.
pub fn show_exit(exit: Exit) -> String {
    match exit {
        Some(code) => format!("status {code}"),
        None => "a signal".to_owned(),
    }
}
