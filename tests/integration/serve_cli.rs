//! `chat-harness serve` as a user runs it: it prints the address it bound, two clients chat,
//! and SIGTERM stops it cleanly (exit 0, connections closed, partial upload removed).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Instant;

use chat_harness::protocol::{ClientFileHeader, ClientFrame};

use crate::server_support::{list, wait_for, Client, DEADLINE};

#[test]
fn serve_prints_its_address_chats_and_stops_cleanly_on_sigterm() {
    for mode in ["polling", "threaded"] {
        let root = tempfile::tempdir().expect("temp dir");
        let files = root.path().join("files");
        let mut child = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
            .args([
                "serve",
                "--mode",
                mode,
                "--listen",
                "127.0.0.1:0",
                "--files-dir",
            ])
            .arg(&files)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reads stdout");
        let addr: SocketAddr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{mode}: unexpected first line {line:?}"))
            .parse()
            .expect("an address");

        let mut alice = Client::connect(addr, "alice");
        alice.send(&ClientFrame::auth("alice", 10800));
        alice.expect_greeting();
        alice.offset = 10800;
        let mut bob = Client::connect(addr, "bob");
        bob.send(&ClientFrame::auth("bob", 0));
        bob.expect_greeting();
        alice.expect_notice("bob connected");
        bob.say("hello from bob");
        alice.expect_chat("bob", "hello from bob");

        bob.send(&ClientFrame::File(ClientFileHeader {
            size: 1000,
            filename: "half.bin".into(),
            caption: None,
        }));
        bob.send_raw(&[0; 400]);
        wait_for("the partial upload", || list(&files) == ["half.bin"]);

        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{mode}: still running after SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        assert!(status.success(), "{mode}: exit status {status}");
        assert_eq!(alice.until_closed(), []);
        assert_eq!(bob.until_closed(), []);
        assert_eq!(
            list(&files),
            Vec::<String>::new(),
            "{mode}: partial upload removed"
        );
    }
}
