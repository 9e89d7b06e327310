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
    file::run(server, 3, SIZE, &common(timeout), |_, _| {})
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
