//! The one grammar for durations and sizes, shared by the command line and `.chat` scenarios.
//!
//! - A duration is a number (decimals allowed) with its unit: `us`, `ms`, `s`, `m` or `min`
//!   (`500ms`, `1.5s`, `2m`); at most 24 hours. A bare number is refused rather than guessed
//!   (`pause 300` would otherwise wait five minutes).
//! - A size is a whole number of bytes with an optional unit, case-insensitive: `B`; `K`,
//!   `KiB`, `M`, `MiB`, `G`, `GiB` are powers of 1024; `KB`, `MB`, `GB` powers of 1000.

use std::time::Duration;

/// The longest duration either grammar accepts.
const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// A duration as this grammar writes it, exactly: whole milliseconds as `ms`, anything finer
/// as `us`.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_nanos() % 1_000_000 == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}us", d.as_micros())
    }
}

/// Parses a duration (see the module docs); the error says what is wrong.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (write e.g. 500ms, 2s, 1.5s, 2m)"))?;
    let scale = match unit {
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "" => {
            return Err(format!(
                "`{text}` is not a duration: give it a unit (e.g. {text}s or {text}ms)"
            ))
        }
        "m" | "min" => 60.0,
        other => {
            return Err(format!(
                "unknown duration unit `{other}` in `{text}` (use us, ms, s or m)"
            ))
        }
    };
    Duration::try_from_secs_f64(value * scale)
        .ok()
        .filter(|d| *d <= MAX_DURATION)
        .ok_or_else(|| format!("`{text}` is longer than 24 hours"))
}

/// Parses a size in bytes (see the module docs); the error says what is wrong.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
            "unknown size unit `{unit}` in `{text}` (use K, M, G (powers of 1024) or KB, MB, GB)"
        ))
        }
    };
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (write e.g. 100, 64K, 4MiB, 1MB)"))?;
    value
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("30").unwrap_err().contains("30s"));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("100us"), Ok(Duration::from_micros(100)));
        assert!(parse_duration("1h").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("25m").is_ok() && parse_duration("1441m").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64K"), Ok(65_536));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("4MiB"), Ok(4 << 20));
        assert_eq!(parse_size("4mib"), Ok(4 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("10KB"), Ok(10_000));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("7B"), Ok(7));
        assert!(parse_size("1T").is_err() && parse_size("x").is_err());
        assert!(parse_size("99999999999G").is_err());
        assert!(parse_size("1.5M").is_err());
    }
}
