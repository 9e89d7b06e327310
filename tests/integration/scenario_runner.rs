//! The runner against scripted peers: exact bytes on the wire for sends and segmentation,
//! a reset that really is a reset, time-prefix checks, and clean-up after close steps.

use std::path::Path;
use std::time::{Duration, SystemTime};

use chat_harness::protocol::{ClientFrame, Frame, HhMm};
use chat_harness::record::{check_time, Verdict};
use chat_harness::scenario::parse_str;
use chat_harness::server_seat::{run_scenario, RunSettings};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

async fn listener() -> (TcpListener, std::net::SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

#[tokio::test]
async fn sends_put_the_codec_bytes_on_the_wire_however_they_are_cut() {
    let (l, addr) = listener().await;
    let peer = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut all = Vec::new();
        s.read_to_end(&mut all).await.unwrap();
        all
    });
    let scenario = parse_str(
        "connect a\na> auth a 10800; text \"hi\" chunk 2 pause 1ms\na> raw 00 01 09 split-at 1\n\
         a> file generated 300 as \"g.bin\" chunk 64\nclose a\n",
        Path::new("t.chat"),
    )
    .unwrap();
    let run = run_scenario(&scenario, addr, &RunSettings::default()).await;
    assert_eq!(run.verdict, Verdict::Pass);
    let mut expected = ClientFrame::auth("a", 10800).to_bytes().unwrap();
    ClientFrame::Text("hi".into())
        .encode(&mut expected)
        .unwrap();
    expected.extend([0, 1, 9]);
    expected.extend([0, 10, 2, 0, 0, 1, 44]);
    expected.extend(b"g.bin");
    expected.extend((0..300u64).map(|i| (i % 251) as u8));
    assert_eq!(peer.await.unwrap(), expected);
    let transcript = &run.transcripts[0].1;
    assert!(
        transcript.iter().any(|l| l == "  (in 8 writes, 1ms apart)"),
        "{transcript:?}"
    );
}

#[tokio::test]
async fn reset_sends_an_rst_not_a_fin() {
    let (l, addr) = listener().await;
    let peer = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut buf = [0u8; 64];
        let mut got = Vec::new();
        loop {
            match s.read(&mut buf).await {
                Ok(0) => return (got, "eof".to_owned()),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => return (got, format!("{:?}", e.kind())),
            }
        }
    });
    let scenario = parse_str("connect a\na> text \"x\"\nreset a\n", Path::new("t.chat")).unwrap();
    let run = run_scenario(&scenario, addr, &RunSettings::default()).await;
    assert_eq!(run.verdict, Verdict::Pass);
    let (got, end) = peer.await.unwrap();
    assert_eq!(got, ClientFrame::Text("x".into()).to_bytes().unwrap());
    assert_eq!(end, "ConnectionReset");
}

#[tokio::test]
async fn graceful_close_after_close_and_reset_steps() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 64];
                while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    let scenario = parse_str("connect a b c\nclose a\nreset b\n", Path::new("t.chat")).unwrap();
    let settings = RunSettings {
        graceful_close: true,
        ..RunSettings::default()
    };
    let run = tokio::time::timeout(
        Duration::from_secs(5),
        run_scenario(&scenario, addr, &settings),
    )
    .await
    .expect("ends");
    assert_eq!(run.verdict, Verdict::Pass);
}

#[test]
fn time_prefixes_are_checked_in_the_recipients_offset_within_a_minute() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_717_273_740); // 20:29:00 UTC
    let hm = |h, m| HhMm::new(h, m);
    assert!(check_time(hm(23, 29), at, 10_800).is_ok());
    assert!(check_time(hm(15, 29), at, -18_000).is_ok());
    assert!(check_time(hm(20, 28), at, 0).is_ok() && check_time(hm(20, 30), at, 0).is_ok());
    let wrong = check_time(hm(20, 29), at, 10_800).unwrap_err();
    assert!(
        wrong.reason.contains("(+3h) reads 23:29"),
        "{}",
        wrong.reason
    );
    assert!(check_time(hm(20, 31), at, 0).is_err());
    assert!(check_time(None, at, 0)
        .unwrap_err()
        .reason
        .contains("no <HH:MM>"));
}

#[tokio::test]
async fn a_server_that_stops_accepting_midway_fails_the_scenario_not_the_run() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (socket, _) = l.accept().await.unwrap();
        drop(l);
        drop(socket);
    });
    let scenario = parse_str("connect a\na< closed\nconnect b\n", Path::new("t.chat")).unwrap();
    let run = run_scenario(&scenario, addr, &RunSettings::default()).await;
    let Verdict::Fail(failure) = run.verdict else {
        panic!("expected a failure, got {:?}", run.verdict);
    };
    assert_eq!(failure.line, 3);
    assert!(
        failure.reason.starts_with("cannot connect b"),
        "{}",
        failure.reason
    );
}

/// A peer that writes `bytes` once connected and keeps the connection open until the client
/// goes.
async fn peer_that_writes(bytes: Vec<u8>) -> std::net::SocketAddr {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        use tokio::io::AsyncWriteExt;
        s.write_all(&bytes).await.unwrap();
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink).await;
    });
    addr
}

#[tokio::test]
async fn nothing_fails_on_a_pending_partial_frame_and_shows_its_bytes() {
    // The first 4 bytes of a text frame whose prefix announces 16.
    let addr = peer_that_writes(vec![0x00, 0x10, 0x03, b'h']).await;
    let scenario = parse_str("connect a\na< nothing for 300ms\n", Path::new("t.chat")).unwrap();
    let run = run_scenario(&scenario, addr, &RunSettings::default()).await;
    let Verdict::Fail(failure) = run.verdict else {
        panic!("a partial frame is something received: {:?}", run.verdict);
    };
    assert_eq!(failure.line, 2);
    assert!(
        failure.reason.contains("part of a frame arrived"),
        "{failure:?}"
    );
    let actual = failure.actual.unwrap_or_default();
    assert!(
        actual.contains("4 bytes of a frame whose length prefix announces 16 more"),
        "{actual}"
    );
    assert!(
        failure
            .actual_hex
            .unwrap_or_default()
            .starts_with("0000  00 10 03 68"),
        "the partial frame's first bytes are dumped"
    );
}

#[tokio::test]
async fn a_file_left_unfinished_fails_the_end_of_the_scenario() {
    // A whole greeting, then (in the same write) a file header announcing 100 000 bytes and
    // 3 000 of them.
    let mut bytes = chat_harness::protocol::ServerFrame::AuthOk("hi".into())
        .to_bytes()
        .unwrap();
    let header =
        chat_harness::protocol::ServerFrame::File(chat_harness::protocol::ServerFileHeader {
            time: HhMm::from_unix(0, 0),
            sender: "x".into(),
            size: 100_000,
            filename: "half.bin".into(),
            caption: None,
        });
    header.encode(&mut bytes).unwrap();
    bytes.extend(std::iter::repeat_n(7u8, 3000));
    let addr = peer_that_writes(bytes).await;
    let scenario = parse_str("connect a\na< auth-ok\n", Path::new("t.chat")).unwrap();
    let settings = RunSettings {
        default_timeout: Duration::from_millis(300),
        ..RunSettings::default()
    };
    let run = run_scenario(&scenario, addr, &settings).await;
    let Verdict::Fail(failure) = run.verdict else {
        panic!("an unfinished file fails the scenario: {:?}", run.verdict);
    };
    assert_eq!(failure.step, "(end of scenario, after line 2)");
    assert_eq!(
        failure.actual.as_deref(),
        Some("file header for half.bin from [x] announcing 100 000 bytes, then 3 000 body bytes; the rest never came")
    );
}
