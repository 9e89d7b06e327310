//! Reads the statements of a client scenario (`tests: client`): typed input (`user>`),
//! expected output (`user<`), server sends (`server>`), expected client frames (`server<`),
//! connection, file and process checks. Reuses the matchers and send options of the server
//! language.

use std::path::Path;

use crate::language::cursor::Cursor;
use crate::language::error::ParseError;
use crate::language::lexer::{Line, TokenKind};
use crate::language::model::{CaptionMatch, TextMatch};
use crate::language::parse_expect::{optional, DEFAULT_QUIET};
use crate::language::parse_send::body_source;

use super::client_script::{
    ClientExpect, ClientExpectation, ClientFrameMatch, ClientScript, LineMatch, OutputExpect,
    OutputMatch, SavedFile, SeatAction, UploadMatch,
};

/// Handles the `tests:` and `timezone:` header lines.
pub(in crate::language) fn header(
    seat: &mut Option<ClientScript>,
    dir: &Path,
    started: bool,
    line: &Line,
    key: &str,
    value: &str,
) -> Result<(), ParseError> {
    let value = value.split('#').next().unwrap_or_default().trim();
    let col = line
        .text
        .find(value)
        .map_or(1, |i| line.text[..i].chars().count() + 1);
    if started {
        return Err(ParseError::at(
            line,
            1,
            format!("`{key}:` belongs in the header, before the first statement"),
        ));
    }
    match key {
        "tests" => match value {
            "client" | "interop" => {
                let script = seat.get_or_insert_with(ClientScript::default);
                script.interop = value == "interop";
                script.sample_files = dir
                    .ancestors()
                    .map(|d| d.join("files"))
                    .filter(|f| f.is_dir())
                    .collect();
            }
            "server" => *seat = None,
            other => return Err(ParseError::at(
                line,
                col,
                format!(
                    "`tests: {other}`: a scenario tests a `client` or a `server` (or their `interop`)"
                ),
            )),
        },
        _ => {
            let offset = utc_offset(value).ok_or_else(|| {
                ParseError::at(
                    line,
                    col,
                    format!("`{value}` is not a UTC offset (write UTC, +03:00, -05:30)"),
                )
            })?;
            let Some(script) = seat.as_mut() else {
                return Err(ParseError::at(
                    line,
                    1,
                    "`timezone:` is for client scenarios: put `tests: client` above it",
                ));
            };
            script.utc_offset = offset;
        }
    }
    Ok(())
}

/// `UTC`, `+03:00`, `-05:30`, `+3` as seconds east of UTC (within ±14 h).
pub fn utc_offset(text: &str) -> Option<i32> {
    if text.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, rest) = match text.split_at_checked(1)? {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    let secs = hours.checked_mul(3600)? + minutes * 60;
    ((0..60).contains(&minutes) && secs <= 14 * 3600).then_some(sign * secs)
}

/// Whether the statement at `cur` belongs to a peer client of an interop scenario (the server
/// language: `connect bob`, `bob> ...`, `bob< ...`, `close bob`), rather than to the client
/// under test; statements that would put the harness in the server's seat are refused.
pub(in crate::language) fn interop_peer(cur: &Cursor<'_>) -> Result<bool, ParseError> {
    let refused = "in an interop scenario the server is a real one: talk to it through peer \
        clients (`connect bob`, `bob> ...`, `bob< ...`)";
    let second = match cur.peek_at(1) {
        Some(TokenKind::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    Ok(match (cur.peek_word(), cur.peek_at(1)) {
        (Some("user"), Some(TokenKind::Gt | TokenKind::Lt)) => false,
        (Some("server"), Some(TokenKind::Gt | TokenKind::Lt)) => return Err(cur.error(refused)),
        (Some(_), Some(TokenKind::Gt | TokenKind::Lt)) => true,
        (Some("accept"), _) => return Err(cur.error(refused)),
        (Some("close" | "reset"), _) if second == Some("connection") => {
            return Err(cur.error(refused))
        }
        (Some("close"), _) => second != Some("stdin"),
        (
            Some(
                "connect" | "reset" | "half-close" | "stop-reading" | "resume-reading"
                | "read-slowly" | "pause-reading" | "ignore-notices" | "heed-notices",
            ),
            _,
        ) => true,
        _ => false,
    })
}

/// One statement of a client scenario.
pub(in crate::language) fn statement(cur: &mut Cursor<'_>) -> Result<SeatAction, ParseError> {
    let action = match (cur.peek_word(), cur.peek_at(1)) {
        (Some("user"), Some(TokenKind::Gt)) => {
            cur.bump();
            cur.bump();
            SeatAction::Type(cur.text_items("the line to type (a quoted string)")?)
        }
        (Some("user"), Some(TokenKind::Lt)) => {
            cur.bump();
            cur.bump();
            SeatAction::Output(output(cur)?)
        }
        (Some("server"), Some(TokenKind::Gt)) => {
            cur.bump();
            cur.bump();
            return super::parse_serve::send(cur).map(SeatAction::Send);
        }
        (Some("server"), Some(TokenKind::Lt)) => {
            cur.bump();
            cur.bump();
            return receive(cur).map(SeatAction::Receive);
        }
        _ => verb(cur)?,
    };
    cur.end()?;
    Ok(action)
}

fn within(cur: &mut Cursor<'_>) -> Result<Option<std::time::Duration>, ParseError> {
    if cur.eat("within") {
        Ok(Some(cur.duration()?))
    } else {
        Ok(None)
    }
}

fn verb(cur: &mut Cursor<'_>) -> Result<SeatAction, ParseError> {
    const KNOWN: &str = "user> \"line\", user< ..., server> ..., server< ..., close stdin, \
        close connection, reset connection, accept, saved, client exits, client runs, pause";
    let verb = cur.expect_word(KNOWN)?;
    Ok(match verb {
        "close" if cur.eat("stdin") => SeatAction::CloseStdin,
        "close" if cur.eat("connection") => SeatAction::CloseConnection,
        "reset" if cur.eat("connection") => SeatAction::ResetConnection,
        "close" | "reset" => {
            return Err(cur.error("close what: `stdin` or `connection` (reset: `connection`)"))
        }
        "accept" => SeatAction::Accept(within(cur)?),
        "pause" => SeatAction::Pause(cur.duration()?),
        "saved" if cur.eat("nothing") => {
            if cur.eat("over") {
                cur.expect_keyword("samples")?;
                SeatAction::SamplesKept
            } else {
                cur.expect_keyword("outside")?;
                SeatAction::NothingOutside
            }
        }
        "saved" => saved(cur)?,
        "client" if cur.eat("exits") => {
            let status = if cur.eat("status") {
                Some(cur.int("an exit status")?)
            } else {
                None
            };
            SeatAction::Exits {
                status,
                within: within(cur)?,
            }
        }
        "client" if cur.eat("runs") => SeatAction::Runs(if cur.eat("for") {
            Some(cur.duration()?)
        } else {
            None
        }),
        "client" => return Err(cur.error("expected `exits` or `runs`")),
        other => {
            return Err(cur.error_back(format!(
                "unknown statement `{other}` in a client scenario ({KNOWN})"
            )))
        }
    })
}

fn saved(cur: &mut Cursor<'_>) -> Result<SeatAction, ParseError> {
    let glob = cur.text("a path glob such as \"files*/pic.png\"")?;
    let mut file = SavedFile {
        glob,
        body: None,
        size: None,
        within: None,
    };
    loop {
        if cur.eat("body") {
            let (source, _, size) = body_source(cur)?;
            file.size.get_or_insert(size);
            file.body = Some(source);
        } else if cur.eat("size") {
            file.size = Some(cur.size()?);
        } else if cur.eat("within") {
            file.within = Some(cur.duration()?);
        } else {
            return Ok(SeatAction::Saved(file));
        }
    }
}

fn output(cur: &mut Cursor<'_>) -> Result<OutputExpect, ParseError> {
    let kind = if cur.eat("nothing") {
        OutputMatch::Nothing(if cur.eat("for") {
            cur.duration()?
        } else {
            DEFAULT_QUIET
        })
    } else if cur.eat("never") {
        OutputMatch::Never(LineMatch(cur.text_match("the line", false)?))
    } else {
        cur.eat("eventually");
        OutputMatch::Line(LineMatch(cur.text_match("the text of a line", false)?))
    };
    Ok(OutputExpect {
        kind,
        within: within(cur)?,
    })
}

fn receive(cur: &mut Cursor<'_>) -> Result<ClientExpect, ParseError> {
    let eventually = cur.eat("eventually");
    let mut alternatives = vec![expected(cur)?];
    while cur.eat("or") {
        alternatives.push(expected(cur)?);
    }
    let within = within(cur)?;
    cur.end()?;
    Ok(ClientExpect {
        alternatives,
        eventually,
        within,
    })
}

fn expected(cur: &mut Cursor<'_>) -> Result<ClientExpectation, ParseError> {
    const KINDS: &str = "auth, exit, text, rename, file, closed, nothing or malformed";
    let kind = cur.expect_word(&format!("what the client sends: {KINDS}"))?;
    let frame = match kind {
        "auth" => ClientFrameMatch::Auth(cur.text_match("the auth payload", true)?),
        "exit" => ClientFrameMatch::Exit(optional(cur, "the exit payload")?),
        "text" => ClientFrameMatch::Text(cur.text_match("the message", false)?),
        "rename" => ClientFrameMatch::Rename(cur.text_match("the new name", true)?),
        "file" => ClientFrameMatch::File(upload(cur)?),
        "closed" => return Ok(ClientExpectation::Closed),
        "malformed" => return Ok(ClientExpectation::Malformed),
        "nothing" => {
            return Ok(ClientExpectation::Nothing(if cur.eat("for") {
                cur.duration()?
            } else {
                DEFAULT_QUIET
            }))
        }
        other => return Err(cur.error_back(format!("cannot expect `{other}`: {KINDS}"))),
    };
    Ok(ClientExpectation::Frame(frame))
}

fn upload(cur: &mut Cursor<'_>) -> Result<UploadMatch, ParseError> {
    let mut pattern = UploadMatch {
        name: TextMatch::Any,
        caption: None,
        size: None,
        body: None,
    };
    loop {
        if cur.eat("name") {
            pattern.name = cur.text_match("the filename", true)?;
        } else if cur.eat("caption") {
            pattern.caption = Some(if cur.eat("none") {
                CaptionMatch::Absent
            } else {
                CaptionMatch::Is(cur.text_match("the caption", false)?)
            });
        } else if cur.eat("size") {
            pattern.size = Some(cur.size()?);
        } else if cur.eat("body") {
            let (source, _, size) = body_source(cur)?;
            pattern.size.get_or_insert(size);
            pattern.body = Some(source);
        } else {
            return Ok(pattern);
        }
    }
}
