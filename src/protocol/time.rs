//! The `<HH:MM> ` prefix the server puts in front of relayed messages and notices.

use std::fmt;

/// Length of the rendered prefix `<HH:MM> `, trailing space included.
pub const PREFIX_LEN: usize = 8;

/// A wall-clock time of day, to the minute, as rendered in a `<HH:MM> ` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HhMm {
    hour: u8,
    minute: u8,
}

impl HhMm {
    /// A time of day; `None` unless `hour < 24` and `minute < 60`.
    pub fn new(hour: u8, minute: u8) -> Option<Self> {
        (hour < 24 && minute < 60).then_some(Self { hour, minute })
    }

    /// The time of day at `unix_secs` (seconds since the epoch, UTC) seen from a zone
    /// `offset_secs` east of UTC.
    pub fn from_unix(unix_secs: i64, offset_secs: i32) -> Self {
        let minutes_of_day = (unix_secs + i64::from(offset_secs))
            .div_euclid(60)
            .rem_euclid(1440);
        // Both casts are in range: minutes_of_day < 1440.
        Self {
            hour: (minutes_of_day / 60) as u8,
            minute: (minutes_of_day % 60) as u8,
        }
    }

    /// Hours, 0–23.
    pub fn hour(self) -> u8 {
        self.hour
    }

    /// Minutes, 0–59.
    pub fn minute(self) -> u8 {
        self.minute
    }

    /// Minutes since midnight.
    pub fn minutes_of_day(self) -> u16 {
        u16::from(self.hour) * 60 + u16::from(self.minute)
    }

    /// The prefix as its 8 wire bytes: `<HH:MM> `.
    pub fn prefix_bytes(self) -> [u8; PREFIX_LEN] {
        [
            b'<',
            b'0' + self.hour / 10,
            b'0' + self.hour % 10,
            b':',
            b'0' + self.minute / 10,
            b'0' + self.minute % 10,
            b'>',
            b' ',
        ]
    }

    /// Reads a `<HH:MM> ` prefix from the start of `bytes`, if there is a valid one.
    pub fn parse_prefix(bytes: &[u8]) -> Option<Self> {
        let p = bytes.get(..PREFIX_LEN)?;
        if p[0] != b'<' || p[3] != b':' || p[6] != b'>' || p[7] != b' ' {
            return None;
        }
        let digit = |b: u8| b.is_ascii_digit().then(|| b - b'0');
        let hour = digit(p[1])? * 10 + digit(p[2])?;
        let minute = digit(p[4])? * 10 + digit(p[5])?;
        Self::new(hour, minute)
    }
}

impl fmt::Display for HhMm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for HhMm {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self {
            hour: u.int_in_range(0..=23)?,
            minute: u.int_in_range(0..=59)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_the_recipients_offset() {
        // 2024-01-01T20:29:00Z
        let t = 1_704_140_940;
        assert_eq!(&HhMm::from_unix(t, 0).prefix_bytes(), b"<20:29> ");
        assert_eq!(&HhMm::from_unix(t, 10_800).prefix_bytes(), b"<23:29> ");
        assert_eq!(&HhMm::from_unix(t, -21 * 3600).prefix_bytes(), b"<23:29> ");
        assert_eq!(&HhMm::from_unix(t, 4 * 3600).prefix_bytes(), b"<00:29> ");
    }

    #[test]
    fn parses_only_valid_prefixes() {
        assert_eq!(HhMm::parse_prefix(b"<09:05> hi"), HhMm::new(9, 5));
        for bad in [
            &b"<24:00> "[..],
            b"<23:60> ",
            b"<2:300> ",
            b"<23:00>",
            b"[23:00] ",
            b"<ab:cd> ",
        ] {
            assert_eq!(
                HhMm::parse_prefix(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
