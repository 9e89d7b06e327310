//! Known failures of one implementation (`--expect FILE`): lines of `PATTERN: reason`, where
//! PATTERN is a scenario id such as `framing/coalesced-frames`, `*` matching any run of
//! characters (`hostile/*`). `#` starts a comment.

use std::path::Path;

use regex::Regex;

use super::error::ParseError;
use super::lexer::Line;

/// The known failures of an implementation.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    entries: Vec<(Regex, String, String)>,
}

impl Expectations {
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
            entries.push((re, pattern.to_owned(), reason.to_owned()));
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
        self.entries
            .iter()
            .find(|(re, _, _)| re.is_match(id))
            .map(|(_, _, reason)| reason.as_str())
    }

    /// Patterns that match none of `ids` (probably stale).
    pub fn unused<'a>(&'a self, ids: &[&str]) -> Vec<&'a str> {
        self.entries
            .iter()
            .filter(|(re, _, _)| !ids.iter().any(|id| re.is_match(id)))
            .map(|(_, pattern, _)| pattern.as_str())
            .collect()
    }
}
