//! Decides whether one arrival from the client satisfies one expected frame: kind, fields
//! with the language's matchers, the announced file size and the body, byte for byte.

use super::peer::Arrival;
use crate::language::client_script::{ClientExpectation, ClientFrameMatch, UploadMatch};
use crate::language::model::{CaptionMatch, TextMatch};
use crate::protocol::{ClientFileHeader, ClientFrame, RENAME_COMMAND};
use crate::record::{check_body, Body};

fn field(what: &str, expected: &TextMatch, actual: &str) -> Result<(), String> {
    if expected.matches(actual) {
        Ok(())
    } else {
        Err(format!("the {what} is {actual:?}, expected {expected}"))
    }
}

/// The auth payload as it was on the wire: `name` or `name offset`.
pub fn auth_payload(name: &str, offset: Option<i32>) -> String {
    match offset {
        Some(o) => format!("{name} {o}"),
        None => name.to_owned(),
    }
}

fn kind(pattern: &ClientFrameMatch) -> &'static str {
    match pattern {
        ClientFrameMatch::Auth(_) => "an auth frame (0x00)",
        ClientFrameMatch::Exit(_) => "an exit frame (0x01)",
        ClientFrameMatch::File(_) => "a file (0x02 and its body)",
        ClientFrameMatch::Text(_) => "a text frame (0x03)",
        ClientFrameMatch::Rename(_) => "a rename frame (0x04)",
    }
}

/// What an expectation waits for, in words.
pub fn describe_expected(expected: &ClientExpectation) -> &'static str {
    match expected {
        ClientExpectation::Frame(pattern) => kind(pattern),
        ClientExpectation::Closed => "the connection to close",
        ClientExpectation::Nothing(_) => "nothing",
        ClientExpectation::Malformed => "an undecodable frame",
    }
}

/// Whether `arrival` is what `expected` describes (`Nothing` is decided by the caller).
pub fn check(expected: &ClientExpectation, arrival: &Arrival) -> Result<(), String> {
    match (expected, arrival) {
        (ClientExpectation::Closed, Arrival::Closed { .. }) => Ok(()),
        (ClientExpectation::Malformed, Arrival::Malformed(_)) => Ok(()),
        (ClientExpectation::Frame(pattern), arrival) => frame(pattern, arrival),
        (ClientExpectation::Closed, _) => Err("expected the client to close the connection".into()),
        (ClientExpectation::Malformed, _) => Err("expected an undecodable frame".into()),
        (ClientExpectation::Nothing(_), _) => Err("expected nothing".into()),
    }
}

fn frame(pattern: &ClientFrameMatch, arrival: &Arrival) -> Result<(), String> {
    let mismatch = || format!("expected {}", kind(pattern));
    match (pattern, arrival) {
        (ClientFrameMatch::Auth(m), Arrival::Frame(ClientFrame::Auth { name, offset })) => {
            field("auth payload", m, &auth_payload(name, *offset))
        }
        (ClientFrameMatch::Exit(m), Arrival::Frame(ClientFrame::Exit(p))) => {
            field("exit payload", m, p)
        }
        (ClientFrameMatch::Text(m), Arrival::Frame(ClientFrame::Text(t))) => field("message", m, t),
        (ClientFrameMatch::Rename(m), Arrival::Frame(f @ ClientFrame::Rename(p))) => {
            // The reference server takes a bare name too; a client is held to the lab's wire
            // format, where the payload starts with the command word.
            if p.split(' ').next() != Some(RENAME_COMMAND) {
                return Err(format!(
                    "the rename payload {p:?} does not start with `{RENAME_COMMAND} `"
                ));
            }
            let name = f.new_name().unwrap_or_default();
            field("new name", m, name).map_err(|e| format!("{e} (payload {p:?})"))
        }
        (
            ClientFrameMatch::File(m),
            Arrival::File {
                header,
                body,
                complete,
            },
        ) => upload(m, header, body, *complete),
        _ => Err(mismatch()),
    }
}

fn upload(
    pattern: &UploadMatch,
    header: &ClientFileHeader,
    body: &Body,
    complete: bool,
) -> Result<(), String> {
    field("filename", &pattern.name, &header.filename)?;
    match (&pattern.caption, &header.caption) {
        (None, _) | (Some(CaptionMatch::Absent), None) => {}
        (Some(CaptionMatch::Absent), Some(c)) => {
            return Err(format!("expected no caption, got {c:?}"))
        }
        (Some(CaptionMatch::Is(m)), Some(c)) => field("caption", m, c)?,
        (Some(CaptionMatch::Is(m)), None) => return Err(format!("expected caption {m}, got none")),
    }
    check_body(
        header.size,
        pattern.size,
        body,
        complete,
        pattern.body.as_ref(),
    )
    .map_err(|m| m.reason)
}
