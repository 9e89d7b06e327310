//! The load generator's message payload: `#` then the sender index (4 hex digits), the
//! sequence number (8) and the send time in nanoseconds since the run's start (16), padded
//! with `x` to the requested size. Receivers find it after the server's `<HH:MM> [name] `.

use std::fmt::Write as _;

/// Bytes the marker takes; payloads are at least this long.
pub const MARKER_LEN: usize = 1 + 4 + 8 + 16;

/// What a payload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Which sender sent it (0-based).
    pub sender: u16,
    /// Its sequence number within that sender's messages (0-based).
    pub seq: u32,
    /// Send time, in nanoseconds since the run's start.
    pub sent_ns: u64,
}

/// Replaces `out` with the payload for `stamp`, `size` bytes long (at least [`MARKER_LEN`]).
pub fn write(out: &mut String, stamp: Stamp, size: usize) {
    out.clear();
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "#{:04x}{:08x}{:016x}",
        stamp.sender, stamp.seq, stamp.sent_ns
    );
    while out.len() < size {
        out.push('x');
    }
}

/// The stamp at the start of `message`, if it is one of ours. Runs once per delivery, so it
/// reads the hex digits by hand (the generic parsers showed at the top of the profile).
pub fn parse(message: &str) -> Option<Stamp> {
    let bytes = message.as_bytes();
    if bytes.first() != Some(&b'#') {
        return None;
    }
    let marker = bytes.get(1..MARKER_LEN)?;
    let (sender, rest) = marker.split_at(4);
    let (seq, sent) = rest.split_at(8);
    Some(Stamp {
        sender: u16::try_from(hex(sender)?).ok()?,
        seq: u32::try_from(hex(seq)?).ok()?,
        sent_ns: hex(sent)?,
    })
}

/// Lower-case hex digits (at most 16) as a number.
fn hex(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |value, &d| {
        let digit = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => return None,
        };
        Some(value << 4 | u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_reads_back_and_has_the_requested_size() {
        let stamp = Stamp {
            sender: 3,
            seq: 123_456,
            sent_ns: u64::MAX - 7,
        };
        let mut out = String::new();
        write(&mut out, stamp, 64);
        assert_eq!(out.len(), 64);
        assert_eq!(parse(&out), Some(stamp));
    }

    #[test]
    fn other_texts_are_not_stamps() {
        for text in ["", "#", "hello", "#zzzz0000000100000000000000ff", "#+123"] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
