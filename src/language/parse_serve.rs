//! Reads a server send of a client scenario (`server> ...`): the frames a server sends, with
//! their time prefixes, file headers and bodies, raw bytes, `;` for one write, and the send
//! options of the server language (`chunk`, `split-at`, `pause`).

use crate::language::cursor::Cursor;
use crate::language::error::ParseError;
use crate::language::lexer::TokenKind;
use crate::language::parse_send::{announced, body_source, caption, options, raw};
use crate::protocol::{HhMm, ServerFileHeader, ServerFrame, ServerText};

use super::client_script::{ServerPart, ServerSend, TimedFrame};

/// The greeting `server> auth-ok` sends when no text is given (the original's).
pub const DEFAULT_GREETING: &str = "Commands: >>exit<<, >>sendfile<< 'filename', >>chname<< 'name'";

/// Parses what follows `server>`.
pub(super) fn send(cur: &mut Cursor<'_>) -> Result<ServerSend, ParseError> {
    let mut parts = Vec::new();
    loop {
        piece(cur, &mut parts)?;
        if !cur.eat_kind(&TokenKind::Semi) {
            break;
        }
    }
    let (chunking, within) = options(cur)?;
    Ok(ServerSend {
        parts,
        chunking,
        within,
    })
}

/// `at HH:MM`, when given.
fn at(cur: &mut Cursor<'_>) -> Result<Option<HhMm>, ParseError> {
    if !cur.eat("at") {
        return Ok(None);
    }
    let word = cur.expect_word("a time such as 12:00")?;
    let parsed = word.split_once(':').and_then(|(h, m)| {
        HhMm::new(h.parse().ok()?, m.parse().ok()?).filter(|_| h.len() == 2 && m.len() == 2)
    });
    parsed
        .map(Some)
        .ok_or_else(|| cur.error_back(format!("`{word}` is not a time (write e.g. 09:30)")))
}

fn timed(frame: ServerFrame, at: Option<HhMm>) -> ServerPart {
    ServerPart::Frame(TimedFrame {
        frame,
        at,
        timed: true,
    })
}

fn untimed(frame: ServerFrame) -> ServerPart {
    ServerPart::Frame(TimedFrame {
        frame,
        at: None,
        timed: false,
    })
}

fn text_frame(body: String) -> ServerFrame {
    ServerFrame::Text(ServerText {
        time: Some(HhMm::from_unix(0, 0)),
        body,
    })
}

fn piece(cur: &mut Cursor<'_>, parts: &mut Vec<ServerPart>) -> Result<(), ParseError> {
    const PIECES: &str = "auth-ok, chat, notice, reply, renamed, file, file-header, body or raw";
    let kind = cur.expect_word(&format!("what to send: {PIECES}"))?;
    let part = match kind {
        "auth-ok" => {
            let text = if matches!(cur.peek(), Some(TokenKind::Str(_))) {
                cur.text_items("the greeting")?
            } else {
                DEFAULT_GREETING.to_owned()
            };
            untimed(ServerFrame::AuthOk(text))
        }
        "chat" => {
            cur.expect_keyword("from")?;
            let sender = cur.text("the sender")?;
            let message = cur.text_items("the message")?;
            timed(text_frame(format!("[{sender}] {message}")), at(cur)?)
        }
        "notice" => {
            let body = cur.text_items("the notice")?;
            timed(text_frame(body), at(cur)?)
        }
        "reply" => untimed(ServerFrame::Text(ServerText {
            time: None,
            body: cur.text_items("the reply")?,
        })),
        "renamed" => untimed(ServerFrame::Renamed(cur.text_items("the confirmation")?)),
        "file" => {
            cur.expect_keyword("from")?;
            let sender = cur.text("the sender")?;
            let (source, mut filename, size) = body_source(cur)?;
            let size = u32::try_from(size)
                .map_err(|_| cur.error_back("a file header announces at most 4294967295 bytes"))?;
            if cur.eat("as") {
                filename = cur.text("the filename to announce")?;
            }
            let caption = caption(cur)?;
            let header = ServerFileHeader {
                time: HhMm::from_unix(0, 0),
                sender,
                size,
                filename,
                caption,
            };
            parts.push(timed(ServerFrame::File(header), at(cur)?));
            ServerPart::Body(source)
        }
        "file-header" => {
            cur.expect_keyword("from")?;
            let sender = cur.text("the sender")?;
            let filename = cur.text("the filename")?;
            cur.expect_keyword("size")?;
            let size = announced(cur)?;
            let caption = caption(cur)?;
            let header = ServerFileHeader {
                time: HhMm::from_unix(0, 0),
                sender,
                size,
                filename,
                caption,
            };
            timed(ServerFrame::File(header), at(cur)?)
        }
        "body" => ServerPart::Body(body_source(cur)?.0),
        "raw" => ServerPart::Raw(raw(cur)?),
        other => return Err(cur.error_back(format!("cannot send `{other}`: {PIECES}"))),
    };
    if let ServerPart::Frame(f) = &part {
        use crate::protocol::Frame as _;
        f.frame
            .to_bytes()
            .map_err(|e| cur.error_back(format!("this frame cannot be encoded: {e}")))?;
    }
    parts.push(part);
    Ok(())
}
