//! HTML escaping: every byte that came from a server, a client, a scenario or a file goes
//! through [`escape`] (attribute values, and anywhere) or [`escape_text`] (element content
//! only) before it reaches a page.

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, and control
/// characters other than tab and newline shown as `\u{..}` (a page must never carry raw
/// bytes a browser would treat as markup or drop silently): safe anywhere, attribute values
/// included.
pub fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// `text` for element content: as [`escape`], but quotes stay as they are (they mean nothing
/// outside an attribute value), which keeps transcripts full of quoted strings small.
pub fn escape_text(text: &str) -> String {
    escape_with(text, false)
}

fn escape_with(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A fragment identifier made of `[A-Za-z0-9-]` only, from any text (ids of scenarios and
/// names of implementations), so it needs no escaping in `id` and `href`.
pub fn anchor(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str("--");
        }
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(b as char);
            } else if b == b'/' {
                out.push('_');
            } else {
                out.push_str(&format!("-{b:02x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_neutralised() {
        assert_eq!(
            escape("<script>alert('x&y')</script>\"\u{0}\u{1b}"),
            "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;\\u{0}\\u{1b}"
        );
        assert_eq!(escape("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            escape_text("<b>\"it's\"</b>&\u{7}"),
            "&lt;b&gt;\"it's\"&lt;/b&gt;&amp;\\u{7}"
        );
    }

    #[test]
    fn anchors_are_unique_and_plain() {
        assert_eq!(anchor(&["auth/x-y", "a b"]), "auth_x-2dy--a-20b");
        assert_ne!(anchor(&["a-b"]), anchor(&["a_b"]));
        assert!(anchor(&["\"><img>"])
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    }
}
