//! The pump task of a scenario client: reads events while reading is on (at the pace the
//! scenario sets), digests file bodies, forwards each arrival to the client's queue and
//! transcript, and keeps what the decoder holds unfinished up to date for the matcher.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::{mpsc, watch};

use super::pace::{Pace, Pacer};
use crate::client::{Event, EventReader};
use crate::protocol::{ServerFileHeader, ServerFrame};
use crate::record::deviation::Got;
use crate::record::received::{Body, Incoming, Partial, Received};
use crate::record::timeline::{EntryKind, KEPT_TEXT};
use crate::record::transcript::Transcript;

/// How often a reading client looks at what the decoder holds between whole frames.
const PARTIAL_CHECK: std::time::Duration = std::time::Duration::from_millis(20);

/// What a client's decoder holds unfinished, shared between the pump and the matcher.
pub(super) type Pending = Arc<Mutex<Option<Partial>>>;

/// Where arrivals go: the client's queue, its transcript, and the unfinished-bytes slot.
struct Forward {
    tx: mpsc::UnboundedSender<Received>,
    transcript: Transcript,
    pending: Pending,
}

impl Forward {
    /// Records `incoming` in the transcript and queues it for the matcher.
    fn send(&self, incoming: Incoming) {
        let message = match &incoming {
            Incoming::Frame(ServerFrame::Text(t)) => t
                .chat_line()
                .filter(|(_, m)| m.len() <= KEPT_TEXT)
                .map(|(_, m)| m.to_owned()),
            _ => None,
        };
        self.transcript.record_message(
            EntryKind::Received {
                got: Got::of(&incoming),
            },
            incoming.wire_size(),
            format!("< {}", incoming.summary()),
            message,
        );
        let _ = self.tx.send(Received {
            at: SystemTime::now(),
            incoming,
        });
    }

    /// Publishes what is unfinished for the matcher.
    fn publish(&self, partial: Option<Partial>) {
        if let Ok(mut slot) = self.pending.lock() {
            *slot = partial;
        }
    }
}

/// A file whose body is arriving: its header and the body so far.
type FileUnderWay = Option<(ServerFileHeader, Body)>;

/// What the decoder holds unfinished: the body of a file under way, or a partial frame.
fn unfinished(file: &FileUnderWay, reader: &EventReader) -> Option<Partial> {
    match file {
        Some((header, body)) => Some(Partial::Body {
            header: header.clone(),
            received: body.len,
        }),
        None => Partial::frame(reader.unread()),
    }
}

/// Whether to read now, after waiting out a stop or a slow-reading pause; `None` when the
/// scenario has dropped the pace sender (the client is gone).
async fn may_read(pacer: &mut Pacer, reading: &mut watch::Receiver<Pace>) -> Option<bool> {
    pacer.follow(*reading.borrow_and_update());
    if pacer.pace() == Pace::Stopped {
        return reading.changed().await.ok().map(|()| false);
    }
    if let Some(at) = pacer.next_read() {
        tokio::select! {
            () = tokio::time::sleep_until(at) => {}
            changed = reading.changed() => changed.ok()?,
        }
        return Some(false);
    }
    Some(true)
}

/// Reads events while reading is on and forwards them, with file bodies digested; keeps
/// `pending` up to date with what the decoder holds unfinished.
pub(super) async fn pump(
    mut reader: EventReader,
    tx: mpsc::UnboundedSender<Received>,
    mut reading: watch::Receiver<Pace>,
    transcript: Transcript,
    pending: Pending,
) {
    let forward = Forward {
        tx,
        transcript,
        pending,
    };
    let mut pacer = Pacer::new(Pace::Full);
    let mut file: FileUnderWay = None;
    let mut tick = tokio::time::interval(PARTIAL_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        forward.publish(unfinished(&file, &reader));
        match may_read(&mut pacer, &mut reading).await {
            None => return,
            Some(false) => continue,
            Some(true) => {}
        }
        let event = tokio::select! {
            event = reader.next_event() => event,
            _ = tick.tick() => continue,
            changed = reading.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        };
        pacer.consumed(super::pace::wire_size(&event));
        if !arrived(event, &mut file, &reader, &forward) {
            return;
        }
    }
}

/// Handles one event; false once the connection has ended (everything forwarded).
fn arrived(
    event: std::io::Result<Event>,
    file: &mut FileUnderWay,
    reader: &EventReader,
    forward: &Forward,
) -> bool {
    match event {
        Ok(Event::Frame(ServerFrame::File(header))) => *file = Some((header, Body::new())),
        // What is left unfinished is published before the arrival, so that a matcher that
        // has seen the arrival also sees what came with it.
        Ok(Event::Frame(frame)) => {
            forward.publish(unfinished(file, reader));
            forward.send(Incoming::Frame(frame));
        }
        Ok(Event::FileBody(bytes)) => {
            if let Some((_, body)) = file.as_mut() {
                body.push(&bytes);
            }
        }
        Ok(Event::FileEnd) => {
            if let Some((header, body)) = file.take() {
                forward.publish(unfinished(&None, reader));
                forward.send(Incoming::File {
                    header,
                    body: Arc::new(body),
                    complete: true,
                });
            }
        }
        Ok(Event::Malformed(error)) => {
            forward.publish(unfinished(file, reader));
            forward.send(Incoming::Malformed(error));
        }
        Ok(Event::Closed) | Err(_) => {
            ended(event, file, reader, forward);
            return false;
        }
    }
    true
}

/// The connection ended: forwards what was left unfinished, then how it ended.
fn ended(
    event: std::io::Result<Event>,
    file: &mut FileUnderWay,
    reader: &EventReader,
    forward: &Forward,
) {
    if let Some((header, body)) = file.take() {
        forward.send(Incoming::File {
            header,
            body: Arc::new(body),
            complete: false,
        });
    } else if let Some(partial) = Partial::frame(reader.unread()) {
        forward.send(Incoming::Partial(partial));
    }
    forward.publish(None);
    let how = match event {
        // The codec's complaint about leftover bytes is the partial frame above.
        Err(_) if !reader.unread().is_empty() => "end of stream".to_owned(),
        Err(e) => e.to_string(),
        _ => "end of stream".to_owned(),
    };
    forward.send(Incoming::Closed { how });
}
