//! The load generator's file shape: a 3 MiB file through the reference server (both designs)
//! reaches every receiver intact, and the same run against a server that drops each body's
//! last byte fails and says what went wrong.

use std::time::Duration;

use chat_harness::load::{file, Common, MeasuredServer};
use chat_harness::server::Mode;

use crate::faulty::{self, Fault};
use crate::server_support::TestServer;

const SIZE: u32 = 3 * 1024 * 1024 + 7;

fn common(timeout: Duration) -> Common {
    Common {
        timeout,
        ..Common::default()
    }
}

async fn run(addr: std::net::SocketAddr, timeout: Duration) -> file::Report {
    let server = MeasuredServer { addr, pgrp: None };
    file::run(
        server,
        3,
        SIZE,
        &common(timeout),
        file::Reading::Frames,
        |_, _| {},
    )
    .await
    .expect("the receivers and the sender log in")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_reaches_every_receiver_intact_in_both_designs() {
    for mode in [Mode::Polling, Mode::Threaded] {
        let server = TestServer::start(mode);
        let report = run(server.addr(), Duration::from_secs(30)).await;
        assert!(report.ok(), "{mode:?}: {:?}", report.errors);
        assert_eq!((report.complete, report.size), (3, u64::from(SIZE)));
        assert!(report.aggregate_mb_per_s > 0.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_one_byte_short_fails_the_run() {
    let (addr, server) = faulty::start(Fault::FileBodyOffByOne).await;
    // The receivers wait for a last byte that never comes: the run's own deadline ends it.
    let report = run(addr, Duration::from_secs(3)).await;
    server.abort();
    assert!(!report.ok());
    assert_eq!(report.complete, 0, "{:?}", report.errors);
    assert!(
        report.errors.iter().any(|e| e.contains("did not finish")
            || e.contains("ended after")
            || e.contains("differs")),
        "{:?}",
        report.errors
    );
}

/// A byte relay in the manner of `../shared/tools/null-relay`: each connection's first frame
/// (the auth) is answered with an empty 0x00 frame; every later byte is copied to every other
/// connection that has logged in. With `flip`, the relay corrupts the 1000th byte it copies.
async fn byte_relay(flip: bool) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::sync::broadcast;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, _) = broadcast::channel::<(usize, Vec<u8>)>(4096);
    let task = tokio::spawn(async move {
        let mut next = 0usize;
        while let Ok((socket, _)) = listener.accept().await {
            let (tx, me) = (tx.clone(), next);
            next += 1;
            tokio::spawn(async move {
                let (mut rd, mut wr) = socket.into_split();
                let mut len = [0u8; 2];
                rd.read_exact(&mut len).await.unwrap();
                let mut auth = vec![0u8; usize::from(u16::from_be_bytes(len))];
                rd.read_exact(&mut auth).await.unwrap();
                let mut rx = tx.subscribe();
                wr.write_all(&[0, 1, 0]).await.unwrap();
                tokio::spawn(async move {
                    while let Ok((from, bytes)) = rx.recv().await {
                        if from != me && wr.write_all(&bytes).await.is_err() {
                            return;
                        }
                    }
                });
                let mut copied = 0usize;
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = rd.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    let mut bytes = buf[..n].to_vec();
                    if flip && copied <= 1000 && copied + n > 1000 {
                        bytes[1000 - copied] ^= 1;
                    }
                    copied += n;
                    let _ = tx.send((me, bytes));
                }
            });
        }
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_byte_relay_the_receivers_count_and_check_the_raw_bytes() {
    for flip in [false, true] {
        let (addr, relay) = byte_relay(flip).await;
        let server = MeasuredServer { addr, pgrp: None };
        let common = Common {
            settle: Duration::ZERO,
            ..common(Duration::from_secs(20))
        };
        let report = file::run(server, 3, SIZE, &common, file::Reading::RawRelay, |_, _| {})
            .await
            .expect("the receivers and the sender log in");
        relay.abort();
        if flip {
            assert_eq!(report.complete, 0, "{:?}", report.errors);
            assert!(
                report.errors.iter().any(|e| e.contains("differs")),
                "{:?}",
                report.errors
            );
        } else {
            assert!(report.ok(), "{:?}", report.errors);
            assert_eq!(report.complete, 3);
        }
    }
}
