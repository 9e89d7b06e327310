//! The polling server holding 10 000 authenticated idle clients, and what each costs it.
//! Heavy, so ignored by default; run it with
//! `cargo test --release --test integration -- --ignored --nocapture ten_thousand`
//! (two to four minutes here; `IDLE_WAVE=100` connects in a third of the time, see [`WAVE`]).
//!
//! The server runs as its own process (the `serve` binary) so that its resident memory is
//! measured alone: VmRSS from `/proc/PID/status` before the first client and once all clients
//! are authenticated and every notice has been delivered. The file-descriptor limit is raised
//! inside this test (the server inherits it), never in the user's shell.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chat_harness::protocol::{ClientFrame, Frame, Item, ServerFrame, StreamDecoder};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

const CLIENTS: usize = 10_000;
/// Clients connected and authenticated together (every earlier client hears of each);
/// `IDLE_WAVE` overrides it. Bigger waves connect faster, but each connection's queue holds a
/// whole wave of notices at once, and the allocator keeps that memory: with 100 the measured
/// cost per client roughly triples, so the default measures the steady state.
const WAVE: usize = 10;
const TIMEOUT: Duration = Duration::from_secs(300);

struct Idle {
    stream: TcpStream,
    decoder: StreamDecoder<ServerFrame>,
    frames: usize,
}

#[test]
#[ignore = "opens 20 000 sockets; run on demand with --release --ignored"]
fn ten_thousand_idle_clients_on_the_polling_server() {
    raise_fd_limit(CLIENTS as u64 + 1000);
    let root = tempfile::tempdir().expect("temp dir");
    let max_clients = (CLIENTS + 100).to_string();
    let (mut server, addr) = serve_process(
        &["--mode", "polling", "--max-clients", &max_clients],
        &root.path().join("files"),
    );
    let baseline = rss_kib(server.id());
    let start = Instant::now();

    let mut poll = Poll::new().expect("poll");
    let mut events = Events::with_capacity(4096);
    let mut clients: Vec<Idle> = Vec::with_capacity(CLIENTS);
    let mut buf = vec![0; 64 * 1024];
    let wave = std::env::var("IDLE_WAVE")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(WAVE);
    while clients.len() < CLIENTS {
        for _ in 0..wave.min(CLIENTS - clients.len()) {
            let i = clients.len();
            let std_stream = std::net::TcpStream::connect(addr).expect("connect");
            std_stream.set_nonblocking(true).expect("nonblocking");
            let mut stream = TcpStream::from_std(std_stream);
            poll.registry()
                .register(&mut stream, Token(i), Interest::READABLE)
                .expect("register");
            let auth = ClientFrame::auth(format!("c{i:05}"), 0)
                .to_bytes()
                .expect("encodes");
            stream
                .write_all(&auth)
                .expect("auth fits in a fresh socket buffer");
            clients.push(Idle {
                stream,
                decoder: StreamDecoder::new(),
                frames: 0,
            });
        }
        // Client i gets its greeting and a notice for each later client.
        let n = clients.len();
        let expected: usize = n * (n + 1) / 2;
        let mut received: usize = clients.iter().map(|c| c.frames).sum();
        while received < expected {
            assert!(
                start.elapsed() < TIMEOUT,
                "stuck at {received}/{expected} frames"
            );
            poll.poll(&mut events, Some(Duration::from_secs(10)))
                .expect("poll");
            for event in events.iter() {
                let client = &mut clients[event.token().0];
                received += read_all(client, &mut buf);
            }
        }
    }
    let connected_in = start.elapsed();
    let loaded = rss_kib(server.id());
    let per_client = (loaded.saturating_sub(baseline)) as f64 * 1024.0 / CLIENTS as f64;
    println!(
        "{CLIENTS} idle authenticated clients (waves of {wave}) in {connected_in:.1?}: server \
         VmRSS {baseline} KiB before, {loaded} KiB after, {per_client:.0} bytes per idle client"
    );

    // Still serving: one line reaches the last client.
    let hello = ClientFrame::Text("still there?".into())
        .to_bytes()
        .expect("encodes");
    clients[0].stream.write_all(&hello).expect("send");
    let last = CLIENTS - 1;
    let before = clients[last].frames;
    while clients[last].frames == before {
        assert!(start.elapsed() < TIMEOUT, "the last client never heard");
        poll.poll(&mut events, Some(Duration::from_secs(10)))
            .expect("poll");
        for event in events.iter() {
            read_all(&mut clients[event.token().0], &mut buf);
        }
    }

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert!(server.wait().expect("server exits").success());
    assert!(per_client < 16_384.0, "{per_client} bytes per idle client");
}

/// Reads until `WouldBlock`, decoding; returns the number of frames that arrived.
fn read_all(client: &mut Idle, buf: &mut [u8]) -> usize {
    let before = client.frames;
    loop {
        match std::io::Read::read(&mut client.stream, buf) {
            Ok(0) => panic!("the server closed an idle client"),
            Ok(n) => client.decoder.feed(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("read: {e}"),
        }
    }
    while let Some(item) = client.decoder.next_item() {
        match item.expect("well-formed") {
            Item::Frame(ServerFrame::AuthOk(_) | ServerFrame::Text(_)) => client.frames += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    client.frames - before
}

/// Resident memory of a process, from `/proc/PID/status`.
/// Starts `chat-harness serve` on a free port with these options (logging warnings only) and
/// returns the process and the address it printed.
pub(crate) fn serve_process(options: &[&str], files: &std::path::Path) -> (Child, SocketAddr) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(options)
        .arg("--files-dir")
        .arg(files)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address line");
    let addr = line
        .trim()
        .trim_start_matches("listening on ")
        .parse()
        .expect("address");
    (server, addr)
}

/// The resident memory of process `pid`, in KiB.
pub(crate) fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Raises this process's soft RLIMIT_NOFILE (children inherit it): each side needs one
/// descriptor per client.
fn raise_fd_limit(want: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    assert!(ok, "getrlimit");
    let target = want.min(limit.rlim_max);
    assert!(
        target >= want,
        "hard fd limit {} is below {want}",
        limit.rlim_max
    );
    limit.rlim_cur = target;
    // SAFETY: as above.
    let ok = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0;
    assert!(ok, "setrlimit");
}
