//! The way back from the model to `.chat` text: every [`Action`] as one statement that the
//! parser reads back into the same action. The network fuzzer writes its reproducers with it;
//! `repeat` blocks are not reconstructed (steps are written unrolled).

use std::fmt::Write as _;
use std::time::Duration;

use super::model::{
    Action, BodySource, CaptionMatch, Chunking, Expect, Expectation, FileMatch, FrameMatch, Part,
    Send, TextMatch, TextPattern,
};
use super::scenario::Scenario;
use crate::protocol::ClientFrame;

/// Runs of at least this many equal bytes are written as `"x" * N` or `ff * N`.
const RUN: usize = 8;

/// The whole scenario: header lines, then one statement per step.
pub fn write(scenario: &Scenario) -> String {
    let mut out = String::new();
    if let Some(description) = &scenario.description {
        let _ = writeln!(out, "description: {}", one_line(description));
    }
    if !scenario.tags.is_empty() {
        let _ = writeln!(out, "tags: {}", scenario.tags.join(" "));
    }
    if !scenario.checks.is_empty() {
        let _ = writeln!(out, "checks: {}", scenario.checks.join(" "));
    }
    if let Some(timeout) = scenario.timeout {
        let _ = writeln!(out, "timeout: {}", duration(timeout));
    }
    if let Some(limits) = &scenario.server_limits {
        let _ = writeln!(out, "server-limits: {limits}");
    }
    for step in &scenario.steps {
        out.push_str(&action(&step.action));
        out.push('\n');
    }
    out
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// One statement for `action`.
pub fn action(action: &Action) -> String {
    match action {
        Action::Connect(name) => format!("connect {}", client_name(name)),
        Action::Close(name) => format!("close {}", client_name(name)),
        Action::Reset(name) => format!("reset {}", client_name(name)),
        Action::HalfClose(name) => format!("half-close {}", client_name(name)),
        Action::Reading(name, true) => format!("resume-reading {}", client_name(name)),
        Action::Reading(name, false) => format!("stop-reading {}", client_name(name)),
        Action::IgnoreNotices(name, true) => format!("ignore-notices {}", client_name(name)),
        Action::IgnoreNotices(name, false) => format!("heed-notices {}", client_name(name)),
        Action::Pause(d) => format!("pause {}", duration(*d)),
        Action::ReadSlowly { client, bytes, per } => {
            format!(
                "read-slowly {} {bytes} per {}",
                client_name(client),
                duration(*per)
            )
        }
        Action::PauseReading(name, d) => {
            format!("pause-reading {} {}", client_name(name), duration(*d))
        }
        Action::Send(send) => send_line(send),
        Action::Expect(expect) => expect_line(expect),
    }
}

/// A duration the parser reads back exactly (to the microsecond).
pub fn duration(d: Duration) -> String {
    crate::units::format_duration(d)
}

/// Client names are bare words (the parser reads `NAME>` and `NAME<` as words).
fn client_name(name: &str) -> &str {
    name
}

fn send_line(send: &Send) -> String {
    let pieces: Vec<String> = send.parts.iter().map(part).collect();
    let mut line = format!("{}> {}", client_name(&send.client), pieces.join("; "));
    chunking(&mut line, &send.chunking);
    if let Some(t) = send.timeout {
        let _ = write!(line, " within {}", duration(t));
    }
    line
}

fn chunking(line: &mut String, c: &Chunking) {
    if let Some(n) = c.chunk {
        let _ = write!(line, " chunk {n}");
    }
    if !c.split_at.is_empty() {
        let offsets: Vec<String> = c.split_at.iter().map(usize::to_string).collect();
        let _ = write!(line, " split-at {}", offsets.join(","));
    }
    if !c.pause.is_zero() {
        let _ = write!(line, " pause {}", duration(c.pause));
    }
}

fn part(part: &Part) -> String {
    match part {
        Part::Frame(frame) => match frame {
            ClientFrame::Auth { name, offset } => match offset {
                Some(o) => format!("auth {} {o}", quote(name.as_bytes())),
                None => format!("auth {}", quote(name.as_bytes())),
            },
            ClientFrame::Exit(payload) => format!("exit {}", quote(payload.as_bytes())),
            ClientFrame::Text(text) => format!("text {}", quote(text.as_bytes())),
            ClientFrame::Rename(payload) => format!("rename-raw {}", quote(payload.as_bytes())),
            ClientFrame::File(header) => {
                let mut s = format!(
                    "file-header {} size {}",
                    quote(header.filename.as_bytes()),
                    header.size
                );
                if let Some(caption) = &header.caption {
                    let _ = write!(s, " caption {}", quote(caption.as_bytes()));
                }
                s
            }
        },
        Part::Raw(bytes) => format!("raw {}", hex(bytes)),
        Part::Body(source) => format!("body {}", body(source)),
    }
}

fn body(source: &BodySource) -> String {
    match source {
        BodySource::Generated(n) => format!("generated {n}"),
        BodySource::File(path) => quote(path.to_string_lossy().as_bytes()),
    }
}

/// Bytes as `"..."` with escapes (printable non-ASCII text as it is); long runs of one
/// character (or byte) become `"x" * N`, several strings in a row (which the parser joins).
pub fn quote(bytes: &[u8]) -> String {
    // A long run of one ASCII byte (the fuzzer's floods) without a pass per character.
    if let Some(&first) = bytes.first() {
        let same = [first; 64];
        if bytes.len() >= RUN && first.is_ascii() && bytes.chunks(64).all(|c| c == &same[..c.len()])
        {
            return format!("{} * {}", escape(&bytes[..1]), bytes.len());
        }
    }
    // Work on characters when the bytes are text, on bytes otherwise.
    let units: Vec<&[u8]> = match std::str::from_utf8(bytes) {
        Ok(text) => text
            .char_indices()
            .map(|(i, c)| &bytes[i..i + c.len_utf8()])
            .collect(),
        Err(_) => bytes.chunks(1).collect(),
    };
    let mut pieces = Vec::new();
    let mut plain: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < units.len() {
        let run = units[i..].iter().take_while(|u| **u == units[i]).count();
        if run >= RUN {
            if !plain.is_empty() {
                pieces.push(escape(&plain));
                plain.clear();
            }
            pieces.push(format!("{} * {run}", escape(units[i])));
            i += run;
        } else {
            plain.extend_from_slice(units[i]);
            i += 1;
        }
    }
    if !plain.is_empty() || pieces.is_empty() {
        pieces.push(escape(&plain));
    }
    pieces.join(" ")
}

fn escape(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                '\n' => s.push_str("\\n"),
                '\t' => s.push_str("\\t"),
                '\r' => s.push_str("\\r"),
                c if c.is_control() || (!c.is_ascii() && !c.is_alphanumeric()) => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(s, "\\x{b:02x}");
                    }
                }
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s.push('"');
    s
}

/// Bytes as hex pairs, 32 to a word; runs of one byte as `XX * N`.
pub fn hex(bytes: &[u8]) -> String {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|&&b| b == bytes[i]).count();
        if run >= RUN {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            words.push(format!("{:02x} * {run}", bytes[i]));
            i += run;
            continue;
        }
        let _ = write!(word, "{:02x}", bytes[i]);
        if word.len() >= 64 {
            words.push(std::mem::take(&mut word));
        }
        i += 1;
    }
    if !word.is_empty() {
        words.push(word);
    }
    words.join(" ")
}

fn expect_line(expect: &Expect) -> String {
    let alternatives: Vec<String> = expect
        .alternatives
        .iter()
        .map(|seq| {
            seq.iter()
                .map(expectation)
                .collect::<Vec<_>>()
                .join(" then ")
        })
        .collect();
    let mut line = format!("{}< ", client_name(&expect.client));
    if expect.never {
        line.push_str("never ");
    } else if expect.eventually {
        line.push_str("eventually ");
    }
    line.push_str(&alternatives.join(" or "));
    if let Some(t) = expect.timeout {
        let _ = write!(line, " within {}", duration(t));
    }
    if expect.strict_wording {
        line.push_str(" strict-wording");
    }
    line
}

/// One expectation as written after `NAME<`.
pub fn expectation(expected: &Expectation) -> String {
    match expected {
        Expectation::Closed => "closed".into(),
        Expectation::Malformed => "malformed".into(),
        Expectation::Nothing(d) => format!("nothing for {}", duration(*d)),
        Expectation::Frame(frame) => match frame {
            FrameMatch::AuthOk(m) => format!("auth-ok {}", matcher(m)),
            FrameMatch::Renamed(m) => format!("renamed {}", matcher(m)),
            FrameMatch::Chat { sender, message } => {
                format!("chat from {} {}", sender_matcher(sender), matcher(message))
            }
            FrameMatch::Notice(m) => format!("notice {}", matcher(m)),
            FrameMatch::Reply(m) => format!("reply {}", matcher(m)),
            FrameMatch::Text(p) => format!("text {}", pattern(p)),
            FrameMatch::File(f) => file(f),
        },
    }
}

fn matcher(m: &TextMatch) -> String {
    match m {
        TextMatch::Any => "*".into(),
        TextMatch::Exact(text) => quote(text.as_bytes()),
        TextMatch::Regex(re) => format!("/{}/", re.as_str().replace('/', "\\/")),
    }
}

/// A chat sender: a bare word when it can be one, since two strings in a row would be joined
/// into one. (A sender that is not a word, followed by an exact message, cannot be written.)
fn sender_matcher(m: &TextMatch) -> String {
    match m {
        TextMatch::Exact(text)
            if !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+')) =>
        {
            text.clone()
        }
        other => matcher(other),
    }
}

fn pattern(p: &TextPattern) -> String {
    match p {
        TextPattern::Any => "*".into(),
        TextPattern::Exact { timed: true, body } => quote(format!("{{time}} {body}").as_bytes()),
        TextPattern::Exact { timed: false, body } => quote(body.as_bytes()),
        TextPattern::Regex(re) => format!("/{}/", re.as_str().replace('/', "\\/")),
    }
}

fn file(f: &FileMatch) -> String {
    let mut s = format!("file from {} name {}", matcher(&f.sender), matcher(&f.name));
    match &f.caption {
        None => {}
        Some(CaptionMatch::Absent) => s.push_str(" caption none"),
        Some(CaptionMatch::Is(m)) => {
            let _ = write!(s, " caption {}", matcher(m));
        }
    }
    if let Some(size) = f.size {
        let _ = write!(s, " size {size}");
    }
    if let Some(source) = &f.body {
        let _ = write!(s, " body {}", body(source));
    }
    s
}
