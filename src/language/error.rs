//! Errors of reading a scenario: `file:line:col: message`, with the offending line shown.

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// A scenario that cannot be parsed, located to the character.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ParseError {
    /// The file (empty until the parser fills it in).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// The text of the line, to show under the message.
    pub line_text: String,
}

impl ParseError {
    /// An error at `col` of `line`.
    pub fn at(line: &Line, col: usize, message: impl Into<String>) -> Self {
        Self {
            path: PathBuf::new(),
            line: line.number,
            col: col.max(1),
            message: message.into(),
            line_text: line.text.clone(),
        }
    }

    /// An error that concerns a whole file rather than a place in it.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            line: 0,
            col: 0,
            message: message.into(),
            line_text: String::new(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}: {}", self.path.display(), self.message);
        }
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.col,
            self.message
        )?;
        let gutter = self.line.to_string();
        writeln!(f, "{:w$} |", "", w = gutter.len())?;
        writeln!(f, "{gutter} | {}", self.line_text)?;
        let pad: String = self
            .line_text
            .chars()
            .take(self.col - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{:w$} | {pad}^", "", w = gutter.len())
    }
}

/// One logical line: physical lines joined where one ends in `\`.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based number of its first physical line.
    pub number: usize,
    /// Its text, joined.
    pub text: String,
}
