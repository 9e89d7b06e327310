//! `chat-harness proxy` as a user runs it: the address on stderr, one JSON object per frame
//! on stdout while it runs, and Ctrl-C (SIGINT) stops it with exit 0 and a summary line.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use chat_harness::protocol::ClientFrame;
use chat_harness::server::Mode;

use crate::server_support::{wait_for, Client, TestServer, DEADLINE};

#[test]
fn json_lines_while_it_runs_and_a_clean_stop_on_ctrl_c() {
    let server = TestServer::start(Mode::Polling);
    let mut child = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(["proxy", "--listen", "127.0.0.1:0", "--format", "json"])
        .args(["--upstream", &server.addr().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("piped stderr"))
        .read_line(&mut line)
        .expect("reads stderr");
    let addr: SocketAddr = line
        .strip_prefix("proxying ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("an address");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });

    let mut alice = Client::connect(addr, "alice");
    alice.send(&ClientFrame::auth("alice", 0));
    alice.expect_greeting();
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let start = Instant::now();
    while seen.iter().filter(|v| v["event"] == "frame").count() < 2 {
        let left = DEADLINE.saturating_sub(start.elapsed());
        let line = rx.recv_timeout(left).expect("two frame lines in time");
        seen.push(serde_json::from_str(&line).expect("each line is one JSON object"));
    }
    let frames: Vec<_> = seen.iter().filter(|v| v["event"] == "frame").collect();
    assert_eq!(frames[0]["dir"], "client_to_server");
    assert_eq!(frames[0]["type"], 0);
    assert_eq!(frames[0]["summary"], "0x00 auth \"alice\" offset 0");
    assert_eq!(frames[1]["dir"], "server_to_client");
    assert_eq!(frames[1]["conn"], 1);

    // Ctrl-C while alice is still connected: her connection is closed, the proxy exits 0.
    // SAFETY: kill(2) on our own child's pid.
    let pid = i32::try_from(child.id()).expect("pid fits");
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut status = None;
    wait_for("the proxy to exit on SIGINT", || {
        status = child.try_wait().expect("wait");
        status.is_some()
    });
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    assert!(alice.until_closed().is_empty(), "alice's connection closed");
    reader.join().expect("reader");
    let last: Vec<String> = rx.try_iter().collect();
    let summary: serde_json::Value =
        serde_json::from_str(last.last().expect("a summary line")).expect("JSON");
    assert_eq!(summary["event"], "summary", "{last:#?}");
    assert_eq!(summary["connections"], 1);
}

#[test]
fn the_help_shows_watch_record_check_and_perturb() {
    let out = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(["proxy", "--help"])
        .output()
        .expect("the binary runs");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for example in [
        "chat-harness proxy --listen 127.0.0.1:55555 --upstream 127.0.0.1:6000",
        "chat-harness proxy --upstream 127.0.0.1:6000 --record session.chat",
        "chat-harness run session.chat --spawn",
        "chat-harness proxy --upstream 127.0.0.1:6000 --check",
        "chat-harness proxy --upstream 127.0.0.1:6000 --slice 1",
    ] {
        assert!(help.contains(example), "{example:?} missing from:\n{help}");
    }
}
