//! The proxy's timed perturbations, measured from outside: a delayed round trip takes at
//! least twice the delay, coalesced writes reach the receiver as one read, a bandwidth cap
//! paces a transfer, and `reset-after` resets a connection after that many bytes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use chat_harness::protocol::ClientFrame;
use chat_harness::proxy::transport::parse;
use chat_harness::proxy::{Perturb, ProxyConfig, ProxyHandle};
use chat_harness::server::Mode;

use crate::server_support::{Client, TestServer, DEADLINE};

fn proxy_to(upstream: String, perturb: Perturb) -> ProxyHandle {
    // Events are not watched here: the receiver is dropped and the proxy ignores that.
    let (tx, _) = mpsc::channel();
    let config = ProxyConfig { upstream, perturb };
    ProxyHandle::spawn(config, tx).expect("proxy starts")
}

/// A plain listener standing in for the server, to see exactly what the proxy writes.
fn raw_upstream() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind")
}

fn accept(listener: &TcpListener) -> TcpStream {
    let (stream, _) = listener.accept().expect("the proxy connects upstream");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    stream
}

#[test]
fn delay_makes_a_round_trip_through_the_built_in_server_take_twice_as_long() {
    let server = TestServer::start(Mode::Polling);
    let proxy = proxy_to(
        server.addr().to_string(),
        parse("delay=150ms±20ms").unwrap(),
    );
    let mut alice = Client::connect(proxy.addr(), "alice");
    let start = Instant::now();
    alice.send(&ClientFrame::auth("alice", 0));
    alice.expect_greeting();
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(260), "round trip in {took:?}");
    assert!(took < DEADLINE, "{took:?}");
    drop(alice);
    proxy.shutdown().expect("proxy stops");
}

#[test]
fn coalesce_merges_two_writes_into_one_read_at_the_receiver() {
    let upstream = raw_upstream();
    let proxy = proxy_to(
        upstream.local_addr().unwrap().to_string(),
        parse("coalesce=400ms,only=to-server").unwrap(),
    );
    let mut client = TcpStream::connect(proxy.addr()).expect("connect");
    let mut server = accept(&upstream);
    client.write_all(b"first ").unwrap();
    // A gap well apart from the proxy's point of view (it reads them separately) but
    // inside the coalescing window: the input, not synchronisation.
    thread::sleep(Duration::from_millis(50));
    client.write_all(b"second").unwrap();
    let mut buf = [0u8; 64];
    let n = server.read(&mut buf).expect("read");
    assert_eq!(&buf[..n], b"first second", "one write carried both");
    drop(client);
    proxy.shutdown().expect("proxy stops");
}

#[test]
fn bandwidth_paces_64_kib_at_32k_per_second_over_one_and_a_half_seconds() {
    let upstream = raw_upstream();
    let proxy = proxy_to(
        upstream.local_addr().unwrap().to_string(),
        parse("bandwidth=32K").unwrap(),
    );
    let mut client = TcpStream::connect(proxy.addr()).expect("connect");
    let mut server = accept(&upstream);
    let start = Instant::now();
    let writer = thread::spawn(move || {
        client.write_all(&vec![7u8; 64 << 10]).unwrap();
        client
    });
    let mut got = 0;
    let mut buf = vec![0u8; 16 << 10];
    while got < 64 << 10 {
        let n = server.read(&mut buf).expect("read");
        assert!(n > 0, "closed after {got} bytes");
        got += n;
    }
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(1500), "64 KiB in {took:?}");
    assert!(took < DEADLINE, "{took:?}");
    drop(writer.join());
    proxy.shutdown().expect("proxy stops");
}

#[test]
fn reset_after_resets_both_sides_after_that_many_bytes() {
    let upstream = raw_upstream();
    let proxy = proxy_to(
        upstream.local_addr().unwrap().to_string(),
        parse("reset-after=1K,only=to-client").unwrap(),
    );
    let mut client = TcpStream::connect(proxy.addr()).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut server = accept(&upstream);
    // Written before the client reads: whatever the proxy does, the server's write fits.
    server.write_all(&[1u8; 4096]).unwrap();
    let mut got = 0;
    let mut buf = [0u8; 4096];
    let ended = loop {
        match client.read(&mut buf) {
            Ok(0) => break "end of stream".to_owned(),
            Ok(n) => got += n,
            Err(e) => break e.kind().to_string(),
        }
    };
    assert!(got <= 1024, "{got} bytes reached the client");
    // An RST, not a FIN: the proxy closes both sockets with a zero linger and no shutdown.
    assert!(
        ended.contains("reset"),
        "the client saw {ended} after {got} bytes"
    );
    // The server's side was reset too: its next read ends.
    server.set_read_timeout(Some(DEADLINE)).unwrap();
    assert!(!matches!(server.read(&mut buf), Ok(n) if n > 0));
    proxy.shutdown().expect("proxy stops");
}
