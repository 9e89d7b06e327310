//! A cursor over the tokens of one line, with the small readers every statement needs:
//! words, texts, matchers, durations, sizes, and errors pointing at the current token.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;

use super::error::ParseError;
use super::lexer::{Line, Token, TokenKind};
use super::model::TextMatch;

/// Reads the tokens of one statement.
pub(super) struct Cursor<'a> {
    line: &'a Line,
    tokens: &'a [Token],
    pos: usize,
    /// The scenario file's folder, to find `files/`.
    pub dir: &'a Path,
    /// Bytes of literal data the whole scenario may still hold (strings and raw bytes).
    budget: &'a Cell<usize>,
}

/// Most bytes of literal data (strings, raw bytes, after `* N` and `repeat`) one scenario may
/// hold in memory.
pub const DATA_BUDGET: usize = 256 << 20;

impl<'a> Cursor<'a> {
    pub fn new(
        line: &'a Line,
        tokens: &'a [Token],
        dir: &'a Path,
        budget: &'a Cell<usize>,
    ) -> Self {
        Self {
            line,
            tokens,
            pos: 0,
            dir,
            budget,
        }
    }

    /// Charges `n` bytes of literal data to the scenario's budget.
    fn spend(&self, n: usize) -> Result<(), ParseError> {
        let left = self.budget.get();
        if n > left {
            return Err(self.error_back(format!(
                "the scenario holds more than {} MiB of literal data",
                DATA_BUDGET >> 20
            )));
        }
        self.budget.set(left - n);
        Ok(())
    }

    pub fn peek(&self) -> Option<&'a TokenKind> {
        self.tokens.get(self.pos).map(|t| &t.kind)
    }

    pub fn peek_at(&self, ahead: usize) -> Option<&'a TokenKind> {
        self.tokens.get(self.pos + ahead).map(|t| &t.kind)
    }

    pub fn peek_word(&self) -> Option<&'a str> {
        match self.peek() {
            Some(TokenKind::Word(w)) => Some(w),
            _ => None,
        }
    }

    pub fn bump(&mut self) -> Option<&'a TokenKind> {
        let token = self.tokens.get(self.pos);
        self.pos += usize::from(token.is_some());
        token.map(|t| &t.kind)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// Column of the current token (or just past the line's end).
    pub fn col(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.line.text.trim_end().chars().count() + 1, |t| t.col)
    }

    /// An error at the current token.
    pub fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.line, self.col(), message)
    }

    /// An error at the previous token.
    pub fn error_back(&self, message: impl Into<String>) -> ParseError {
        let col = self
            .tokens
            .get(self.pos.saturating_sub(1))
            .map_or(self.col(), |t| t.col);
        ParseError::at(self.line, col, message)
    }

    fn found(&self) -> String {
        self.peek()
            .map_or("the end of the line".into(), TokenKind::describe)
    }

    /// Consumes `word` if it is next.
    pub fn eat(&mut self, word: &str) -> bool {
        let hit = self.peek_word() == Some(word);
        self.pos += usize::from(hit);
        hit
    }

    pub fn eat_kind(&mut self, kind: &TokenKind) -> bool {
        let hit = self.peek() == Some(kind);
        self.pos += usize::from(hit);
        hit
    }

    pub fn expect_word(&mut self, what: &str) -> Result<&'a str, ParseError> {
        match self.peek() {
            Some(TokenKind::Word(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.error(format!("expected {what}, found {}", self.found()))),
        }
    }

    pub fn expect_keyword(&mut self, word: &str) -> Result<(), ParseError> {
        if self.eat(word) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{word}`, found {}", self.found())))
        }
    }

    /// The line must end here.
    pub fn end(&self) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(kind) => Err(self.error(format!("unexpected {} here", kind.describe()))),
        }
    }

    /// A quoted string as bytes, optionally `* N` repeated.
    pub fn bytes_item(&mut self) -> Result<Option<Vec<u8>>, ParseError> {
        let Some(TokenKind::Str(bytes)) = self.peek() else {
            return Ok(None);
        };
        self.pos += 1;
        self.repeated(bytes.clone()).map(Some)
    }

    /// Applies a following `* N` to `bytes`, capped at 64 MiB in total.
    pub fn repeated(&mut self, bytes: Vec<u8>) -> Result<Vec<u8>, ParseError> {
        if !self.eat_kind(&TokenKind::Star) {
            self.spend(bytes.len())?;
            return Ok(bytes);
        }
        let n: usize = self.int("a repeat count after `*`")?;
        if bytes.len().saturating_mul(n) > 64 << 20 {
            return Err(self.error_back("that repetition is over 64 MiB"));
        }
        self.spend(bytes.len() * n)?;
        Ok(bytes.repeat(n))
    }

    /// One or more quoted strings (each maybe `* N`) joined, as UTF-8 text.
    pub fn text_items(&mut self, what: &str) -> Result<String, ParseError> {
        let start = self.col();
        let mut out = Vec::new();
        while let Some(bytes) = self.bytes_item()? {
            out.extend(bytes);
        }
        if self.col() == start {
            return Err(self.error(format!(
                "expected {what} (a quoted string), found {}",
                self.found()
            )));
        }
        String::from_utf8(out).map_err(|_| {
            ParseError::at(
                self.line,
                start,
                "this text is not valid UTF-8 (use `raw` for bytes)",
            )
        })
    }

    /// A text: a quoted string (maybe repeated) or a bare word.
    pub fn text(&mut self, what: &str) -> Result<String, ParseError> {
        match self.peek() {
            Some(TokenKind::Word(w)) => {
                self.pos += 1;
                Ok(w.clone())
            }
            _ => self.text_items(what),
        }
    }

    /// A field matcher: `*`, `"exact"`, `/regex/`, or (when `words` is true) a bare word.
    pub fn text_match(&mut self, what: &str, words: bool) -> Result<TextMatch, ParseError> {
        match self.peek() {
            Some(TokenKind::Star) => {
                self.pos += 1;
                Ok(TextMatch::Any)
            }
            Some(TokenKind::Regex(re)) => {
                self.pos += 1;
                Regex::new(re)
                    .map(TextMatch::Regex)
                    .map_err(|e| self.error_back(format!("invalid regex: {e}")))
            }
            Some(TokenKind::Word(w)) if words => {
                self.pos += 1;
                Ok(TextMatch::Exact(w.clone()))
            }
            Some(TokenKind::Str(_)) => self.text_items(what).map(TextMatch::Exact),
            _ => Err(self.error(format!(
                "expected {what}: `*`, a \"string\" or a /regex/; found {}",
                self.found()
            ))),
        }
    }

    /// Whether a matcher (not a bare word) comes next.
    pub fn at_matcher(&self) -> bool {
        matches!(
            self.peek(),
            Some(TokenKind::Star | TokenKind::Regex(_) | TokenKind::Str(_))
        )
    }

    pub fn int<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, ParseError> {
        let word = self.expect_word(what)?;
        word.parse()
            .map_err(|_| self.error_back(format!("`{word}` is not a valid {what}")))
    }

    /// A duration: `250ms`, `2s`, `1.5s`, `100us`.
    pub fn duration(&mut self) -> Result<Duration, ParseError> {
        let word = self.expect_word("a duration such as 300ms or 2s")?;
        crate::units::parse_duration(word).map_err(|e| self.error_back(e))
    }

    /// A size in bytes: `100`, `4KiB`, `1MiB`, `1GiB`, `10KB`, `1MB`.
    pub fn size(&mut self) -> Result<u64, ParseError> {
        let word = self.expect_word("a size such as 100, 4KiB or 1MiB")?;
        crate::units::parse_size(word).map_err(|e| self.error_back(e))
    }

    /// Finds `name` in a `files/` folder beside the scenario or in a folder above it.
    pub fn resolve_file(&self, name: &str) -> Result<PathBuf, ParseError> {
        let mut dir = Some(self.dir);
        while let Some(d) = dir {
            let candidate = d.join("files").join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
            dir = d.parent();
        }
        Err(self.error_back(format!(
            "no file `{name}` in a files/ folder beside this scenario or above it"
        )))
    }
}

/// A duration in the shared grammar ([`crate::units`]), or `None`.
pub fn parse_duration(word: &str) -> Option<Duration> {
    crate::units::parse_duration(word).ok()
}

/// A size in the shared grammar ([`crate::units`]), or `None`.
pub fn parse_size(word: &str) -> Option<u64> {
    crate::units::parse_size(word).ok()
}
