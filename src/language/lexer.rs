//! Splits a scenario file into logical lines and each line into tokens with their columns.
//! Knows nothing of statements: the parser gives tokens their meaning.

pub use super::error::Line;
use super::error::ParseError;

/// A token of one line, with the 1-based column of its first character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// 1-based column (in characters) where it starts.
    pub col: usize,
}

/// The kinds of token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: a run of characters other than blanks and `"#*<>{};`.
    Word(String),
    /// A quoted string, escapes resolved (it may hold invalid UTF-8 through `\xNN`).
    Str(Vec<u8>),
    /// A `/regex/`, with `\/` turned into `/`.
    Regex(String),
    /// `*`
    Star,
    /// `>` (a send: `alice> ...`)
    Gt,
    /// `<` (an expectation: `alice< ...`)
    Lt,
    /// `{`
    Open,
    /// `}`
    Close,
    /// `;` (several frames in one write)
    Semi,
}

impl TokenKind {
    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Word(w) => format!("`{w}`"),
            Self::Str(_) => "a string".into(),
            Self::Regex(_) => "a regex".into(),
            Self::Star => "`*`".into(),
            Self::Gt => "`>`".into(),
            Self::Lt => "`<`".into(),
            Self::Open => "`{`".into(),
            Self::Close => "`}`".into(),
            Self::Semi => "`;`".into(),
        }
    }
}

/// Splits a file into logical lines (a trailing `\` continues a line on the next one).
pub fn logical_lines(source: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut pending: Option<Line> = None;
    for (i, raw) in source.lines().enumerate() {
        let (body, continues) = match raw.trim_end().strip_suffix('\\') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        let line = match pending.take() {
            Some(mut line) => {
                line.text.push(' ');
                line.text.push_str(body.trim_start());
                line
            }
            None => Line {
                number: i + 1,
                text: body.to_owned(),
            },
        };
        if continues {
            pending = Some(line);
        } else {
            lines.push(line);
        }
    }
    lines.extend(pending);
    lines
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '"' | '#' | '*' | '<' | '>' | '{' | '}' | ';')
}

/// Tokenizes one line; a `#` outside strings and regexes starts a comment.
pub fn tokenize(line: &Line) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = line.text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let error = |col: usize, message: String| ParseError::at(line, col, message);
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let single = match c {
            '*' => Some(TokenKind::Star),
            '>' => Some(TokenKind::Gt),
            '<' => Some(TokenKind::Lt),
            '{' => Some(TokenKind::Open),
            '}' => Some(TokenKind::Close),
            ';' => Some(TokenKind::Semi),
            _ => None,
        };
        if let Some(kind) = single {
            tokens.push(Token { kind, col });
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            break;
        } else if c == '"' {
            let (bytes, next) = string(&chars, i + 1).map_err(|(at, m)| error(at + 1, m))?;
            tokens.push(Token {
                kind: TokenKind::Str(bytes),
                col,
            });
            i = next;
        } else if c == '/' {
            let mut re = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(error(col, "unterminated regex: add a closing `/`".into())),
                    Some('/') => break,
                    Some('\\') if chars.get(j + 1) == Some(&'/') => {
                        re.push('/');
                        j += 2;
                    }
                    Some(&ch) => {
                        re.push(ch);
                        j += 1;
                    }
                }
            }
            tokens.push(Token {
                kind: TokenKind::Regex(re),
                col,
            });
            i = j + 1;
        } else {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            tokens.push(Token {
                kind: TokenKind::Word(chars[start..i].iter().collect()),
                col,
            });
        }
    }
    Ok(tokens)
}

/// Reads a string body starting after the opening quote; returns the bytes and the index after
/// the closing quote, or the index and message of an error.
fn string(chars: &[char], mut i: usize) -> Result<(Vec<u8>, usize), (usize, String)> {
    let open = i - 1;
    let mut out = Vec::new();
    loop {
        let Some(&c) = chars.get(i) else {
            return Err((open, "unterminated string: add a closing `\"`".into()));
        };
        i += 1;
        match c {
            '"' => return Ok((out, i)),
            '\\' => {
                let Some(&e) = chars.get(i) else {
                    return Err((
                        i - 1,
                        "a `\\` at the end of the line escapes nothing".into(),
                    ));
                };
                i += 1;
                match e {
                    'n' => out.push(b'\n'),
                    't' => out.push(b'\t'),
                    'r' => out.push(b'\r'),
                    '0' => out.push(0),
                    '\\' => out.push(b'\\'),
                    '"' => out.push(b'"'),
                    'x' => {
                        let hex: String = chars.get(i..i + 2).unwrap_or_default().iter().collect();
                        let byte = u8::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 2);
                        let Some(byte) = byte else {
                            return Err((i - 2, "`\\x` needs two hex digits, e.g. `\\xff`".into()));
                        };
                        out.push(byte);
                        i += 2;
                    }
                    other => {
                        return Err((
                            i - 2,
                            format!(
                                "unknown escape `\\{other}` (use \\n \\t \\r \\0 \\\\ \\\" \\xNN)"
                            ),
                        ))
                    }
                }
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}
