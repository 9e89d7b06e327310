//! Known failures of one implementation (`--expect FILE`): lines of `PATTERN: reason`, where
//! PATTERN is a scenario id such as `framing/coalesced-frames`, `*` matching any run of
//! characters (`hostile/*`). `#` starts a comment. A line that starts with `sometimes ` names
//! a race the implementation loses only now and then: its failure is expected, and so is its
//! pass (not an unexpected pass).

use std::path::Path;

use regex::Regex;

use crate::language::error::Line;
use crate::language::error::ParseError;

/// The known failures of an implementation.
#[derive(Debug, Clone, Default)]
pub struct KnownFailures {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    re: Regex,
    pattern: String,
    known: Known,
}

/// Why a scenario is expected to fail, and whether only sometimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The reason, as written.
    pub reason: String,
    /// A race the implementation loses now and then (`sometimes PATTERN: reason`): a pass
    /// is no surprise either.
    pub sometimes: bool,
}

impl KnownFailures {
    /// Reads an expectations file.
    pub fn load(path: &Path) -> Result<Self, ParseError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ParseError::file(path, format!("cannot read: {e}")))?;
        Self::parse(&text).map_err(|e| ParseError {
            path: path.to_owned(),
            ..e
        })
    }

    /// Parses the text of an expectations file.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let content = raw.split(" #").next().unwrap_or_default().trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let line = Line {
                number: i + 1,
                text: raw.to_owned(),
            };
            let (sometimes, content) = match content.strip_prefix("sometimes ") {
                Some(rest) => (true, rest.trim_start()),
                None => (false, content),
            };
            let Some((pattern, reason)) = content.split_once(':') else {
                return Err(ParseError::at(
                    &line,
                    1,
                    "expected `scenario-id: reason`, e.g. `framing/coalesced-frames: reads one frame per recv`",
                ));
            };
            let (pattern, reason) = (pattern.trim(), reason.trim());
            if pattern.is_empty() || reason.is_empty() {
                return Err(ParseError::at(
                    &line,
                    1,
                    "both a scenario id and a reason are needed",
                ));
            }
            let body = pattern
                .trim_end_matches(".chat")
                .split('*')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(".*");
            let re = Regex::new(&format!("^(.*/)?{body}$"))
                .map_err(|e| ParseError::at(&line, 1, format!("bad pattern: {e}")))?;
            entries.push(Entry {
                re,
                pattern: pattern.to_owned(),
                known: Known {
                    reason: reason.to_owned(),
                    sometimes,
                },
            });
        }
        Ok(Self { entries })
    }

    /// The known failures of both (this one's reason first, where both list a scenario): a
    /// client × server pair of the matrix fails as either of its implementations says.
    pub fn merged(&self, other: &Self) -> Self {
        Self {
            entries: self.entries.iter().chain(&other.entries).cloned().collect(),
        }
    }

    /// The reason `id` is expected to fail, if it is.
    pub fn reason(&self, id: &str) -> Option<&str> {
        self.known(id).map(|k| k.reason.as_str())
    }

    /// Why `id` is expected to fail, and whether only sometimes.
    pub fn known(&self, id: &str) -> Option<&Known> {
        self.entries
            .iter()
            .find(|e| e.re.is_match(id))
            .map(|e| &e.known)
    }

    /// Patterns that match none of `ids` (probably stale).
    pub fn unused<'a>(&'a self, ids: &[&str]) -> Vec<&'a str> {
        self.entries
            .iter()
            .filter(|e| !ids.iter().any(|id| e.re.is_match(id)))
            .map(|e| e.pattern.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sometimes_line_is_a_known_race() {
        let e = KnownFailures::parse(
            "text/burst: merges frames\nsometimes auth/race: a notice may come first\n",
        )
        .expect("parses");
        assert_eq!(
            e.known("text/burst"),
            Some(&Known {
                reason: "merges frames".into(),
                sometimes: false
            })
        );
        assert_eq!(
            e.known("auth/race"),
            Some(&Known {
                reason: "a notice may come first".into(),
                sometimes: true
            })
        );
        assert_eq!(e.known("auth/other"), None);
    }
}
