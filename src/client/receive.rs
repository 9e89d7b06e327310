//! The receiving side of a chat session: shows what arrives and saves incoming files under
//! `<files-dir>/<own name>/`, never outside it and never over an existing file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::progress::Progress;
use super::report::{hex, Printer, Report};
use super::{Event, EventReader};
use crate::protocol::{ServerFileHeader, ServerFrame};
use crate::safe_name::sanitize_filename;
use crate::unique_file::create_unique;

/// The name a received file or folder gets when nothing of the sender's name is usable.
const FALLBACK_NAME: &str = "file";

/// `name` made safe, or [`FALLBACK_NAME`].
fn safe_or_fallback(name: &str) -> String {
    sanitize_filename(name).unwrap_or_else(|| FALLBACK_NAME.to_owned())
}

/// What the sending and receiving sides share.
#[derive(Debug, Default)]
pub struct SessionState {
    /// Our current name (received files go to a folder named after it).
    pub name: String,
    /// A rename we asked for and the server has not confirmed yet.
    pub pending_rename: Option<String>,
    /// We sent `>>exit<<`: the server closing the connection is the expected answer.
    pub leaving: bool,
}

/// Files at or above this size get a progress bar (when stderr is a terminal).
pub const PROGRESS_THRESHOLD: u64 = 1 << 20;

/// A file being received.
struct Incoming {
    header: ServerFileHeader,
    /// `None` when the file could not be created: the body is read and dropped.
    file: Option<(std::fs::File, PathBuf)>,
    received: u64,
    progress: Progress,
}

/// Reads events until the connection ends; returns why it ended.
pub async fn receive_loop(
    mut reader: EventReader,
    state: Arc<Mutex<SessionState>>,
    files_dir: PathBuf,
    out: Arc<Printer>,
    progress: bool,
) -> String {
    let mut incoming: Option<Incoming> = None;
    loop {
        let event = match reader.next_event().await {
            Ok(event) => event,
            Err(e) => {
                abandon(incoming.take(), &out);
                return e.to_string();
            }
        };
        match event {
            Event::Frame(ServerFrame::File(header)) => {
                let own = lock(&state).name.clone();
                incoming = Some(start_file(header, &files_dir, &own, &out, progress));
            }
            Event::FileBody(chunk) => {
                if let Some(file) = incoming.as_mut() {
                    write_chunk(file, &chunk, &out);
                }
            }
            Event::FileEnd => {
                if let Some(file) = incoming.take() {
                    finish_file(file, &out);
                }
            }
            Event::Frame(frame) => show_frame(frame, &state, &out),
            Event::Malformed(error) => out.show(&Report::Malformed {
                error: error.error.to_string(),
                hex: hex(&error.raw),
            }),
            Event::Closed => {
                abandon(incoming.take(), &out);
                if lock(&state).leaving {
                    out.show(&Report::Info {
                        text: "left the chat".to_owned(),
                    });
                } else {
                    out.show(&Report::Closed);
                }
                return "the server closed the connection".to_owned();
            }
        }
    }
}

fn lock(state: &Mutex<SessionState>) -> std::sync::MutexGuard<'_, SessionState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Shows a frame that is not a file.
pub fn show_frame(frame: ServerFrame, state: &Mutex<SessionState>, out: &Printer) {
    let report = match frame {
        ServerFrame::Text(text) => match text.time {
            None => Report::Reply { text: text.body },
            Some(time) => {
                let (sender, message) = match text.chat_line() {
                    Some((sender, message)) => (Some(sender.to_owned()), message.to_owned()),
                    None => (None, text.body.clone()),
                };
                Report::Text {
                    time: time.to_string(),
                    sender,
                    message,
                }
            }
        },
        ServerFrame::Renamed(text) => {
            let mut state = lock(state);
            let fallback = text
                .split_whitespace()
                .last()
                .unwrap_or_default()
                .to_owned();
            state.name = state.pending_rename.take().unwrap_or(fallback);
            Report::Renamed {
                name: state.name.clone(),
                text,
            }
        }
        ServerFrame::AuthOk(text) => Report::Info {
            text: format!("the server sent another greeting: {text}"),
        },
        ServerFrame::File(header) => Report::Info {
            text: format!(
                "{} is sending {} ({} bytes)",
                header.sender, header.filename, header.size
            ),
        },
    };
    out.show(&report);
}

fn start_file(
    header: ServerFileHeader,
    files_dir: &Path,
    own_name: &str,
    out: &Printer,
    progress: bool,
) -> Incoming {
    let dir = files_dir.join(safe_or_fallback(own_name));
    let file = std::fs::create_dir_all(&dir)
        .and_then(|()| create_unique(&dir, &safe_or_fallback(&header.filename)))
        .map_err(|e| {
            out.show(&Report::Error {
                text: format!(
                    "cannot save {} from {} in {}: {e}; the file is dropped",
                    header.filename,
                    header.sender,
                    dir.display()
                ),
            })
        })
        .ok();
    let show = progress && u64::from(header.size) >= PROGRESS_THRESHOLD && file.is_some();
    let what = format!("receiving {}", header.filename);
    let progress = Progress::new(out, show, u64::from(header.size), &what, Instant::now());
    Incoming {
        header,
        file,
        received: 0,
        progress,
    }
}

fn write_chunk(incoming: &mut Incoming, chunk: &[u8], out: &Printer) {
    incoming.received += chunk.len() as u64;
    incoming
        .progress
        .update(incoming.received, out, Instant::now());
    let Some((file, path)) = incoming.file.as_mut() else {
        return;
    };
    if let Err(e) = file.write_all(chunk) {
        out.show(&Report::Error {
            text: format!("cannot write {}: {e}; the file is dropped", path.display()),
        });
        let _ = std::fs::remove_file(&*path);
        incoming.file = None;
    }
}

fn finish_file(mut incoming: Incoming, out: &Printer) {
    std::mem::replace(&mut incoming.progress, Progress::Hidden).finish(out);
    let Some((file, path)) = incoming.file else {
        return;
    };
    if let Err(e) = file.sync_all() {
        out.show(&Report::Error {
            text: format!("cannot finish {}: {e}", path.display()),
        });
    }
    out.show(&Report::File {
        sender: incoming.header.sender,
        filename: incoming.header.filename,
        caption: incoming.header.caption,
        size: incoming.received,
        path: path.display().to_string(),
    });
}

/// The connection ended inside a file body: remove the partial file.
fn abandon(incoming: Option<Incoming>, out: &Printer) {
    let Some(mut incoming) = incoming else {
        return;
    };
    std::mem::replace(&mut incoming.progress, Progress::Hidden).abandon();
    if let Some((file, path)) = incoming.file {
        drop(file);
        let _ = std::fs::remove_file(&path);
        out.show(&Report::Error {
            text: format!(
                "{} from {} was cut off after {} of {} bytes; the partial file is removed",
                incoming.header.filename,
                incoming.header.sender,
                incoming.received,
                incoming.header.size
            ),
        });
    }
}
