//! A client frame in a transcript's words: what the server seat sent, the client seat
//! received, and the proxy saw, all described alike.

use super::received::quoted;
use crate::protocol::ClientFrame;

/// Describes a client frame for a transcript (`0x00 auth "alice" offset 10800`).
pub fn describe(frame: &ClientFrame) -> String {
    match frame {
        ClientFrame::Auth {
            name,
            offset: Some(o),
        } => format!("0x00 auth {name:?} offset {o}"),
        // The frame keeps a payload whose tail is not an offset as the name: say what the
        // offset field failed on rather than show it as part of a name.
        ClientFrame::Auth { name, offset: None } => match name.rsplit_once(' ') {
            Some((_, tail)) => format!(
                "0x00 auth payload {name:?}: no offset (the part after the last space, {tail:?}, is not a decimal integer)"
            ),
            None => format!("0x00 auth {name:?} (no offset: nothing after a space)"),
        },
        ClientFrame::Exit(p) => format!("0x01 exit {p:?}"),
        ClientFrame::File(h) => format!(
            "0x02 file {:?} size {}{}",
            h.filename,
            h.size,
            h.caption
                .as_ref()
                .map_or(String::new(), |c| format!(" caption {c:?}"))
        ),
        ClientFrame::Text(t) => format!("0x03 text {}", quoted(t)),
        ClientFrame::Rename(p) => format!("0x04 rename {p:?}"),
    }
}
