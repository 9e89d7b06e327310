//! Generates one client-fuzzing session from a seed, as statements of the client-scenario
//! language (`tests: client`) grouped in blocks: server traffic (chat lines, notices, replies,
//! renames, files from other users, hostile names and frames, floods) cut into writes in
//! several ways, interleaved with user actions typed on stdin, each block followed by the
//! checks of the oracles it serves. A session is text from the start, so what is run is
//! exactly what a finding saves and `chat-harness run` replays.

use super::oracle::ClientOracle;
use crate::netfuzz::rng::Rng;

/// One statement and the oracle it checks (`None` for a statement that only acts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The statement as written in the scenario.
    pub text: String,
    /// The oracle a failure of this statement breaks.
    pub oracle: Option<ClientOracle>,
}

/// Statements that belong together: removed or kept as one while shrinking.
pub type Block = Vec<Line>;

/// A generated session: the blocks after the fixed login.
#[derive(Debug, Clone)]
pub struct Session {
    /// The blocks, the last one ending the session.
    pub blocks: Vec<Block>,
}

/// The user name the client is given.
pub const USER: &str = "fz";

/// Sample files every session's client has in `files/`: name and content.
pub fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let note = "A sample note for the client fuzzer.\n"
        .repeat(6)
        .into_bytes();
    let blob: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 256) as u8).collect();
    vec![
        ("note.txt", note),
        ("blob.bin", blob),
        ("empty.txt", Vec::new()),
    ]
}

pub(super) fn act(text: impl Into<String>) -> Line {
    Line {
        text: text.into(),
        oracle: None,
    }
}

pub(super) fn check(text: impl Into<String>, oracle: ClientOracle) -> Line {
    Line {
        text: text.into(),
        oracle: Some(oracle),
    }
}

/// `text` as a quoted string of the scenario language.
pub fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A `raw` piece: a frame of `kind` with exactly `payload`, length prefix computed.
pub(super) fn raw_frame(kind: u8, payload: &[u8]) -> String {
    let len = (payload.len() + 1).min(usize::from(u16::MAX)) as u16;
    let mut bytes = len.to_be_bytes().to_vec();
    bytes.push(kind);
    bytes.extend_from_slice(payload);
    raw(&bytes)
}

pub(super) fn raw(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("raw {}", hex.join(""))
}

const WORDS: [&str; 8] = [
    "hello",
    "héllo wörld",
    "ok then",
    "✓ done",
    "tabs	no",
    "a:b:c",
    "日本語",
    "[x] y",
];
pub(super) const SENDERS: [&str; 3] = ["bob", "carol", "mallory"];

/// Generates sessions.
#[derive(Debug)]
pub struct Generator {
    pub(super) rng: Rng,
    /// A counter that makes every text and file name of the session unique.
    pub(super) tag: usize,
}

impl Generator {
    /// The session of `seed`, with at most `max_blocks` blocks before the one that ends it.
    pub fn session(seed: u64, max_blocks: usize) -> Session {
        let mut g = Self {
            rng: Rng::new(seed),
            tag: 0,
        };
        // Many short sessions: an early failure hides how a session ends.
        let n = if g.rng.chance(40) {
            1
        } else {
            g.rng.range(1, max_blocks.max(1))
        };
        let mut blocks = Vec::with_capacity(n + 1);
        for _ in 0..n {
            let mut block = match g.rng.below(100) {
                0..=25 => g.shown(),
                26..=43 => g.typed(),
                44..=60 => g.file(),
                61..=77 => g.hostile_name(),
                78..=93 => g.hostile_frame(),
                _ => g.flood(),
            };
            block.push(check("client runs", ClientOracle::Crash));
            blocks.push(block);
        }
        blocks.push(g.ending());
        Session { blocks }
    }

    pub(super) fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("{}{}", (b'a' + self.rng.below(26) as u8) as char, self.tag)
    }

    pub(super) fn message(&mut self) -> String {
        let tag = self.next_tag();
        let word = *self.rng.pick(&WORDS);
        let word = word.replace('\t', " ");
        if self.rng.chance(10) {
            format!("{} {tag}", "long message ".repeat(self.rng.range(80, 300)))
        } else {
            format!("{word} {tag}")
        }
    }

    /// A text-like frame to show: the piece and the text that must appear.
    fn showable(&mut self) -> (String, String) {
        let text = self.message();
        match self.rng.below(10) {
            0..=4 => {
                let sender = *self.rng.pick(&SENDERS);
                (format!("chat from {sender} {}", quote(&text)), text)
            }
            5..=6 => {
                let notice = format!("User {} {text}", self.rng.pick(&SENDERS));
                (format!("notice {}", quote(&notice)), notice)
            }
            7..=8 => (format!("reply {}", quote(&text)), text),
            _ => {
                let name = format!("fz{}", self.tag);
                let text = format!("Username changed to {name}");
                (format!("renamed {}", quote(&text)), text)
            }
        }
    }

    /// How a send is cut into writes.
    pub(super) fn cutting(&mut self) -> &'static str {
        match self.rng.below(8) {
            0 => " chunk 1",
            1 => " split-at 1",
            2 => " chunk 3 pause 2ms",
            _ => "",
        }
    }

    /// Chat lines, notices, replies and renames, alone, cut or several in one write.
    fn shown(&mut self) -> Block {
        let count = if self.rng.chance(35) {
            self.rng.range(2, 4)
        } else {
            1
        };
        let (pieces, texts): (Vec<String>, Vec<String>) =
            (0..count).map(|_| self.showable()).unzip();
        let cut = self.cutting();
        let mut block = vec![act(format!("server> {}{cut}", pieces.join("; ")))];
        block.extend(
            texts
                .iter()
                .map(|t| check(format!("user< {}", quote(t)), ClientOracle::Shown)),
        );
        block
    }

    /// A user action typed on stdin and the frame it must produce.
    fn typed(&mut self) -> Block {
        let frame = ClientOracle::Frame;
        match self.rng.below(12) {
            11 => {
                let tag = self.next_tag();
                let text = format!("{} {tag}", "typed long ".repeat(self.rng.range(100, 300)));
                vec![
                    act(format!("user> {}", quote(&text))),
                    check(format!("server< text {}", quote(&text)), frame),
                ]
            }
            0..=3 => {
                let text = self.message();
                vec![
                    act(format!("user> {}", quote(&text))),
                    check(format!("server< text {}", quote(&text)), frame),
                ]
            }
            4..=5 => {
                let name = format!("fz{}", self.next_tag());
                vec![
                    act(format!("user> \">>chname<< {name}\"")),
                    check(format!("server< rename {name}"), frame),
                ]
            }
            6..=8 => {
                let (file, size) = *self.rng.pick(&[("note.txt", 222u64), ("blob.bin", 5000)]);
                let caption = self.rng.chance(40).then(|| format!("look {}", self.tag));
                let (typed, expect) = match &caption {
                    Some(c) => (format!(" {c}"), format!("caption {}", quote(c))),
                    None => (String::new(), "caption none".to_owned()),
                };
                vec![
                    act(format!("user> \">>sendfile<< {file}{typed}\"")),
                    check(
                        format!("server< file name \"{file}\" {expect} size {size} body \"{file}\" within 5s"),
                        frame,
                    ),
                ]
            }
            // 9 | 10: an empty file (the lab's client drops its size bytes).
            _ => vec![
                act("user> \">>sendfile<< empty.txt\""),
                check("server< file name \"empty.txt\" size 0 within 5s", frame),
            ],
        }
    }

    /// A file from another user with an ordinary name, its body after a pause or right
    /// behind its header, then saved byte-identical.
    fn file(&mut self) -> Block {
        let tag = self.next_tag();
        let name = format!("f-{tag}-.bin");
        // `f-a1-*.bin` matches the name and the numbered variants a client may give a second
        // file of the same name (`f-a1--1.bin`), never another tag's file.
        let glob = format!("files*/**f-{tag}-*.bin");
        let size = *self.rng.pick(&[0u64, 13, 1000, 5000, 20000]);
        let mut block = self.send_file(&name, size);
        let body = if size == 0 {
            "size 0".to_owned()
        } else {
            format!("body generated {size}")
        };
        block.push(check(
            format!("saved \"{glob}\" {body} within 3s"),
            ClientOracle::Saved,
        ));
        if size > 0 && self.rng.chance(50) {
            // A second file of the same name must not replace the first.
            let second = *self.rng.pick(&[7u64, 3000, 9000]);
            block.extend(self.send_file(&name, second));
            block.push(check(
                format!("saved \"{glob}\" body generated {second} within 3s"),
                ClientOracle::Saved,
            ));
            block.push(check(
                format!("saved \"{glob}\" body generated {size}"),
                ClientOracle::Kept,
            ));
        }
        block
    }

    /// A file from another user: its header, then its body after a pause or right behind.
    fn send_file(&mut self, name: &str, size: u64) -> Block {
        let sender = *self.rng.pick(&SENDERS);
        let header = format!("file-header from {sender} {name} size {size}");
        if size == 0 {
            vec![act(format!("server> {header}"))]
        } else if self.rng.chance(30) {
            vec![act(format!("server> {header}; body generated {size}"))]
        } else {
            vec![
                act(format!("server> {header}")),
                act("pause 300ms"),
                act(format!("server> body generated {size}{}", self.cutting())),
            ]
        }
    }

    /// Many chat lines in one write, a line typed meanwhile, then every line shown.
    fn flood(&mut self) -> Block {
        let count = self.rng.range(20, 60);
        let texts: Vec<String> = (0..count).map(|_| self.message()).collect();
        let pieces: Vec<String> = texts
            .iter()
            .map(|t| format!("chat from bob {}", quote(t)))
            .collect();
        let typed = format!("typed during a flood {}", self.next_tag());
        let mut block = vec![
            act(format!("server> {}", pieces.join("; "))),
            act(format!("user> {}", quote(&typed))),
            check(
                format!("server< text {}", quote(&typed)),
                ClientOracle::Frame,
            ),
        ];
        block.extend(
            texts
                .iter()
                .map(|t| check(format!("user< {}", quote(t)), ClientOracle::Shown)),
        );
        block
    }

    /// How the session ends: the user exits, input ends, or the server closes or resets,
    /// perhaps in the middle of a frame or a file body.
    fn ending(&mut self) -> Block {
        let ends = ClientOracle::Ends;
        let mut block = match self.rng.below(7) {
            0 | 1 => vec![
                act("user> \">>exit<<\""),
                check("server< exit \">>exit<<\"", ClientOracle::Frame),
                act("close connection"),
            ],
            2 => vec![act("close connection")],
            3 => vec![act("reset connection")],
            4 => vec![
                act(format!("server> {}", raw(b"\x00\x20\x03<12:00> [bob] cu"))),
                act("pause 100ms"),
                act(if self.rng.chance(50) {
                    "close connection"
                } else {
                    "reset connection"
                }),
            ],
            5 => vec![
                act(format!(
                    "server> file-header from bob cut-{}.bin size 5000",
                    self.next_tag()
                )),
                act("pause 300ms"),
                act("server> body generated 1000"),
                act("close connection"),
            ],
            _ => vec![
                act("close stdin"),
                act("pause 300ms"),
                act("close connection"),
            ],
        };
        block.push(check("client exits within 3s", ends));
        block.push(check("saved nothing outside", ClientOracle::Outside));
        block
    }
}
