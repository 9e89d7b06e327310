//! The load generator's message payload: `#` then the sender index (4 hex digits), the
//! sequence number (8) and the send time in nanoseconds since the run's start (16), padded
//! with `x` to the requested size. Receivers find it after the server's `<HH:MM> [name] `.

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

/// What pads a payload after the marker.
const PAD: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/// Replaces `out` with the payload for `stamp`, `size` bytes long (at least [`MARKER_LEN`]).
/// Runs once per message sent, on the thread that also receives, so it writes the hex digits
/// and the padding by hand (`write!` and a `push` per pad byte showed in the profile).
pub fn write(out: &mut String, stamp: Stamp, size: usize) {
    let mut marker = [b'#'; MARKER_LEN];
    let (sender, rest) = marker[1..].split_at_mut(4);
    let (seq, sent) = rest.split_at_mut(8);
    put_hex(sender, u64::from(stamp.sender));
    put_hex(seq, u64::from(stamp.seq));
    put_hex(sent, stamp.sent_ns);
    out.clear();
    // Every byte is '#' or a hex digit: ASCII.
    out.push_str(std::str::from_utf8(&marker).unwrap_or_default());
    while out.len() < size {
        let n = (size - out.len()).min(PAD.len());
        out.push_str(PAD.get(..n).unwrap_or(PAD));
    }
}

/// Writes the low `digits.len() * 4` bits of `value` as lower-case hex digits.
fn put_hex(digits: &mut [u8], mut value: u64) {
    for d in digits.iter_mut().rev() {
        *d = b"0123456789abcdef"[(value & 0xf) as usize];
        value >>= 4;
    }
}

/// The stamp at the start of `message`, if it is one of ours. Runs once per delivery, so it
/// reads the hex digits through a table without branching per digit (the generic parsers,
/// then a `match` per digit, showed at the top of the profile).
pub fn parse(message: &str) -> Option<Stamp> {
    let (&first, marker) = message
        .as_bytes()
        .first_chunk::<MARKER_LEN>()?
        .split_first()?;
    if first != b'#' {
        return None;
    }
    let (sender, rest) = marker.split_at(4);
    let (seq, sent) = rest.split_at(8);
    Some(Stamp {
        sender: u16::try_from(hex(sender)?).ok()?,
        seq: u32::try_from(hex(seq)?).ok()?,
        sent_ns: hex(sent)?,
    })
}

/// Value of each byte as a lower-case hex digit; `0xff` for bytes that are not one.
const HEX: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 16 {
        table[b"0123456789abcdef"[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Lower-case hex digits (at most 16) as a number.
fn hex(digits: &[u8]) -> Option<u64> {
    let mut value = 0u64;
    let mut invalid = 0u8;
    for &d in digits {
        let digit = HEX[usize::from(d)];
        invalid |= digit;
        value = value << 4 | u64::from(digit & 0xf);
    }
    (invalid & 0xf0 == 0).then_some(value)
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
        for size in [MARKER_LEN, 64, 200] {
            write(&mut out, stamp, size);
            assert_eq!(out.len(), size);
            assert_eq!(parse(&out), Some(stamp));
        }
        assert_eq!(&out[..MARKER_LEN], "#00030001e240fffffffffffffff8");
        assert!(out[MARKER_LEN..].bytes().all(|b| b == b'x'));
    }

    #[test]
    fn other_texts_are_not_stamps() {
        for text in [
            "",
            "#",
            "hello",
            "#zzzz0000000100000000000000ff",
            "#+123",
            "#0000000000010000000000000Aff",
            "#00000000000100000000000000f",
            "x0000000000010000000000000000",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
