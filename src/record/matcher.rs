//! Decides whether one arrival satisfies one expected frame: frame kind, field matchers, the
//! `<HH:MM>` prefix against the recipient's offset and the clock, file size and body.

use std::io::Read;
use std::time::SystemTime;

use super::received::{quoted, Body, Incoming, Received};
use crate::language::model::{
    BodySource, CaptionMatch, FileMatch, FrameMatch, TextMatch, TextPattern,
};
use crate::protocol::{HhMm, ServerFrame};

/// Why an arrival does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// In words.
    pub reason: String,
    /// Only a text's wording differs (the kind, time and sender are right).
    pub wording_only: bool,
}

fn hard(reason: impl Into<String>) -> Mismatch {
    Mismatch {
        reason: reason.into(),
        wording_only: false,
    }
}

fn wording(field: &str, expected: &TextMatch, actual: &str) -> Result<(), Mismatch> {
    if expected.matches(actual) {
        Ok(())
    } else {
        let mut reason = format!(
            "the {field} is {}, expected {}",
            quoted(actual),
            shown(expected)
        );
        if let TextMatch::Exact(text) = expected {
            let differ = super::cut::first_difference(actual, text, 100);
            if let Some(differ) = differ {
                reason = format!("{reason}; {differ}");
            }
        }
        Err(Mismatch {
            reason,
            wording_only: true,
        })
    }
}

/// A pattern's display, long texts cut like received ones.
fn shown(expected: &TextMatch) -> String {
    match expected {
        TextMatch::Exact(text) => quoted(text),
        other => other.to_string(),
    }
}

fn field(field: &str, expected: &TextMatch, actual: &str) -> Result<(), Mismatch> {
    wording(field, expected, actual).map_err(|m| hard(m.reason))
}

/// A UTC offset as `+3h`, `-5h30m`, `+0h`.
pub fn show_offset(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let secs = offset.unsigned_abs();
    match (secs / 3600, secs % 3600 / 60) {
        (h, 0) => format!("{sign}{h}h"),
        (h, m) => format!("{sign}{h}h{m:02}m"),
    }
}

/// Checks a time prefix: the clock at `at` seen from `offset`, within a minute either way.
pub fn check_time(time: Option<HhMm>, at: SystemTime, offset: i32) -> Result<(), Mismatch> {
    let Some(time) = time else {
        return Err(hard("there is no <HH:MM> time prefix"));
    };
    let unix = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let ok = [-60, 0, 60]
        .iter()
        .any(|delta| HhMm::from_unix(unix + delta, offset) == time);
    if ok {
        Ok(())
    } else {
        Err(hard(format!(
            "the time prefix is <{time}>, but the clock in the recipient's offset ({}) reads {} (±1 min)",
            show_offset(offset),
            HhMm::from_unix(unix, offset)
        )))
    }
}

/// Checks `pattern` against `received` for a client whose declared offset is `offset`.
pub fn check_frame(pattern: &FrameMatch, received: &Received, offset: i32) -> Result<(), Mismatch> {
    let at = received.at;
    let frame = match &received.incoming {
        Incoming::File {
            header,
            body,
            complete,
        } => {
            let FrameMatch::File(file) = pattern else {
                return Err(hard(format!("expected {}, got a file", kind(pattern))));
            };
            check_time(Some(header.time), at, offset)?;
            field("sender", &file.sender, &header.sender)?;
            return check_file(file, header, body, *complete);
        }
        Incoming::Frame(frame) => frame,
        other => {
            return Err(hard(format!(
                "expected {}, got {}",
                kind(pattern),
                other.summary()
            )))
        }
    };
    match (pattern, frame) {
        (FrameMatch::AuthOk(m), ServerFrame::AuthOk(text)) => wording("greeting", m, text),
        (FrameMatch::Renamed(m), ServerFrame::Renamed(text)) => wording("confirmation", m, text),
        (FrameMatch::Chat { sender, message }, ServerFrame::Text(t)) => {
            let Some((from, said)) = t.chat_line() else {
                return Err(hard(format!(
                    "expected a chat line `[sender] message`, got {}",
                    quoted(&t.body)
                )));
            };
            check_time(t.time, at, offset)?;
            field("sender", sender, from)?;
            field("message", message, said)
        }
        (FrameMatch::Notice(m), ServerFrame::Text(t)) => {
            if t.time.is_none() {
                return Err(hard(format!(
                    "expected a timed notice, got the untimed reply {}",
                    quoted(&t.body)
                )));
            }
            check_time(t.time, at, offset)?;
            wording("notice", m, &t.body)
        }
        (FrameMatch::Reply(m), ServerFrame::Text(t)) => match t.time {
            Some(time) => Err(hard(format!(
                "expected an untimed reply, got a text with time prefix <{time}>: {}",
                quoted(&t.body)
            ))),
            None => wording("reply", m, &t.body),
        },
        (FrameMatch::Text(p), ServerFrame::Text(t)) => match p {
            TextPattern::Any => Ok(()),
            TextPattern::Regex(re) => {
                let whole = match t.time {
                    Some(time) => format!("<{time}> {}", t.body),
                    None => t.body.clone(),
                };
                wording("text", &TextMatch::Regex(re.clone()), &whole)
            }
            TextPattern::Exact { timed, body } => {
                if *timed {
                    check_time(t.time, at, offset)?;
                } else if let Some(time) = t.time {
                    return Err(hard(format!("expected no time prefix, got <{time}>")));
                }
                wording("text", &TextMatch::Exact(body.clone()), &t.body)
            }
        },
        (pattern, frame) => Err(hard(format!(
            "expected {}, got {}",
            kind(pattern),
            super::received::frame_summary(frame)
        ))),
    }
}

fn kind(pattern: &FrameMatch) -> &'static str {
    match pattern {
        FrameMatch::AuthOk(_) => "0x00 auth-ok",
        FrameMatch::Renamed(_) => "0x04 renamed",
        FrameMatch::Chat { .. } => "a 0x03 chat line",
        FrameMatch::Notice(_) => "a 0x03 notice",
        FrameMatch::Reply(_) => "a 0x03 reply",
        FrameMatch::Text(_) => "a 0x03 text",
        FrameMatch::File(_) => "a 0x02 file",
    }
}

fn check_file(
    pattern: &FileMatch,
    header: &crate::protocol::ServerFileHeader,
    body: &Body,
    complete: bool,
) -> Result<(), Mismatch> {
    field("filename", &pattern.name, &header.filename)?;
    match (&pattern.caption, &header.caption) {
        (None, _) | (Some(CaptionMatch::Absent), None) => {}
        (Some(CaptionMatch::Absent), Some(c)) => {
            return Err(hard(format!("expected no caption, got {c:?}")))
        }
        (Some(CaptionMatch::Is(m)), Some(c)) => wording("caption", m, c)?,
        (Some(CaptionMatch::Is(m)), None) => {
            return Err(hard(format!("expected caption {m}, got none")))
        }
    }
    check_body(
        header.size,
        pattern.size,
        body,
        complete,
        pattern.body.as_ref(),
    )
}

/// The part of a file check that is the same whichever side sent the file: the announced
/// size against `size`, a body that arrived whole, and its content against `expected`.
pub fn check_body(
    announced: u32,
    size: Option<u64>,
    body: &Body,
    complete: bool,
    expected: Option<&BodySource>,
) -> Result<(), Mismatch> {
    if let Some(size) = size {
        if u64::from(announced) != size {
            return Err(hard(format!(
                "the announced size is {announced}, expected {size}"
            )));
        }
    }
    if !complete {
        return Err(hard(format!(
            "the body was cut short: {} of {announced} bytes before the connection ended",
            body.len
        )));
    }
    match expected {
        None => Ok(()),
        Some(source) => {
            let expected =
                digest(source).map_err(|e| hard(format!("cannot read the expected body: {e}")))?;
            compare_bodies(&expected, body)
        }
    }
}

/// The digest of expected content.
pub fn digest(source: &BodySource) -> std::io::Result<Body> {
    let mut body = Body::new();
    match source {
        BodySource::Generated(n) => {
            let mut chunk = Vec::with_capacity(64 * 1024);
            let mut i = 0;
            while i < *n {
                chunk.clear();
                let end = (*n).min(i + 64 * 1024);
                chunk.extend((i..end).map(BodySource::generated_byte));
                body.push(&chunk);
                i = end;
            }
        }
        BodySource::File(path) => {
            let mut file = std::fs::File::open(path)?;
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                let n = file.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.push(&chunk[..n]);
            }
        }
    }
    Ok(body)
}

/// Whether a received body is the expected one; the first difference when it is not.
pub fn compare_bodies(expected: &Body, actual: &Body) -> Result<(), Mismatch> {
    if expected.len == actual.len && expected.hash == actual.hash {
        return Ok(());
    }
    let first_diff = expected
        .kept
        .iter()
        .zip(&actual.kept)
        .position(|(a, b)| a != b);
    let detail = match first_diff {
        Some(at) => format!(
            "; first difference at byte {at}: expected 0x{:02x}, got 0x{:02x}",
            expected.kept[at], actual.kept[at]
        ),
        None => String::new(),
    };
    Err(hard(format!(
        "the body differs: {} bytes received, {} expected{detail}",
        actual.len, expected.len
    )))
}
