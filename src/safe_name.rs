//! Turning a file name chosen by a peer into one that is safe to create inside a directory
//! (pure string rules, no I/O: the core imports them). Creating the file is
//! [`crate::unique_file`]'s. The server stores uploads and the client saves received files by
//! these same rules.

/// Longest stored filename, in bytes (file systems allow 255; leave room for a `-N` suffix).
pub const MAX_FILENAME_LEN: usize = 100;

/// Makes a client's filename safe to store and to relay: path separators split it into
/// components, empty, `.` and `..` components are dropped, the rest are joined with `_`;
/// control characters become `_`, runs of dots become one dot, leading dots are dropped, and
/// the result is cut to [`MAX_FILENAME_LEN`] bytes. `None` when nothing is left (such as `..`).
pub fn sanitize_filename(raw: &str) -> Option<String> {
    let joined = raw
        .split(['/', '\\'])
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .collect::<Vec<_>>()
        .join("_");
    let mut out = String::with_capacity(joined.len().min(MAX_FILENAME_LEN));
    for c in joined.chars() {
        let c = if c.is_control() { '_' } else { c };
        if (c == '.' && (out.is_empty() || out.ends_with('.')))
            || out.len() + c.len_utf8() > MAX_FILENAME_LEN
        {
            continue;
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

/// The `n`-th candidate stored name for `base`: `base` itself, then `stem-1.ext`, `stem-2.ext`…
pub fn unique_name(base: &str, n: u32) -> String {
    if n == 0 {
        return base.to_owned();
    }
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{n}.{ext}"),
        _ => format!("{base}-{n}"),
    }
}

/// True when `name` could have come out of [`sanitize_filename`] and [`unique_name`]: one
/// plain path component. Spools check it again before touching storage.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains("..")
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_one_plain_component_or_nothing() {
        let cases = [
            ("pic.png", Some("pic.png")),
            ("../../etc/passwd", Some("etc_passwd")),
            ("/abs", Some("abs")),
            ("a\0b", Some("a_b")),
            ("..", None),
            (".", None),
            ("...", None),
            ("", None),
            ("/", None),
            ("..\\..\\win.ini", Some("win.ini")),
            (".hidden", Some("hidden")),
            ("a..b", Some("a.b")),
            ("x/../y", Some("x_y")),
            ("tab\there", Some("tab_here")),
        ];
        for (raw, expected) in cases {
            let got = sanitize_filename(raw);
            assert_eq!(got.as_deref(), expected, "{raw:?}");
            if let Some(name) = got {
                assert!(is_safe_name(&name), "{name:?}");
            }
        }
        let long = sanitize_filename(&"é".repeat(200)).unwrap();
        assert!(long.len() <= MAX_FILENAME_LEN && long.chars().all(|c| c == 'é'));
    }

    #[test]
    fn unique_names_keep_the_extension() {
        assert_eq!(unique_name("pic.png", 0), "pic.png");
        assert_eq!(unique_name("pic.png", 2), "pic-2.png");
        assert_eq!(unique_name("notes", 1), "notes-1");
        assert_eq!(unique_name("a.tar.gz", 1), "a.tar-1.gz");
    }
}
