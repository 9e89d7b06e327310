//! One connection's state inside the core: its input buffer and decoder, its name and UTC
//! offset once authenticated, the upload in progress, and what it owes the driver (queued
//! bytes). Also the name and offset rules of auth and rename.

use std::time::Duration;

use bytes::BytesMut;

use super::{wording, ConnId};
use crate::protocol::{ClientFrame, FrameDecoder};

/// Longest name, in bytes.
pub const MAX_NAME_LEN: usize = 32;
/// Largest UTC offset magnitude, in seconds (±14 h).
pub const MAX_OFFSET: i64 = 14 * 3600;
/// An input buffer larger than this is freed once it is empty, so idle connections stay small.
const KEEP_CAPACITY: usize = 4096;

/// What happens to the body bytes of the file frame being received.
#[derive(Debug)]
pub(super) enum Upload<U> {
    /// No file frame in progress.
    None,
    /// The body is being spooled; it is relayed once complete.
    Storing {
        /// The spool's handle.
        upload: U,
        /// The sanitised name the file is announced under.
        filename: String,
        /// The caption, relayed as received.
        caption: Option<String>,
        /// The announced size.
        size: u32,
    },
    /// The body is read and discarded; `reply` is sent once it is over.
    Draining {
        /// The refusal to send after the last body byte.
        reply: String,
    },
}

/// A connection known to the core.
#[derive(Debug)]
pub(super) struct Session<U> {
    /// `Some` once authenticated.
    pub name: Option<String>,
    /// Seconds east of UTC, for this client's time prefixes.
    pub offset: i32,
    /// Bytes received and not yet decoded.
    pub input: BytesMut,
    /// The decoder state over `input`.
    pub decoder: FrameDecoder<ClientFrame>,
    /// The file body in progress.
    pub upload: Upload<U>,
    /// Queue cost of the outputs addressed to this connection and not yet written.
    pub queued: u64,
    /// Over its queue limit since this time, or since the last time it accepted bytes while
    /// over it (its stall clock); `None` while under the limit.
    pub stalled_since: Option<Duration>,
    /// The recipients over their limit this connection waits for, as a paused sender.
    pub waiting_for: Vec<ConnId>,
}

impl<U> Session<U> {
    pub fn new() -> Self {
        Self {
            name: None,
            offset: 0,
            input: BytesMut::new(),
            decoder: FrameDecoder::new(),
            upload: Upload::None,
            queued: 0,
            stalled_since: None,
            waiting_for: Vec::new(),
        }
    }

    /// Frees a large, empty input buffer.
    pub fn shrink_input(&mut self) {
        if self.input.is_empty() && self.input.capacity() > KEEP_CAPACITY {
            self.input = BytesMut::new();
        }
    }
}

/// Checks the name rules: 1–32 bytes of UTF-8, no whitespace, no control characters, no
/// brackets.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']')
}

/// Reads an auth frame's fields into a name and an offset, or the reply refusing them.
///
/// The decoder reads an offset only when it is written canonically; anything else after a
/// space stays in the name. Here such a tail is read leniently (`+5`, `05`) and refused when it
/// is not a number or out of range, so the client hears about its offset rather than its name.
pub fn parse_auth(name: &str, offset: Option<i32>) -> Result<(&str, i32), &'static str> {
    let (name, offset) = match (offset, name.rsplit_once(' ')) {
        (Some(offset), _) => (name, i64::from(offset)),
        (None, None) => (name, 0),
        (None, Some((name, tail))) => (
            name,
            tail.parse::<i64>().map_err(|_| wording::OFFSET_INVALID)?,
        ),
    };
    if !(-MAX_OFFSET..=MAX_OFFSET).contains(&offset) {
        return Err(wording::OFFSET_INVALID);
    }
    if !valid_name(name) {
        return Err(wording::NAME_INVALID);
    }
    // In range: |offset| <= 50 400.
    Ok((name, offset as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rules() {
        for ok in ["a", "alice", "ünïcödé", &"x".repeat(32), "a-b_c.d"] {
            assert!(valid_name(ok), "{ok:?}");
        }
        let long = "x".repeat(33);
        for bad in ["", &long, "a b", "a\tb", "a\u{7}b", "[a]", "a]", "a\u{a0}b"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        // 32 bytes, not 32 characters.
        assert!(!valid_name(&"é".repeat(17)));
    }

    #[test]
    fn auth_offsets() {
        assert_eq!(parse_auth("alice", Some(10800)), Ok(("alice", 10800)));
        assert_eq!(parse_auth("alice", None), Ok(("alice", 0)));
        assert_eq!(parse_auth("alice", Some(50400)), Ok(("alice", 50400)));
        assert_eq!(parse_auth("alice", Some(-50400)), Ok(("alice", -50400)));
        assert_eq!(parse_auth("alice +5", None), Ok(("alice", 5)));
        assert_eq!(
            parse_auth("alice", Some(50401)),
            Err(wording::OFFSET_INVALID)
        );
        assert_eq!(
            parse_auth("alice", Some(i32::MIN)),
            Err(wording::OFFSET_INVALID)
        );
        assert_eq!(parse_auth("alice x", None), Err(wording::OFFSET_INVALID));
        assert_eq!(
            parse_auth("alice 99999999999", None),
            Err(wording::OFFSET_INVALID)
        );
        assert_eq!(parse_auth("a b", Some(0)), Err(wording::NAME_INVALID));
        assert_eq!(parse_auth("", None), Err(wording::NAME_INVALID));
    }
}
