//! One connection of the faulty server: decodes client frames with the project's codec (or,
//! for [`Fault::OneFramePerRead`], the original's one-frame-per-read shortcut), gathers file
//! uploads, and writes what the room delivers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_harness::protocol::{
    ClientFileHeader, ClientFrame, FrameCodec, FrameError, Item, ServerFrame, StreamDecoder,
};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::codec::FramedRead;

use super::room::{Out, Piece, Room, MAX_FILE};
use super::Fault;

/// How long a member over the queue limit may go without its backlog shrinking before it is
/// cut off (the reference server's default stall timeout).
const STALL: Duration = Duration::from_secs(2);

/// Flow control, the clean way: after relaying a sender's frame, the sender waits while any
/// member is over the queue limit; a member whose backlog does not shrink for `STALL` is cut
/// off (polled every few milliseconds: this is a test fixture, not a model of efficiency).
async fn wait_for_room(room: &Room) {
    if room.fault == Fault::StallsOnSlowReader {
        return;
    }
    let mut watched: HashMap<u64, (usize, Instant)> = HashMap::new();
    loop {
        let full = room.full_members();
        if full.is_empty() {
            return;
        }
        let now = Instant::now();
        for (id, queued) in full {
            let (seen, since) = watched.entry(id).or_insert((queued, now));
            if queued < *seen {
                *seen = queued;
                *since = now;
            } else if now.duration_since(*since) >= STALL {
                room.cut_off(id).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Serves one client until it leaves, is cut off, or the server stops.
pub async fn run(socket: TcpStream, room: Room) {
    let (read, write) = socket.into_split();
    let write = Arc::new(tokio::sync::Mutex::new(write));
    let joined = room.join(write.clone());
    let id = joined.id;
    let work = async {
        let writer = write_loop(joined.rx, write.clone(), joined.queued.clone());
        tokio::pin!(writer);
        tokio::select! {
            () = read_loop(read, id, &room) => {
                let gone = room.leave(id);
                room.dispatch(gone).await;
                // Let the writer flush what is queued (it ends at Out::Close or when the
                // channel closes).
                writer.await;
            }
            () = &mut writer => {}
        }
    };
    tokio::select! {
        () = work => {}
        () = joined.kill.notified() => {}
    }
    let gone = room.leave(id);
    room.dispatch(gone).await;
}

async fn write_loop(
    mut rx: mpsc::UnboundedReceiver<Out>,
    socket: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    queued: Arc<AtomicUsize>,
) {
    while let Some(out) = rx.recv().await {
        match out {
            Out::Bytes(bytes) => {
                if socket.lock().await.write_all(&bytes).await.is_err() {
                    return;
                }
                queued.fetch_sub(bytes.len(), Ordering::SeqCst);
            }
            Out::Close => {
                let _ = socket.lock().await.shutdown().await;
                return;
            }
        }
    }
}

/// An upload in progress.
struct Upload {
    header: ClientFileHeader,
    body: Vec<u8>,
    too_large: bool,
}

impl Upload {
    fn push(&mut self, bytes: &[u8]) {
        if self.body.len() + bytes.len() > MAX_FILE {
            self.too_large = true;
        } else {
            self.body.extend_from_slice(bytes);
        }
    }
}

async fn read_loop(read: OwnedReadHalf, id: u64, room: &Room) {
    if room.fault == Fault::OneFramePerRead {
        return one_frame_per_read(read, id, room).await;
    }
    let mut frames = FramedRead::new(read, FrameCodec::<ClientFrame, ServerFrame>::default());
    let mut upload: Option<Upload> = None;
    // Fault::PreAuthFileBodyAsFrames, Fault::OversizedUploadNotDrained: the body of a
    // refused upload, read as frames.
    let mut stray: Option<StreamDecoder<ClientFrame>> = None;
    while let Some(Ok(item)) = frames.next().await {
        match item {
            Ok(Item::Frame(ClientFrame::File(_)))
                if room.fault == Fault::PreAuthFileBodyAsFrames && !room.is_authenticated(id) =>
            {
                room.dispatch(room.reply(id, "Log in first")).await;
                stray = Some(StreamDecoder::new());
            }
            Ok(Item::Frame(ClientFrame::File(header)))
                if room.fault == Fault::OversizedUploadNotDrained
                    && usize::try_from(header.size).unwrap_or(usize::MAX) > MAX_FILE =>
            {
                room.dispatch(room.reply(id, "File too large")).await;
                stray = Some(StreamDecoder::new());
            }
            Ok(Item::FileBody(bytes)) if stray.is_some() => {
                let Some(decoder) = stray.as_mut() else {
                    continue;
                };
                decoder.feed(&bytes);
                while let Some(Ok(Item::Frame(frame))) = decoder.next_item() {
                    let (deliveries, close) = room.handle(id, frame);
                    room.dispatch(deliveries).await;
                    if close {
                        return;
                    }
                }
            }
            Ok(Item::FileEnd) if stray.is_some() => stray = None,
            Ok(Item::Frame(ClientFrame::File(header))) => {
                if room.fault == Fault::CutThrough {
                    room.dispatch(room.relay_now(id, &header, Piece::Header))
                        .await;
                }
                upload = Some(Upload {
                    header,
                    body: Vec::new(),
                    too_large: false,
                });
            }
            Ok(Item::Frame(frame)) => {
                let (deliveries, close) = room.handle(id, frame);
                room.dispatch(deliveries).await;
                if close {
                    return;
                }
                wait_for_room(room).await;
            }
            Ok(Item::FileBody(bytes)) => {
                if let Some(up) = upload.as_mut() {
                    if room.fault == Fault::CutThrough {
                        room.dispatch(room.relay_now(id, &up.header, Piece::Body(&bytes)))
                            .await;
                    }
                    up.push(&bytes);
                }
            }
            Ok(Item::FileEnd) if room.fault == Fault::CutThrough => {
                if let Some(up) = upload.take() {
                    room.dispatch(room.relay_now(id, &up.header, Piece::End))
                        .await;
                }
            }
            Ok(Item::FileEnd) => {
                if let Some(up) = upload.take() {
                    let deliveries = room.file(id, up.header, &up.body, up.too_large, true);
                    room.dispatch(deliveries).await;
                    wait_for_room(room).await;
                }
            }
            Err(error) => {
                if room.fault == Fault::ClosesOnMalformed {
                    return;
                }
                if room.fault == Fault::ExitsOnUnknownType
                    && matches!(error.error, FrameError::UnknownType(_))
                {
                    // Like a process that dies: the listener goes first (the accept loop
                    // drops it), then every connection, this one too, when the loop ends.
                    room.exit.notify_one();
                    std::future::pending::<()>().await;
                }
                // Fault::RelaysInvalidUtf8: the bytes are not kept by the decoder's error, so
                // one U+FFFD stands for them, as a lossy decode would show them.
                let lossy = room.fault == Fault::RelaysInvalidUtf8
                    && matches!(error.error, FrameError::InvalidUtf8 { frame_type: 3, .. });
                let deliveries = if lossy {
                    room.handle(id, ClientFrame::Text("\u{fffd}".into())).0
                } else {
                    room.reply(id, &format!("Frame ignored: {error}"))
                };
                room.dispatch(deliveries).await;
            }
        }
    }
    // The sender is gone mid-file: a cut-through relay has passed on what arrived.
    if let Some(up) = upload.filter(|_| room.fault == Fault::RelaysPartialFile) {
        let deliveries = room.file(id, up.header, &up.body, false, false);
        room.dispatch(deliveries).await;
    }
}

/// The original's reading: each `read(1024)` is taken to hold exactly one frame; the rest of
/// the read is lost, and a file body is whatever the following reads return.
async fn one_frame_per_read(mut read: OwnedReadHalf, id: u64, room: &Room) {
    let mut buf = [0u8; 1024];
    let mut upload: Option<Upload> = None;
    loop {
        let n = match read.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if let Some(up) = upload.as_mut() {
            let missing = up.header.size as usize - up.body.len();
            up.push(&buf[..n.min(missing)]);
            if up.body.len() >= up.header.size as usize || up.too_large {
                let up = upload.take().expect("checked above");
                let deliveries = room.file(id, up.header, &up.body, up.too_large, true);
                room.dispatch(deliveries).await;
            }
            continue;
        }
        let mut decoder = StreamDecoder::<ClientFrame>::new();
        decoder.feed(&buf[..n]);
        match decoder.next_item() {
            Some(Ok(Item::Frame(ClientFrame::File(header)))) => {
                let empty = header.size == 0;
                let up = Upload {
                    header,
                    body: Vec::new(),
                    too_large: false,
                };
                if empty {
                    let deliveries = room.file(id, up.header, &[], false, true);
                    room.dispatch(deliveries).await;
                } else {
                    upload = Some(up);
                }
            }
            Some(Ok(Item::Frame(frame))) => {
                let (deliveries, close) = room.handle(id, frame);
                room.dispatch(deliveries).await;
                if close {
                    return;
                }
            }
            Some(Err(error)) => {
                let reply = room.reply(id, &format!("Frame ignored: {error}"));
                room.dispatch(reply).await;
            }
            // A partial frame: lost, as in the original.
            Some(Ok(_)) | None => {}
        }
    }
}
