//! The `server-limits:` header: the limits a scenario needs the server started with
//! (`max-clients 2, auth-timeout 300ms`), named as `chat-harness serve`'s options. Only the
//! built-in server can be started with them, so such a scenario pins the reference's own
//! behaviour at its limits (a `reference` scenario) and runs on the built-in server alone.

use std::fmt;
use std::time::Duration;

use crate::units::format_duration;

/// Limits a scenario sets; `None` leaves the server's own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerLimits {
    /// `max-clients N`.
    pub max_clients: Option<u32>,
    /// `auth-timeout DURATION`.
    pub auth_timeout: Option<Duration>,
    /// `max-file-size SIZE`.
    pub max_file_size: Option<u64>,
    /// `queue-limit SIZE`.
    pub queue_limit: Option<u64>,
    /// `stall-timeout DURATION`.
    pub stall_timeout: Option<Duration>,
    /// `spool-limit SIZE`.
    pub spool_limit: Option<u64>,
}

/// The keys, as `serve` names its options.
pub const KEYS: [&str; 6] = [
    "max-clients",
    "auth-timeout",
    "max-file-size",
    "queue-limit",
    "stall-timeout",
    "spool-limit",
];

impl ServerLimits {
    /// Reads `key value` pairs separated by commas: `max-clients 2, auth-timeout 300ms`.
    /// The error is a sentence naming the pair that is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err("give at least one limit, e.g. `max-clients 2`".to_owned());
        }
        let mut limits = Self::default();
        for pair in text.split(',').map(str::trim) {
            let mut words = pair.split_whitespace();
            let (Some(key), Some(value), None) = (words.next(), words.next(), words.next()) else {
                return Err(format!(
                    "`{pair}` is not `KEY VALUE` (the keys: {})",
                    KEYS.join(", ")
                ));
            };
            let size = || crate::units::parse_size(value).map_err(|e| format!("{key}: {e}"));
            let duration =
                || crate::units::parse_duration(value).map_err(|e| format!("{key}: {e}"));
            match key {
                "max-clients" => {
                    let n = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("max-clients: `{value}` is not a count above 0"))?;
                    limits.max_clients = Some(n);
                }
                "auth-timeout" => limits.auth_timeout = Some(duration()?),
                "max-file-size" => limits.max_file_size = Some(size()?),
                "queue-limit" => limits.queue_limit = Some(size()?),
                "stall-timeout" => limits.stall_timeout = Some(duration()?),
                "spool-limit" => limits.spool_limit = Some(size()?),
                _ => {
                    return Err(format!(
                        "unknown limit `{key}` (the keys: {})",
                        KEYS.join(", ")
                    ))
                }
            }
        }
        Ok(limits)
    }
}

/// Written back as the header's value (sizes in bytes, durations as the grammar writes them).
impl fmt::Display for ServerLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pairs = Vec::new();
        if let Some(n) = self.max_clients {
            pairs.push(format!("max-clients {n}"));
        }
        if let Some(d) = self.auth_timeout {
            pairs.push(format!("auth-timeout {}", format_duration(d)));
        }
        if let Some(n) = self.max_file_size {
            pairs.push(format!("max-file-size {n}"));
        }
        if let Some(n) = self.queue_limit {
            pairs.push(format!("queue-limit {n}"));
        }
        if let Some(d) = self.stall_timeout {
            pairs.push(format!("stall-timeout {}", format_duration(d)));
        }
        if let Some(n) = self.spool_limit {
            pairs.push(format!("spool-limit {n}"));
        }
        f.write_str(&pairs.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_read_and_written_back() {
        let limits =
            ServerLimits::parse("max-clients 2, auth-timeout 300ms, max-file-size 1KiB").unwrap();
        assert_eq!(limits.max_clients, Some(2));
        assert_eq!(limits.auth_timeout, Some(Duration::from_millis(300)));
        assert_eq!(limits.max_file_size, Some(1024));
        assert_eq!(ServerLimits::parse(&limits.to_string()), Ok(limits));
        // Finer than a millisecond survives the round trip too.
        let fine = ServerLimits::parse("stall-timeout 1500us").unwrap();
        assert_eq!(ServerLimits::parse(&fine.to_string()), Ok(fine));
    }

    #[test]
    fn a_wrong_pair_is_named() {
        let e = ServerLimits::parse("max-client 2").unwrap_err();
        assert!(
            e.contains("unknown limit `max-client`") && e.contains("max-clients"),
            "{e}"
        );
        assert!(ServerLimits::parse("max-clients 0").is_err());
        assert!(ServerLimits::parse("max-clients").is_err());
        assert!(ServerLimits::parse("spool-limit lots")
            .unwrap_err()
            .contains("spool-limit"));
        assert!(ServerLimits::parse("").is_err());
    }
}
