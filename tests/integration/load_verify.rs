//! The load generator's verdict: against a relay that loses, duplicates or reorders one
//! message, `chat-harness bench`'s message run fails and says which; against a clean relay
//! that cuts its writes mid-frame, it passes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chat_harness::load::messages::{self, Pace, Report, Shape};
use chat_harness::load::{Common, MeasuredServer};
use chat_harness::protocol::{ClientFrame, Frame, FrameCodec, HhMm, Item, ServerFrame};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::codec::FramedRead;

/// What the relay does to the relayed text number [`VICTIM`] (counted from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mischief {
    None,
    Drop,
    Duplicate,
    /// Relays it after the next one.
    Swap,
}

const VICTIM: u64 = 700;

type Clients = Arc<Mutex<Vec<(usize, mpsc::UnboundedSender<Vec<u8>>)>>>;

/// A minimal chat relay on a free port: greets every auth, announces joins, relays texts to
/// everyone else as `<00:00> [name] text`, writing every frame in two pieces.
async fn relay(mischief: Mischief) -> MeasuredServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let clients = Clients::default();
    tokio::spawn(async move {
        for id in 0.. {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
            tokio::spawn(async move {
                while let Some(frame) = rx.recv().await {
                    let (a, b) = frame.split_at(frame.len() / 2);
                    if write.write_all(a).await.is_err() || write.write_all(b).await.is_err() {
                        return;
                    }
                }
            });
            let clients = clients.clone();
            tokio::spawn(async move {
                let mut frames =
                    FramedRead::new(read, FrameCodec::<ClientFrame, ServerFrame>::default());
                let time = HhMm::new(0, 0).unwrap();
                let (mut name, mut relayed, mut held) = (String::new(), 0u64, None);
                let others = |frame: &ServerFrame| {
                    let bytes = frame.to_bytes().unwrap();
                    for (other, tx) in clients.lock().unwrap().iter() {
                        if *other != id {
                            let _ = tx.send(bytes.clone());
                        }
                    }
                };
                while let Some(Ok(Ok(Item::Frame(frame)))) = frames.next().await {
                    match frame {
                        ClientFrame::Auth { name: n, .. } => {
                            name = n;
                            tx.send(ServerFrame::AuthOk("welcome".into()).to_bytes().unwrap())
                                .unwrap();
                            others(&ServerFrame::timed_text(time, format!("{name} connected")));
                            clients.lock().unwrap().push((id, tx.clone()));
                        }
                        ClientFrame::Text(text) => {
                            let line = ServerFrame::timed_text(time, format!("[{name}] {text}"));
                            let n = relayed;
                            relayed += 1;
                            match (mischief, n) {
                                (Mischief::Drop, VICTIM) => {}
                                (Mischief::Duplicate, VICTIM) => {
                                    others(&line);
                                    others(&line);
                                }
                                (Mischief::Swap, VICTIM) => held = Some(line),
                                _ => {
                                    others(&line);
                                    if let Some(held) = held.take() {
                                        others(&held);
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    MeasuredServer { addr, pgrp: None }
}

async fn bench(mischief: Mischief) -> Report {
    let server = relay(mischief).await;
    let shape = Shape {
        receivers: 3,
        senders: 1,
        messages: 2000,
        size: 64,
        pace: Pace::Pipelined { window: 100 },
    };
    let common = Common {
        stall: Duration::from_millis(500),
        timeout: Duration::from_secs(20),
        ..Common::default()
    };
    messages::run(server, &shape, &common, |_, _| {})
        .await
        .unwrap()
}

#[tokio::test]
async fn a_clean_relay_passes_even_with_frames_cut_across_reads() {
    let report = bench(Mischief::None).await;
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.delivered, report.expected), (6000, 6000));
}

#[tokio::test]
async fn a_lost_message_fails_the_run() {
    let report = bench(Mischief::Drop).await;
    assert!(!report.ok());
    assert_eq!(
        report.lost,
        3 * (2000 - VICTIM),
        "each receiver stops at the gap"
    );
    assert!(report.delivered < report.expected);
}

#[tokio::test]
async fn a_duplicated_message_fails_the_run() {
    let report = bench(Mischief::Duplicate).await;
    assert!(!report.ok());
    assert_eq!(report.duplicated, 3, "one copy too many at each receiver");
    assert_eq!((report.lost, report.reordered), (0, 0));
}

#[tokio::test]
async fn a_reordered_message_fails_the_run() {
    let report = bench(Mischief::Swap).await;
    assert!(!report.ok());
    assert!(report.reordered >= 3, "{report:?}");
}
