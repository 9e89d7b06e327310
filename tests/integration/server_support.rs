//! Helpers for the server tests: a server per test on 127.0.0.1:0 with its own files
//! directory, a blocking test client that reads replies with the project decoder and never
//! waits longer than a deadline, and `both_modes!`, which runs each test body against the
//! threaded and the polling server.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chat_harness::client::{BlockingConnection, Event};
use chat_harness::core::{wording, Limits};
use chat_harness::protocol::{ClientFrame, HhMm, Item, ServerFrame, ServerText};
use chat_harness::server::{self, Mode, ServerConfig, ServerHandle};
use tempfile::TempDir;

/// How long any single expected event may take.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Generates `threaded::NAME` and `polling::NAME` tests calling `NAME(mode)`.
macro_rules! both_modes {
    ($($name:ident),+ $(,)?) => {
        mod threaded {
            $(#[test] fn $name() { super::$name(chat_harness::server::Mode::Threaded) })+
        }
        mod polling {
            $(#[test] fn $name() { super::$name(chat_harness::server::Mode::Polling) })+
        }
    };
}

/// Limits for tests: generous, except where a test tightens one.
pub fn test_limits() -> Limits {
    Limits {
        max_clients: 300,
        auth_timeout: Duration::from_secs(60),
        max_file_size: 32 << 20,
        queue_limit: 4 << 20,
        stall_timeout: Duration::from_secs(2),
        spool_limit: 1 << 30,
    }
}

/// A server of its own, with a temporary directory holding its `files/` directory.
pub struct TestServer {
    pub handle: ServerHandle,
    pub root: TempDir,
    pub files: PathBuf,
}

impl TestServer {
    pub fn start(mode: Mode) -> Self {
        Self::with_limits(mode, test_limits())
    }

    /// A server with these limits that keeps uploads, so tests can look at them on disk.
    pub fn with_limits(mode: Mode, limits: Limits) -> Self {
        Self::with_config(mode, limits, true)
    }

    /// A server with these limits, keeping uploads or deleting each once relayed.
    pub fn with_config(mode: Mode, limits: Limits, keep_uploads: bool) -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let files = root.path().join("files");
        let config = ServerConfig::new(mode, &files)
            .with_limits(limits)
            .keeping_uploads(keep_uploads);
        let handle = server::spawn(config).expect("server starts");
        Self {
            handle,
            root,
            files,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.handle.addr()
    }

    pub fn connect(&self, name: &str) -> Client {
        Client::connect(self.addr(), name)
    }

    /// Logs `name` in at UTC.
    pub fn login(&self, name: &str) -> Client {
        self.login_at(name, 0)
    }

    pub fn login_at(&self, name: &str, offset: i32) -> Client {
        let mut client = self.connect(name);
        client.offset = offset;
        client.send(&ClientFrame::auth(name, offset));
        client.expect_greeting();
        client
    }

    /// Logs several clients in, one after the other, and consumes the `connected` notices
    /// each earlier one receives.
    pub fn login_all<const N: usize>(&self, names: [&str; N]) -> [Client; N] {
        let mut clients: Vec<Client> = Vec::new();
        for name in names {
            let newcomer = self.login(name);
            for earlier in &mut clients {
                earlier.expect_notice(&wording::connected(name));
            }
            clients.push(newcomer);
        }
        match clients.try_into() {
            Ok(clients) => clients,
            Err(_) => unreachable!("one client per name"),
        }
    }

    /// The names in the files directory, sorted.
    pub fn stored(&self) -> Vec<String> {
        list(&self.files)
    }
}

/// File names in a directory, sorted (empty if it does not exist).
pub fn list(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| {
                    e.expect("dir entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Waits until `condition` holds, polling, up to the deadline.
pub fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A blocking test client over the library's [`BlockingConnection`], which decodes what it
/// receives with the project decoder; this adds names, deadlines and panics for tests.
pub struct Client {
    pub name: String,
    pub offset: i32,
    connection: BlockingConnection,
}

impl Client {
    pub fn connect(addr: SocketAddr, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            offset: 0,
            connection: BlockingConnection::connect(addr).expect("connect"),
        }
    }

    /// The socket, for options and raw reads in tests.
    pub fn stream(&self) -> &TcpStream {
        self.connection.socket()
    }

    pub fn send(&mut self, frame: &ClientFrame) {
        self.connection
            .send(frame)
            .unwrap_or_else(|e| panic!("{}: cannot send {frame:?}: {e}", self.name));
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.connection.send_raw(bytes).expect("write to server");
    }

    pub fn say(&mut self, text: &str) {
        self.send(&ClientFrame::Text(text.to_owned()));
    }

    /// The next item, or `None` at EOF or reset; panics after the deadline.
    pub fn next(&mut self) -> Option<Item<ServerFrame>> {
        let start = Instant::now();
        loop {
            let left = DEADLINE
                .checked_sub(start.elapsed())
                .filter(|left| !left.is_zero())
                .unwrap_or_else(|| {
                    panic!("{}: nothing from the server within {DEADLINE:?}", self.name)
                });
            match self.connection.next_event(Some(left)) {
                Ok(Event::Frame(frame)) => return Some(Item::Frame(frame)),
                Ok(Event::FileBody(chunk)) => return Some(Item::FileBody(chunk)),
                Ok(Event::FileEnd) => return Some(Item::FileEnd),
                Ok(Event::Malformed(e)) => {
                    panic!("{}: malformed from server: {e}", self.name)
                }
                Ok(Event::Closed) => return None,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("{}: read failed: {e}", self.name),
            }
        }
    }

    pub fn item(&mut self) -> Item<ServerFrame> {
        self.next()
            .unwrap_or_else(|| panic!("{}: connection closed", self.name))
    }

    pub fn frame(&mut self) -> ServerFrame {
        match self.item() {
            Item::Frame(frame) => frame,
            other => panic!("{}: expected a frame, got {other:?}", self.name),
        }
    }

    pub fn text(&mut self) -> ServerText {
        match self.frame() {
            ServerFrame::Text(text) => text,
            other => panic!("{}: expected a text, got {other:?}", self.name),
        }
    }

    pub fn expect_greeting(&mut self) {
        assert_eq!(
            self.frame(),
            ServerFrame::AuthOk(wording::GREETING.into()),
            "{}",
            self.name
        );
    }

    /// An untimed 0x03 reply.
    pub fn expect_reply(&mut self, body: &str) {
        let text = self.text();
        assert_eq!(
            (text.time, text.body.as_str()),
            (None, body),
            "{}",
            self.name
        );
    }

    /// A timed 0x03 frame with this body, its time in this client's offset.
    pub fn expect_notice(&mut self, body: &str) {
        let text = self.text();
        assert_eq!(text.body, body, "{}", self.name);
        let time = text
            .time
            .unwrap_or_else(|| panic!("{}: {body:?} has no time", self.name));
        assert_recent(time, self.offset);
    }

    pub fn expect_chat(&mut self, sender: &str, message: &str) {
        self.expect_notice(&format!("[{sender}] {message}"));
    }

    /// Reads to the end of the stream and returns the frames on the way.
    pub fn until_closed(&mut self) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        while let Some(item) = self.next() {
            match item {
                Item::Frame(frame) => frames.push(frame),
                other => panic!("{}: unexpected {other:?} before close", self.name),
            }
        }
        frames
    }

    /// Proves nothing else is queued for `self`: `from` says a marker, which must be the very
    /// next thing `self` receives.
    pub fn expect_nothing_before_marker(&mut self, from: &mut Client) {
        let marker = format!("marker for {}", self.name);
        from.say(&marker);
        self.expect_chat(&from.name, &marker);
    }
}

/// Asserts `time` is the current time (within a minute) in the zone `offset` east of UTC.
pub fn assert_recent(time: HhMm, offset: i32) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let candidates = [
        HhMm::from_unix(now, offset),
        HhMm::from_unix(now - 60, offset),
    ];
    assert!(
        candidates.contains(&time),
        "{time} is not now in offset {offset}: {candidates:?}"
    );
}

/// `count` texts of `size` bytes, each starting with its number (`00000042 `), encoded back to
/// back: a flood to write in one go.
pub fn numbered_flood(count: usize, size: usize) -> Vec<u8> {
    use chat_harness::protocol::Frame;
    let mut flood = Vec::new();
    for i in 0..count {
        ClientFrame::Text(format!("{i:08} {}", "x".repeat(size - 9)))
            .encode(&mut flood)
            .expect("encodes");
    }
    flood
}

/// A frame by hand (for hostile frames the encoder refuses to build).
pub fn wire(frame_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(payload.len() + 1)
        .expect("fits")
        .to_be_bytes()
        .to_vec();
    out.push(frame_type);
    out.extend_from_slice(payload);
    out
}
