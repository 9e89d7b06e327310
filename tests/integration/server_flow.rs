//! Flow control and bounded storage over real sockets, in both modes: an unpaced flood reaches
//! a slow but steady reader whole and in order while a reader that stopped is disconnected
//! within the stall timeout (plus a second); relayed uploads are deleted (or kept with
//! `--keep-uploads`); an upload past the spool limit is refused and its sender stays.

use std::io::Write;
use std::time::{Duration, Instant};

use chat_harness::core::{wording, Limits};
use chat_harness::protocol::{ClientFileHeader, ClientFrame, Frame, Item, ServerFrame};
use chat_harness::server::Mode;

use crate::server_support::{list, numbered_flood, test_limits, wait_for, Client, TestServer};

both_modes!(
    an_unpaced_flood_reaches_a_steady_reader_and_a_stopped_one_goes_in_time,
    a_hundred_relayed_uploads_leave_nothing_behind,
    a_hundred_relayed_uploads_are_all_kept_with_keep_uploads,
    an_upload_past_the_spool_limit_is_refused_and_the_sender_stays,
);

const MESSAGE: usize = 60_000;
const FLOOD: usize = 200;
const STALL: Duration = Duration::from_secs(1);

fn limits() -> Limits {
    Limits {
        queue_limit: 1 << 20,
        stall_timeout: STALL,
        ..test_limits()
    }
}

fn an_unpaced_flood_reaches_a_steady_reader_and_a_stopped_one_goes_in_time(mode: Mode) {
    let server = TestServer::with_limits(mode, limits());
    let [mut alice, mut bob, mut carol] = server.login_all(["alice", "bob", "carol"]);
    // The whole flood in one buffer, written with as few system calls as the socket allows.
    let flood = numbered_flood(FLOOD, MESSAGE);
    let mut stream = alice.stream().try_clone().expect("clone");
    let start = Instant::now();
    let (next, notice_at) = std::thread::scope(|scope| {
        scope.spawn(move || {
            stream
                .write_all(&flood)
                .expect("the server keeps reading alice")
        });
        // bob reads steadily, at most about 6 MB/s (the sleep is his pace, not a wait for an
        // event): slower than the flood, so his queue fills too and alice is held back.
        let mut next = 0;
        let mut notice_at = None;
        while next < FLOOD || notice_at.is_none() {
            let text = bob.text();
            match text.chat_line() {
                Some((from, message)) => {
                    assert_eq!(from, "alice");
                    assert_eq!(message[..8].parse::<usize>().ok(), Some(next), "in order");
                    next += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                None => {
                    assert_eq!(text.body, wording::disconnected("carol"));
                    notice_at = Some(start.elapsed());
                }
            }
        }
        (next, notice_at)
    });
    assert_eq!(next, FLOOD);
    // carol's queue filled after the flood began, so this bounds the time from full to gone.
    let notice_at = notice_at.expect("bob was told carol left");
    println!("{mode}: carol disconnected {notice_at:?} after the flood began");
    assert!(
        notice_at >= STALL && notice_at <= STALL + Duration::from_secs(1),
        "carol went {notice_at:?} after the flood began (stall timeout {STALL:?})"
    );
    // alice was never cut off: she is told carol left, and still gets through.
    alice.expect_notice(&wording::disconnected("carol"));
    alice.say("still here");
    bob.expect_chat("alice", "still here");
    let mut received = 0;
    while let Some(item) = carol.next() {
        if let Item::Frame(ServerFrame::Text(text)) = item {
            received += text.body.len();
        }
    }
    assert!(received < FLOOD * MESSAGE / 2, "carol got {received} bytes");
}

fn upload(client: &mut Client, name: &str, body: &[u8]) {
    let frame = ClientFrame::File(ClientFileHeader {
        size: u32::try_from(body.len()).expect("fits"),
        filename: name.to_owned(),
        caption: None,
    });
    let mut bytes = frame.to_bytes().expect("encodes");
    bytes.extend_from_slice(body);
    client.send_raw(&bytes);
}

/// Reads one relayed file and its notice; returns its name and body length.
fn receive_file(client: &mut Client) -> (String, usize) {
    let Item::Frame(ServerFrame::File(header)) = client.item() else {
        panic!("{}: expected a file header", client.name)
    };
    let mut len = 0;
    loop {
        match client.item() {
            Item::FileBody(chunk) => len += chunk.len(),
            Item::FileEnd => break,
            Item::Frame(frame) => panic!("{}: {frame:?} inside a file body", client.name),
        }
    }
    let text = client.text();
    assert!(text.body.contains("uploaded file"), "{}", text.body);
    (header.filename, len)
}

fn relay_a_hundred(mode: Mode, keep: bool) -> TestServer {
    let server = TestServer::with_config(mode, test_limits(), keep);
    let [mut alice, mut bob, mut carol] = server.login_all(["alice", "bob", "carol"]);
    let body = vec![7u8; 1 << 20];
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for i in 0..100 {
                upload(&mut alice, &format!("f{i:03}.bin"), &body);
            }
        });
        let at_carol = scope.spawn(|| (0..100).map(|_| receive_file(&mut carol)).count());
        for i in 0..100 {
            assert_eq!(receive_file(&mut bob), (format!("f{i:03}.bin"), 1 << 20));
        }
        assert_eq!(at_carol.join().expect("carol's reader"), 100);
    });
    server
}

fn a_hundred_relayed_uploads_leave_nothing_behind(mode: Mode) {
    let server = relay_a_hundred(mode, false);
    wait_for("every relayed file deleted", || server.stored().is_empty());
}

fn a_hundred_relayed_uploads_are_all_kept_with_keep_uploads(mode: Mode) {
    let server = relay_a_hundred(mode, true);
    let stored = server.stored();
    assert_eq!(stored.len(), 100);
    assert_eq!(stored[0], "f000.bin");
    let len = std::fs::metadata(server.files.join("f099.bin"))
        .expect("kept")
        .len();
    assert_eq!(len, 1 << 20);
}

fn an_upload_past_the_spool_limit_is_refused_and_the_sender_stays(mode: Mode) {
    let server = TestServer::with_config(
        mode,
        Limits {
            spool_limit: 1 << 20,
            ..test_limits()
        },
        false,
    );
    let [mut alice, mut bob, mut carol] = server.login_all(["alice", "bob", "carol"]);
    // carol's upload in progress reserves its 800 KB.
    let big = vec![1u8; 800_000];
    let header = ClientFrame::File(ClientFileHeader {
        size: 800_000,
        filename: "big.bin".into(),
        caption: None,
    });
    carol.send(&header);
    carol.send_raw(&big[..400_000]);
    // The reservation exists once the server has created the partial file.
    let partial = server.files.join("big.bin");
    wait_for("carol's upload started", || partial.exists());
    upload(&mut alice, "small.bin", &[2u8; 300_000]);
    alice.expect_reply(wording::SPOOL_FULL);
    alice.say("still here");
    bob.expect_chat("alice", "still here");
    carol.expect_chat("alice", "still here");
    // carol finishes; once her file is relayed and released, there is room again.
    carol.send_raw(&big[400_000..]);
    assert_eq!(receive_file(&mut bob), ("big.bin".to_owned(), 800_000));
    assert_eq!(receive_file(&mut alice), ("big.bin".to_owned(), 800_000));
    wait_for("carol's file released", || list(&server.files).is_empty());
    upload(&mut alice, "small.bin", &[2u8; 300_000]);
    assert_eq!(receive_file(&mut bob), ("small.bin".to_owned(), 300_000));
}
