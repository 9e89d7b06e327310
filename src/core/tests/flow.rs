//! Flow control in the core: senders paused by a recipient over its limit and resumed when it
//! drains, nothing dropped, stalled readers disconnected, ordinary conversation never paused,
//! and the spool limit.

use super::*;

fn tight() -> Limits {
    Limits {
        queue_limit: 128 * 1024,
        stall_timeout: Duration::from_secs(2),
        ..Limits::default()
    }
}

fn big(i: usize) -> String {
    format!("{i:04}{}", "x".repeat(60_000))
}

/// alice sends `n` big texts in one read; returns their encoding.
fn flood(n: usize) -> Vec<u8> {
    let mut input = Vec::new();
    for i in 0..n {
        ClientFrame::Text(big(i)).encode(&mut input).unwrap();
    }
    input
}

#[test]
fn ordinary_conversation_is_never_paused() {
    let mut h = harness();
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    let carol = h.login("carol", 0);
    // Nobody reports anything written: 300 lines stay far below the 4 MiB limit.
    for i in 0..300 {
        let from = [alice, bob, carol][i % 3];
        h.send(from, ClientFrame::Text(format!("line {i}")));
        assert!(!h.core.is_paused(from));
    }
    assert!(h.resumed.is_empty() && h.closed.is_empty());
    assert_eq!(
        h.core.next_deadline(),
        Some(Limits::default().auth_timeout),
        "only the auth deadline: no stall clock runs"
    );
}

#[test]
fn a_flood_pauses_at_a_full_reader_and_resumes_as_it_drains_with_nothing_lost() {
    let mut h = Harness::new(tight());
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    h.bytes(alice, &flood(20));
    assert!(h.core.is_paused(alice), "bob is over the limit");
    let limit = tight().queue_limit;
    let queued = h.core.queued(bob).unwrap();
    assert!(
        queued > limit && queued <= limit + 60_100,
        "over by one frame at most: {queued}"
    );
    assert_eq!(
        h.core.next_deadline(),
        Some(Duration::from_secs(2)),
        "bob's stall clock"
    );
    // bob drains a bit at a time; each time he is back under the limit alice goes on.
    let mut rounds = 0;
    while h.core.is_paused(alice) {
        rounds += 1;
        assert!(rounds < 100, "alice never finished");
        h.core.handle_written(bob, 30_000, h.now);
        h.drain();
    }
    assert_eq!(h.resumed.last(), Some(&alice));
    let texts = h.texts(bob);
    let expected: Vec<String> = (0..20)
        .map(|i| format!("<20:29> [alice] {}", big(i)))
        .collect();
    assert!(texts == expected, "all 20, in order");
    assert!(h.closed.is_empty());
    h.written_all(bob);
    assert_eq!(
        h.core.next_deadline(),
        Some(Limits::default().auth_timeout),
        "bob is under the limit again: no stall clock"
    );
}

#[test]
fn a_reader_that_stops_is_disconnected_after_the_stall_timeout_and_its_senders_resume() {
    let mut h = Harness::new(tight());
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    let carol = h.login("carol", 0);
    h.texts(alice);
    h.texts(bob);
    h.bytes(alice, &flood(10));
    assert!(h.core.is_paused(alice));
    // bob reads everything; carol reads nothing.
    h.written_all(bob);
    assert!(h.core.is_paused(alice), "still waiting for carol");
    assert_eq!(h.core.next_deadline(), Some(Duration::from_secs(2)));
    // Progress while over the limit restarts the clock.
    h.now.elapsed = Duration::from_millis(1500);
    h.core.handle_written(carol, 1, h.now);
    h.drain();
    h.now.elapsed = Duration::from_millis(3000);
    h.core.handle_tick(h.now);
    h.drain();
    assert!(!h.closed.contains_key(&carol));
    h.now.elapsed = Duration::from_millis(3500);
    h.core.handle_tick(h.now);
    h.drain();
    assert_eq!(h.closed.get(&carol), Some(&CloseReason::Stalled));
    assert!(h.core.names().all(|(name, _)| name != "carol"));
    // alice goes on at bob's pace.
    let mut rounds = 0;
    while h.core.is_paused(alice) {
        rounds += 1;
        assert!(rounds < 100, "alice never finished");
        h.written_all(bob);
    }
    assert_eq!(h.resumed.last(), Some(&alice));
    h.written_all(bob);
    let texts = h.texts(bob);
    assert!(texts.contains(&"<20:29> User carol disconnected".to_owned()));
    assert_eq!(texts.iter().filter(|t| t.contains("[alice]")).count(), 10);
}

#[test]
fn a_sender_that_does_not_read_its_own_replies_is_paused_by_them() {
    let mut h = Harness::new(tight());
    let alice = h.login("alice", 0);
    // Malformed frames, each answered with a reply to alice herself.
    let junk: Vec<u8> = (0..5_000).flat_map(|_| wire(0x7f, b"?")).collect();
    h.bytes(alice, &junk);
    assert!(h.core.is_paused(alice));
    h.written_all(alice);
    assert!(h.resumed.contains(&alice) || h.core.is_paused(alice));
}

#[test]
fn uploads_past_the_spool_limit_are_refused_and_the_sender_stays() {
    let mut h = Harness::new(Limits {
        spool_limit: 1000,
        ..Limits::default()
    });
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    let header = |size| {
        ClientFrame::File(ClientFileHeader {
            size,
            filename: "f.bin".into(),
            caption: None,
        })
    };
    let carol = h.login("carol", 0);
    h.texts(alice);
    h.texts(bob);
    // carol's upload in progress reserves its announced size: bob's would pass the limit.
    h.send(carol, header(600));
    h.bytes(carol, &[1; 300]);
    h.send(bob, header(401));
    h.bytes(bob, &[2; 401]);
    assert_eq!(h.texts(bob), [wording::SPOOL_FULL]);
    h.bytes(carol, &[1; 300]);
    assert_eq!(h.core.spool().held(), 600);
    h.send(bob, header(400));
    h.bytes(bob, &[3; 400]);
    h.send(bob, ClientFrame::Text("still here".into()));
    let items = h.items(alice);
    assert_eq!(
        items
            .iter()
            .filter(|i| matches!(i, Item::Frame(ServerFrame::File(_))))
            .count(),
        2
    );
    assert_eq!(h.core.spool().stored().len(), 2);
    assert!(h.closed.is_empty());
}

#[test]
fn bytes_of_a_file_body_count_as_progress_though_no_cost_completes() {
    let mut h = Harness::new(tight());
    let alice = h.login("alice", 0);
    let bob = h.login("bob", 0);
    h.texts(alice);
    h.bytes(alice, &flood(5));
    assert!(h.core.is_paused(alice));
    // bob drains a long file body for 5 s: bytes move, no queue cost completes.
    for ms in (500..=5000).step_by(500) {
        h.now.elapsed = Duration::from_millis(ms);
        h.core.handle_written(bob, 0, h.now);
        h.core.handle_tick(h.now);
        h.drain();
    }
    assert!(!h.closed.contains_key(&bob), "bob kept reading");
    h.now.elapsed = Duration::from_millis(7000);
    h.core.handle_tick(h.now);
    h.drain();
    assert_eq!(h.closed.get(&bob), Some(&CloseReason::Stalled));
}
