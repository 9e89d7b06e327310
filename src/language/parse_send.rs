//! Reads a send statement (`alice> ...`): typed frames, files, raw bytes, `;` to put several
//! in one write, and the segmentation options `chunk`, `split-at`, `pause`, `within`.

use super::cursor::Cursor;
use super::error::ParseError;
use super::lexer::TokenKind;
use super::model::{BodySource, Chunking, Part, Send};
use crate::protocol::{ClientFileHeader, ClientFrame, Frame, RENAME_COMMAND};

/// Parses what follows `NAME>`.
pub(super) fn send(cur: &mut Cursor<'_>, client: String) -> Result<Send, ParseError> {
    let mut parts = Vec::new();
    loop {
        let start = parts.len();
        piece(cur, &mut parts)?;
        for part in &parts[start..] {
            if let Part::Frame(frame) = part {
                frame
                    .to_bytes()
                    .map_err(|e| cur.error_back(format!("this frame cannot be encoded: {e}")))?;
            }
        }
        if !cur.eat_kind(&TokenKind::Semi) {
            break;
        }
    }
    let (chunking, timeout) = options(cur)?;
    Ok(Send {
        client,
        parts,
        chunking,
        timeout,
    })
}

/// The options after a send's pieces: `chunk`, `split-at`, `pause`, `within`.
pub(super) fn options(
    cur: &mut Cursor<'_>,
) -> Result<(Chunking, Option<std::time::Duration>), ParseError> {
    let mut chunking = Chunking::default();
    let mut timeout = None;
    while !cur.at_end() {
        let option = cur.expect_word("`;`, `chunk`, `split-at`, `pause` or `within`")?;
        match option {
            "chunk" => {
                let n = cur.size()?;
                if n == 0 {
                    return Err(cur.error_back("a chunk must hold at least one byte"));
                }
                chunking.chunk = Some(usize::try_from(n).unwrap_or(usize::MAX));
            }
            "split-at" => {
                let list = cur.expect_word("byte offsets such as 1,5,9")?;
                let offsets: Option<Vec<usize>> = list.split(',').map(|o| o.parse().ok()).collect();
                let offsets = offsets
                    .filter(|o| o.windows(2).all(|w| w[0] < w[1]))
                    .ok_or_else(|| {
                        cur.error_back("split-at takes ascending offsets, e.g. 1,5,9")
                    })?;
                chunking.split_at = offsets;
            }
            "pause" => chunking.pause = cur.duration()?,
            "within" => timeout = Some(cur.duration()?),
            other => {
                return Err(cur.error_back(format!(
                    "unknown send option `{other}` (chunk, split-at, pause, within)"
                )))
            }
        }
    }
    Ok((chunking, timeout))
}

/// One frame, file or raw piece.
fn piece(cur: &mut Cursor<'_>, parts: &mut Vec<Part>) -> Result<(), ParseError> {
    let kind = cur.expect_word("what to send: auth, text, rename, exit, file, body or raw")?;
    match kind {
        "auth" => {
            let name = cur.text("a name")?;
            let offset = match cur.peek_word() {
                Some(w) if w.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') => {
                    Some(cur.int("offset in seconds (e.g. 10800 or -18000)")?)
                }
                _ => None,
            };
            parts.push(Part::Frame(ClientFrame::Auth { name, offset }));
        }
        "text" => {
            let text = cur.text_items("the message")?;
            parts.push(Part::Frame(ClientFrame::Text(text)));
        }
        "rename" => {
            let name = cur.text("the new name")?;
            parts.push(Part::Frame(ClientFrame::Rename(format!("{RENAME_COMMAND} {name}"))));
        }
        "rename-raw" => {
            let payload = cur.text("the rename payload")?;
            parts.push(Part::Frame(ClientFrame::Rename(payload)));
        }
        "exit" => {
            let payload = if matches!(cur.peek(), Some(TokenKind::Str(_))) {
                cur.text_items("the exit payload")?
            } else {
                crate::protocol::EXIT_PAYLOAD.to_owned()
            };
            parts.push(Part::Frame(ClientFrame::Exit(payload)));
        }
        "file" => file(cur, parts)?,
        "file-header" => {
            let filename = cur.text("the filename")?;
            cur.expect_keyword("size")?;
            let size = announced(cur)?;
            let caption = caption(cur)?;
            parts.push(Part::Frame(ClientFrame::File(ClientFileHeader {
                size,
                filename,
                caption,
            })));
        }
        "body" => parts.push(Part::Body(body_source(cur)?.0)),
        "raw" => parts.push(Part::Raw(raw(cur)?)),
        other => {
            return Err(cur.error_back(format!(
                "cannot send `{other}`: auth, text, rename, rename-raw, exit, file, file-header, body or raw"
            )))
        }
    }
    Ok(())
}

/// A size that fits in a file header's u32.
pub(super) fn announced(cur: &mut Cursor<'_>) -> Result<u32, ParseError> {
    let size = cur.size()?;
    u32::try_from(size)
        .map_err(|_| cur.error_back("a file header can announce at most 4294967295 bytes"))
}

pub(super) fn caption(cur: &mut Cursor<'_>) -> Result<Option<String>, ParseError> {
    if cur.eat("caption") {
        Ok(Some(cur.text("the caption")?))
    } else {
        Ok(None)
    }
}

/// `"name"` (from `files/`) or `generated SIZE`; returns the source and a default filename.
pub(super) fn body_source(cur: &mut Cursor<'_>) -> Result<(BodySource, String, u64), ParseError> {
    if cur.eat("generated") {
        let size = cur.size()?;
        return Ok((BodySource::Generated(size), "generated.bin".into(), size));
    }
    let name = cur.text("a file from files/ or `generated SIZE`")?;
    let path = cur.resolve_file(&name)?;
    let size = std::fs::metadata(&path)
        .map_err(|e| cur.error_back(format!("cannot read {}: {e}", path.display())))?
        .len();
    let filename = path
        .file_name()
        .map_or(name, |n| n.to_string_lossy().into_owned());
    Ok((BodySource::File(path), filename, size))
}

/// `file SOURCE [as NAME] [caption TEXT]`: a header and the whole body.
fn file(cur: &mut Cursor<'_>, parts: &mut Vec<Part>) -> Result<(), ParseError> {
    let (source, mut filename, size) = body_source(cur)?;
    let size = u32::try_from(size)
        .map_err(|_| cur.error_back("a file header can announce at most 4294967295 bytes"))?;
    if cur.eat("as") {
        filename = cur.text("the filename to announce")?;
    }
    let caption = caption(cur)?;
    parts.push(Part::Frame(ClientFrame::File(ClientFileHeader {
        size,
        filename,
        caption,
    })));
    parts.push(Part::Body(source));
    Ok(())
}

/// Hex words (`00 0c`, `000c03`) and quoted strings, each optionally `* N`.
pub(super) fn raw(cur: &mut Cursor<'_>) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::new();
    loop {
        if let Some(bytes) = cur.bytes_item()? {
            out.extend(bytes);
            continue;
        }
        let Some(word) = cur.peek_word() else { break };
        if !word.chars().all(|c| c.is_ascii_hexdigit()) {
            break;
        }
        if word.len() % 2 != 0 {
            return Err(cur.error("hex bytes come in pairs of digits, e.g. `0a`"));
        }
        cur.bump();
        let bytes: Vec<u8> = (0..word.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&word[i..i + 2], 16).ok())
            .collect();
        out.extend(cur.repeated(bytes)?);
    }
    if out.is_empty() {
        return Err(cur.error("`raw` needs hex bytes such as `00 05 03` or a \"string\""));
    }
    if out.len() > 64 << 20 {
        return Err(cur.error("raw bytes are limited to 64 MiB"));
    }
    Ok(out)
}
