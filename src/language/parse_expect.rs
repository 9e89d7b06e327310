//! Reads an expectation (`bob< ...`): frame patterns with field matchers, `closed`,
//! `nothing for D`, `malformed`, alternatives with `or`, sequences with `then`, and the
//! options `eventually`, `within` and `strict-wording`, and the negated form `never`.

use super::cursor::Cursor;
use super::error::ParseError;
use super::model::{
    CaptionMatch, Expect, Expectation, FileMatch, FrameMatch, TextMatch, TextPattern,
};
use super::parse_send::body_source;
use crate::protocol::HhMm;

/// How long `nothing` waits when no duration is given.
pub const DEFAULT_QUIET: std::time::Duration = std::time::Duration::from_millis(200);

/// Parses what follows `NAME<`.
pub(super) fn expect(cur: &mut Cursor<'_>, client: String) -> Result<Expect, ParseError> {
    let never = cur.eat("never");
    let eventually = !never && cur.eat("eventually");
    let mut alternatives = vec![sequence(cur)?];
    while cur.eat("or") {
        alternatives.push(sequence(cur)?);
    }
    if never
        && alternatives
            .iter()
            .any(|a| a.len() != 1 || matches!(a[0], Expectation::Nothing(_)))
    {
        return Err(cur.error_back(
            "`never` takes single expectations joined by `or` (no `then`, no `nothing`)",
        ));
    }
    let mut strict_wording = false;
    let mut timeout = None;
    while !cur.at_end() {
        match cur.expect_word("`or`, `then`, `within` or `strict-wording`")? {
            "within" => timeout = Some(cur.duration()?),
            "strict-wording" => strict_wording = true,
            other => {
                return Err(cur.error_back(format!(
                    "unexpected `{other}` (options are `within D` and `strict-wording`)"
                )))
            }
        }
    }
    Ok(Expect {
        client,
        alternatives,
        eventually,
        never,
        strict_wording,
        timeout,
    })
}

fn sequence(cur: &mut Cursor<'_>) -> Result<Vec<Expectation>, ParseError> {
    let mut steps = vec![single(cur)?];
    while cur.eat("then") {
        steps.push(single(cur)?);
    }
    Ok(steps)
}

/// A matcher when one comes next, else `*`.
pub(super) fn optional(cur: &mut Cursor<'_>, what: &str) -> Result<TextMatch, ParseError> {
    if cur.at_matcher() {
        cur.text_match(what, false)
    } else {
        Ok(TextMatch::Any)
    }
}

fn single(cur: &mut Cursor<'_>) -> Result<Expectation, ParseError> {
    let kind = cur.expect_word(
        "what to expect: auth-ok, renamed, chat, notice, reply, text, file, closed, nothing or malformed",
    )?;
    let frame = match kind {
        "auth-ok" => FrameMatch::AuthOk(optional(cur, "the greeting")?),
        "renamed" => FrameMatch::Renamed(optional(cur, "the confirmation")?),
        "chat" => {
            cur.expect_keyword("from")?;
            let sender = cur.text_match("the sender", true)?;
            let message = cur.text_match("the message", false)?;
            FrameMatch::Chat { sender, message }
        }
        "notice" => FrameMatch::Notice(cur.text_match("the notice", false)?),
        "reply" => FrameMatch::Reply(cur.text_match("the reply", false)?),
        "text" => FrameMatch::Text(text_pattern(cur)?),
        "file" => FrameMatch::File(file(cur)?),
        "closed" => return Ok(Expectation::Closed),
        "malformed" => return Ok(Expectation::Malformed),
        "nothing" => {
            let quiet = if cur.eat("for") {
                cur.duration()?
            } else {
                DEFAULT_QUIET
            };
            return Ok(Expectation::Nothing(quiet));
        }
        other => {
            return Err(cur.error_back(format!(
                "cannot expect `{other}`: auth-ok, renamed, chat, notice, reply, text, file, closed, nothing or malformed"
            )))
        }
    };
    Ok(Expectation::Frame(frame))
}

/// A whole-payload pattern: a literal may start with `{time} `.
fn text_pattern(cur: &mut Cursor<'_>) -> Result<TextPattern, ParseError> {
    Ok(match cur.text_match("the text", false)? {
        TextMatch::Any => TextPattern::Any,
        TextMatch::Regex(re) => TextPattern::Regex(re),
        TextMatch::Exact(text) => match text.strip_prefix("{time} ") {
            Some(body) => TextPattern::Exact {
                timed: true,
                body: body.to_owned(),
            },
            None if text.contains("{time}") => {
                return Err(cur.error_back("`{time}` may only start a text, followed by a space"))
            }
            None if HhMm::parse_prefix(text.as_bytes()).is_some() => {
                return Err(cur.error_back(
                    "write the time prefix as `{time} ` so that it is checked against the clock",
                ))
            }
            None => TextPattern::Exact {
                timed: false,
                body: text,
            },
        },
    })
}

fn file(cur: &mut Cursor<'_>) -> Result<FileMatch, ParseError> {
    cur.expect_keyword("from")?;
    let mut pattern = FileMatch {
        sender: cur.text_match("the sender", true)?,
        name: TextMatch::Any,
        caption: None,
        size: None,
        body: None,
    };
    loop {
        match cur.peek_word() {
            Some("name") => {
                cur.bump();
                pattern.name = cur.text_match("the filename", true)?;
            }
            Some("caption") => {
                cur.bump();
                pattern.caption = Some(if cur.eat("none") {
                    CaptionMatch::Absent
                } else {
                    CaptionMatch::Is(cur.text_match("the caption", false)?)
                });
            }
            Some("size") => {
                cur.bump();
                pattern.size = Some(cur.size()?);
            }
            Some("body") => {
                cur.bump();
                let (source, _, size) = body_source(cur)?;
                pattern.size.get_or_insert(size);
                pattern.body = Some(source);
            }
            _ => return Ok(pattern),
        }
    }
}
