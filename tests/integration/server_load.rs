//! Load over real sockets, in both modes: a client that never reads while two others exchange
//! 50 MB (it is cut off, they are told, and their messages keep flowing), and 200 clients each
//! receiving 100 messages in the server's order.

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use chat_harness::protocol::{ClientFrame, Frame, Item, ServerFrame};
use chat_harness::server::Mode;

use crate::server_support::{Client, TestServer, DEADLINE};

both_modes!(
    a_client_that_never_reads_is_cut_off_while_the_others_carry_on,
    two_hundred_clients_each_receive_a_hundred_messages_in_order,
);

/// Bytes per message in the exchange; 417 of them each way make 50 MB.
const MESSAGE: usize = 60_000;
const MESSAGES_EACH_WAY: usize = 417;
/// Messages a sender may have ahead of its reader: a reader that keeps up stays far below
/// the 4 MiB queue limit (an unpaced flood would make any slower reader a slow reader).
const WINDOW: usize = 16;
/// The longest a message may take after the previous one: a stall detector.
const MAX_GAP: Duration = Duration::from_secs(5);

/// Writes `count` numbered messages from `client`'s socket (from another thread), at most
/// `WINDOW` ahead of the acknowledgements the reader sends on `acks`.
fn send_numbered(
    client: &Client,
    count: usize,
    size: usize,
    acks: Option<Receiver<()>>,
) -> impl FnOnce() + Send {
    let mut stream = client.stream().try_clone().expect("clone");
    move || {
        let padding = "p".repeat(size - 16);
        for i in 0..count {
            if let (Some(acks), true) = (&acks, i >= WINDOW) {
                acks.recv_timeout(DEADLINE).expect("the reader stalled");
            }
            let frame = ClientFrame::Text(format!("{i:08} {padding}"));
            stream
                .write_all(&frame.to_bytes().expect("encodes"))
                .expect("send");
        }
    }
}

/// Reads until `count` chat lines from `sender` arrived, acknowledging each; checks their
/// order and the gaps between them, and returns the other notices seen on the way.
fn receive_numbered(
    client: &mut Client,
    sender: &str,
    count: usize,
    acks: &Sender<()>,
) -> Vec<String> {
    let mut notices = Vec::new();
    let mut next = 0;
    let mut last = Instant::now();
    while next < count {
        let text = client.text();
        match text.chat_line() {
            Some((from, message)) => {
                assert_eq!(from, sender, "{}", client.name);
                assert_eq!(
                    message[..8].parse::<usize>().ok(),
                    Some(next),
                    "{}",
                    client.name
                );
                next += 1;
                let gap = last.elapsed();
                assert!(
                    gap < MAX_GAP,
                    "{}: stalled {gap:?} before message {next}",
                    client.name
                );
                last = Instant::now();
                // The sender may have finished and dropped its receiver.
                let _ = acks.send(());
            }
            None => notices.push(text.body),
        }
    }
    notices
}

fn a_client_that_never_reads_is_cut_off_while_the_others_carry_on(mode: Mode) {
    let server = TestServer::start(mode);
    let [mut a, mut b, mut slow] = server.login_all(["a", "b", "slow"]);
    let start = Instant::now();
    let (acks_to_a, acks_for_a) = mpsc::channel();
    let (acks_to_b, acks_for_b) = mpsc::channel();
    let from_a = send_numbered(&a, MESSAGES_EACH_WAY, MESSAGE, Some(acks_for_a));
    let from_b = send_numbered(&b, MESSAGES_EACH_WAY, MESSAGE, Some(acks_for_b));
    let (notices_a, notices_b) = std::thread::scope(|scope| {
        scope.spawn(from_a);
        scope.spawn(from_b);
        let at_b = scope.spawn(|| receive_numbered(&mut b, "a", MESSAGES_EACH_WAY, &acks_to_a));
        let notices_a = receive_numbered(&mut a, "b", MESSAGES_EACH_WAY, &acks_to_b);
        (notices_a, at_b.join().expect("reader thread"))
    });
    let elapsed = start.elapsed();
    for notices in [&notices_a, &notices_b] {
        assert_eq!(notices, &["User slow disconnected"], "the others are told");
    }
    assert!(
        elapsed < Duration::from_secs(60),
        "exchange took {elapsed:?}"
    );
    // The slow client was cut off: whatever it had buffered, then the end of the stream,
    // long before it could have received 50 MB.
    let mut received = 0;
    while let Some(item) = slow.next() {
        if let Item::Frame(ServerFrame::Text(text)) = item {
            received += text.body.len();
        }
    }
    assert!(received < 25_000_000, "slow reader got {received} bytes");
}

fn two_hundred_clients_each_receive_a_hundred_messages_in_order(mode: Mode) {
    const RECEIVERS: usize = 200;
    const SENDERS: usize = 4;
    const PER_SENDER: usize = 25;
    let server = TestServer::start(mode);
    let senders: Vec<Client> = (0..SENDERS)
        .map(|i| server.login(&format!("s{i}")))
        .collect();
    let receivers: Vec<Client> = (0..RECEIVERS)
        .map(|i| server.login(&format!("r{i:03}")))
        .collect();
    let sequences: Vec<Vec<(String, usize)>> = std::thread::scope(|scope| {
        for sender in &senders {
            scope.spawn(send_numbered(sender, PER_SENDER, 40, None));
        }
        let readers: Vec<_> = receivers
            .into_iter()
            .map(|mut r| {
                scope.spawn(move || {
                    let mut got = Vec::new();
                    while got.len() < SENDERS * PER_SENDER {
                        let text = r.text();
                        if let Some((from, message)) = text.chat_line() {
                            let n = message[..8].parse::<usize>().expect("numbered");
                            got.push((from.to_owned(), n));
                        } else {
                            assert!(text.body.ends_with(" connected"), "{}: {text:?}", r.name);
                        }
                    }
                    got
                })
            })
            .collect();
        readers
            .into_iter()
            .map(|r| r.join().expect("reader"))
            .collect()
    });
    for got in &sequences {
        let mut next: HashMap<&str, usize> = HashMap::new();
        for (from, n) in got {
            let expected = next.entry(from).or_default();
            assert_eq!(*n, *expected, "messages from {from} out of order");
            *expected += 1;
        }
    }
    // One server order, the same at every receiver.
    assert!(sequences.iter().all(|s| s == &sequences[0]));
}
