//! The `chat-harness client` binary driven through pipes: scripted input on stdin, one event
//! per line on stdout.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chat_harness::protocol::{
    ClientFrame, Frame, HhMm, ServerFileHeader, ServerFrame, StreamDecoder,
};

/// How long any single expected line may take.
const DEADLINE: Duration = Duration::from_secs(10);

/// A running client process with its stdout read line by line on a thread.
pub struct ClientProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl ClientProcess {
    /// Starts `chat-harness client` against `addr` with `files_dir` and extra arguments.
    pub fn start(addr: SocketAddr, files_dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chat-harness"))
            .args([
                "client",
                "--connect",
                &addr.to_string(),
                "--offset",
                "0",
                "--files-dir",
            ])
            .arg(files_dir)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// Writes one input line.
    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").expect("the client reads its input");
        stdin.flush().expect("flush");
    }

    /// Waits for an output line satisfying `want`; returns it.
    pub fn expect(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(_) => panic!("no line {what} within {DEADLINE:?}; saw {:#?}", self.seen),
            }
        }
    }

    /// Closes stdin and waits for the process to end; returns its status and stderr.
    pub fn finish(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        self.finish_without_closing_input()
    }

    /// Waits for the process to end on its own (stdin stays open); returns status and stderr.
    pub fn finish_without_closing_input(mut self) -> (ExitStatus, String) {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("waitable") {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                return (status, stderr);
            }
            assert!(
                Instant::now() < end,
                "client did not exit; saw {:#?}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A one-connection fake server: greets the client, then relays files with hostile names.
fn hostile_file_server(names: &'static [&'static str]) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let Ok((mut socket, _)) = listener.accept() else {
            return;
        };
        let mut decoder = StreamDecoder::<ClientFrame>::new();
        // Wait for the auth frame before answering, as a server would.
        while !matches!(
            decoder.next_item(),
            Some(Ok(chat_harness::protocol::Item::Frame(_)))
        ) {
            if decoder.read_from(&mut socket).unwrap_or(0) == 0 {
                return;
            }
        }
        let mut out = ServerFrame::AuthOk("welcome".into())
            .to_bytes()
            .expect("encodes");
        for name in names {
            ServerFrame::File(ServerFileHeader {
                time: HhMm::new(1, 2).expect("valid"),
                sender: "mallory".into(),
                size: 4,
                filename: (*name).into(),
                caption: None,
            })
            .encode(&mut out)
            .expect("encodes");
            out.extend_from_slice(b"evil");
        }
        let _ = socket.write_all(&out);
        // Keep the connection open until the client leaves.
        let _ = decoder.read_from(&mut socket);
    });
    addr
}

#[test]
fn sender_chosen_names_land_inside_the_receivers_folder() {
    let root = tempfile::tempdir().expect("tempdir");
    let files = root.path().join("files");
    let addr = hostile_file_server(&["../../x", "/etc/x", "..", "../bob/../../y"]);
    let mut client = ClientProcess::start(addr, &files, &["--name", "bob"]);
    client.expect("logged in", |l| l.starts_with("* logged in as bob"));
    let mut saved = Vec::new();
    for _ in 0..4 {
        let line = client.expect("a saved file", |l| l.starts_with("* file "));
        let path = line.rsplit(" saved to ").next().expect("a path").to_owned();
        saved.push(std::path::PathBuf::from(path));
    }
    client.type_line(">>exit<<");
    let inside = files.join("bob");
    for path in &saved {
        assert_eq!(path.parent(), Some(inside.as_path()), "{}", path.display());
        assert_eq!(std::fs::read(path).expect("saved"), b"evil");
    }
    let names: Vec<_> = saved
        .iter()
        .map(|p| p.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["x", "etc_x", "file", "bob_y"].map(std::ffi::OsString::from)
    );
    // Nothing was written anywhere else under the root.
    let mut all: Vec<_> = walk(root.path());
    all.sort();
    assert_eq!(all.len(), 4, "{all:#?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn an_unreachable_server_is_a_one_line_error_and_status_2() {
    let (_bound, addr) = crate::support::refusing_address();
    let dir = tempfile::tempdir().expect("tempdir");
    let client = ClientProcess::start(addr, dir.path(), &["--name", "a"]);
    let (status, stderr) = client.finish();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("chat-harness: cannot reach the server at"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
