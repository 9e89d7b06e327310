//! `proxy --check`: in front of the original-style Python server, the notice it leaks to a
//! connection that has not authenticated is a deviation from the reference; in front of the
//! built-in server, the same clients (and the whole proxied conversation) show none.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use chat_harness::protocol::{ClientFrame, ServerFrame};
use chat_harness::proxy::check::{Checker, Deviation};
use chat_harness::proxy::{Event, EventKind, Perturb, ProxyConfig, ProxyHandle};
use chat_harness::server::Mode;

use crate::proxy::conversation;
use crate::server_support::{wait_for, Client, TestServer, DEADLINE};
use crate::support::python;

/// The original-style server on a free port; killed when dropped.
struct Original(Child, SocketAddr);

impl Original {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/original_server.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_for("the original-style server to listen", || {
            TcpStream::connect(addr).is_ok()
        });
        Self(child, addr)
    }
}

impl Drop for Original {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Feeds events to the checker until `until` says stop; keeps the deviations.
fn feed(
    rx: &mpsc::Receiver<Event>,
    checker: &mut Checker,
    deviations: &mut Vec<Deviation>,
    mut until: impl FnMut(&Event) -> bool,
) {
    let start = Instant::now();
    loop {
        let left = DEADLINE.saturating_sub(start.elapsed());
        let event = rx.recv_timeout(left).expect("the awaited event in time");
        deviations.extend(checker.add(&event));
        if until(&event) {
            return;
        }
    }
}

/// Bob connects and stays unauthenticated; alice joins and leaves; bob goes. Returns the
/// deviations the checker found, once every direction has closed.
fn two_clients(upstream: SocketAddr, bob_sees_the_leak: bool) -> Vec<Deviation> {
    let (tx, rx) = mpsc::channel();
    let config = ProxyConfig {
        upstream: upstream.to_string(),
        perturb: Perturb::default(),
    };
    let proxy = ProxyHandle::spawn(config, tx).expect("proxy starts");
    let (mut checker, mut deviations) = (Checker::new(), Vec::new());
    let mut bob = Client::connect(proxy.addr(), "bob");
    feed(&rx, &mut checker, &mut deviations, |e| {
        matches!(e.kind, EventKind::Opened { .. })
    });
    let mut alice = Client::connect(proxy.addr(), "alice");
    alice.send(&ClientFrame::auth("alice", 0));
    alice.expect_greeting();
    if bob_sees_the_leak {
        assert!(matches!(bob.frame(), ServerFrame::Text(t) if t.body == "alice connected"));
    }
    alice.send(&ClientFrame::Exit(">>exit<<".into()));
    alice.until_closed();
    drop((alice, bob));
    let mut closed = 0;
    feed(&rx, &mut checker, &mut deviations, |e| {
        closed += usize::from(matches!(e.kind, EventKind::Closed { .. }));
        closed == 4
    });
    proxy.shutdown().expect("proxy stops");
    assert_eq!(checker.count, deviations.len());
    deviations
}

#[test]
fn the_original_style_server_leaks_a_notice_to_an_unauthenticated_socket() {
    if !python() {
        eprintln!("python3 is not installed: skipping the original-style server");
        return;
    }
    let original = Original::start();
    let deviations = two_clients(original.1, true);
    let leak: Vec<_> = deviations
        .iter()
        .filter(|d| d.conn == 1 && d.text.contains("alice connected"))
        .collect();
    assert_eq!(leak.len(), 1, "{deviations:#?}");
    assert!(
        leak[0].text.starts_with("#1 got `0x03 text \"<")
            && leak[0]
                .text
                .ends_with("alice connected\"`; the reference sends nothing to a connection that has not authenticated"),
        "{deviations:#?}"
    );
}

#[test]
fn the_built_in_server_shows_no_deviation() {
    for mode in [Mode::Polling, Mode::Threaded] {
        let server = TestServer::start(mode);
        assert_eq!(two_clients(server.addr(), false), [], "{mode:?}");
    }
    let mut checker = Checker::new();
    let deviations: Vec<_> = conversation(Mode::Polling, Perturb::default())
        .iter()
        .flat_map(|e| checker.add(e))
        .collect();
    assert_eq!(deviations, [], "the whole proxied conversation");
}
