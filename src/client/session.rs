//! One chat session from the user's side: log in (asking again while the name is taken), then
//! turn input lines into frames while the receiving side shows what arrives.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::command::{ChatCommand, HELP};
use super::progress::Progress;
use super::receive::{receive_loop, show_frame, SessionState, PROGRESS_THRESHOLD};
use super::report::{Printer, Report};
use super::{Connection, ConnectionError, Event, EventReader, FrameWriter};
use crate::protocol::{ClientFrame, ServerFrame};

/// How long to wait for the server's answer to an auth frame.
const AUTH_ANSWER: Duration = Duration::from_secs(10);
/// How long to wait for the server to close after our exit frame.
const EXIT_GRACE: Duration = Duration::from_secs(3);

/// How to run a session.
#[derive(Debug, Clone)]
pub struct ChatOptions {
    /// The server.
    pub server: SocketAddr,
    /// The name to log in with; asked for when `None`.
    pub name: Option<String>,
    /// Where files to send are read from, and received files are saved (per own name).
    pub files_dir: PathBuf,
    /// Our UTC offset in seconds, sent with the auth frame.
    pub offset: i32,
    /// Show progress bars for large files.
    pub progress: bool,
}

/// Why a session ended badly.
#[derive(Debug, Error)]
pub enum ChatError {
    /// The server could not be reached at all.
    #[error("cannot reach the server at {addr}")]
    Unreachable {
        /// The address tried.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The connection ended without our `>>exit<<`.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// Input ended before the server accepted a name.
    #[error("input ended before the server accepted a name")]
    NoName,
}

fn lost(e: impl std::fmt::Display) -> ChatError {
    ChatError::ConnectionLost(e.to_string())
}

/// Runs a session until `>>exit<<`, the end of input (which also sends `>>exit<<`), or the
/// connection ending. `lines` are the user's input lines.
pub async fn run(
    options: ChatOptions,
    mut lines: mpsc::Receiver<String>,
    out: Arc<Printer>,
) -> Result<(), ChatError> {
    let connection = Connection::connect(options.server)
        .await
        .map_err(|source| ChatError::Unreachable {
            addr: options.server,
            source,
        })?;
    let (mut reader, mut writer) = connection.split();
    let name = login(&options, &mut lines, &mut reader, &mut writer, &out).await?;
    let state = Arc::new(Mutex::new(SessionState {
        name,
        ..SessionState::default()
    }));
    let mut receiving = tokio::spawn(receive_loop(
        reader,
        state.clone(),
        options.files_dir.clone(),
        out.clone(),
        options.progress,
    ));
    loop {
        tokio::select! {
            line = lines.recv() => {
                let command = line.map_or(ChatCommand::Exit, |line| ChatCommand::parse(&line));
                if command == ChatCommand::Exit {
                    state.lock().unwrap_or_else(|e| e.into_inner()).leaving = true;
                    writer.send(&ClientFrame::exit()).await.map_err(lost)?;
                    // The server closes after an exit; don't wait forever for one that does not.
                    let _ = timeout(EXIT_GRACE, &mut receiving).await;
                    return Ok(());
                }
                execute(command, &options, &mut writer, &state, &out).await?;
            }
            reason = &mut receiving => {
                return Err(lost(reason.unwrap_or_else(|e| format!("receiver failed: {e}"))));
            }
        }
    }
}

/// Sends auth frames until the server accepts one; returns the accepted name.
async fn login(
    options: &ChatOptions,
    lines: &mut mpsc::Receiver<String>,
    reader: &mut EventReader,
    writer: &mut FrameWriter,
    out: &Printer,
) -> Result<String, ChatError> {
    let state = Mutex::new(SessionState::default());
    let mut given = options.name.clone();
    loop {
        let name = match given.take() {
            Some(name) => name,
            None => {
                out.prompt("Your name:");
                lines
                    .recv()
                    .await
                    .ok_or(ChatError::NoName)?
                    .trim()
                    .to_owned()
            }
        };
        if name.is_empty() {
            continue;
        }
        let auth = ClientFrame::Auth {
            name: name.clone(),
            offset: Some(options.offset),
        };
        if let Err(e) = writer.send(&auth).await {
            match e {
                ConnectionError::Encode(e) => {
                    out.show(&Report::Error {
                        text: format!("that name cannot be sent: {e}"),
                    });
                    continue;
                }
                other => return Err(lost(other)),
            }
        }
        loop {
            let event = timeout(AUTH_ANSWER, reader.next_event())
                .await
                .map_err(|_| lost("the server did not answer the auth frame within 10 s"))?
                .map_err(lost)?;
            match event {
                Event::Frame(ServerFrame::AuthOk(text)) => {
                    out.show(&Report::AuthOk {
                        name: name.clone(),
                        text,
                    });
                    return Ok(name);
                }
                Event::Frame(ServerFrame::Text(text)) if text.time.is_none() => {
                    out.show(&Report::Reply { text: text.body });
                    break;
                }
                Event::Frame(frame) => show_frame(frame, &state, out),
                Event::Closed => return Err(lost("the server closed the connection")),
                Event::Malformed(e) => out.show(&Report::Malformed {
                    error: e.error.to_string(),
                    hex: super::report::hex(&e.raw),
                }),
                Event::FileBody(_) | Event::FileEnd => {}
            }
        }
    }
}

/// Carries out one command after login.
async fn execute(
    command: ChatCommand,
    options: &ChatOptions,
    writer: &mut FrameWriter,
    state: &Mutex<SessionState>,
    out: &Printer,
) -> Result<(), ChatError> {
    let frame = match command {
        ChatCommand::Text(text) => ClientFrame::Text(text),
        ChatCommand::Rename(name) => {
            state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pending_rename = Some(name.clone());
            ClientFrame::rename(&name)
        }
        ChatCommand::SendFile { name, caption } => {
            return send_file(
                &options.files_dir.join(&name),
                caption,
                options,
                writer,
                out,
            )
            .await
        }
        ChatCommand::SendFileUsage => return usage(out, "usage: >>sendfile<< NAME [caption]"),
        ChatCommand::RenameUsage => return usage(out, "usage: >>chname<< NEW_NAME"),
        ChatCommand::Help => return usage(out, HELP),
        ChatCommand::Empty | ChatCommand::Exit => return Ok(()),
    };
    match writer.send(&frame).await {
        Ok(()) => Ok(()),
        Err(ConnectionError::Encode(e)) => {
            out.show(&Report::Error {
                text: format!("not sent: {e}"),
            });
            Ok(())
        }
        Err(e) => Err(lost(e)),
    }
}

fn usage(out: &Printer, text: &str) -> Result<(), ChatError> {
    out.show(&Report::Info {
        text: text.to_owned(),
    });
    Ok(())
}

async fn send_file(
    path: &std::path::Path,
    caption: Option<String>,
    options: &ChatOptions,
    writer: &mut FrameWriter,
    out: &Printer,
) -> Result<(), ChatError> {
    let size = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => return usage(out, &format!("{} is not a file", path.display())),
        Err(e) => {
            out.show(&Report::Error {
                text: format!("cannot send {}: {e}", path.display()),
            });
            return Ok(());
        }
    };
    let show = options.progress && size >= PROGRESS_THRESHOLD;
    let what = format!("sending {}", path.display());
    let mut progress = Progress::new(out, show, size, &what, Instant::now());
    let result = writer
        .send_file(path, caption, |sent| {
            progress.update(sent, out, Instant::now())
        })
        .await;
    match &result {
        Ok(_) => progress.finish(out),
        Err(_) => progress.abandon(),
    }
    match result {
        Ok(sent) => usage(out, &format!("sent {} ({sent} bytes)", path.display())),
        // Nothing was written for these: the session goes on.
        Err(e @ (ConnectionError::FileTooLarge { .. } | ConnectionError::FileNameWithSpace(_))) => {
            out.show(&Report::Error {
                text: e.to_string(),
            });
            Ok(())
        }
        Err(e) => Err(lost(e)),
    }
}
