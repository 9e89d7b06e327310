//! Turning a file name chosen by a peer into one that is safe to create inside a directory,
//! and creating it there without overwriting anything.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Longest name kept, in bytes (most file systems allow 255).
const MAX_NAME: usize = 200;
/// How many `name (n).ext` variants are tried before giving up.
const MAX_VARIANTS: u32 = 10_000;

/// A single path component made from `name`: only its last path segment is kept, control
/// characters and separators become `_`, leading dots are dropped (no `..`, no hidden files),
/// and an empty result becomes `file`.
pub fn sanitize_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut safe: String = last
        .chars()
        .map(|c| if c.is_control() || c == ':' { '_' } else { c })
        .collect();
    let trimmed = safe.trim_start_matches('.').trim();
    safe = trimmed.to_owned();
    if safe.len() > MAX_NAME {
        let mut cut = MAX_NAME;
        while !safe.is_char_boundary(cut) {
            cut -= 1;
        }
        safe.truncate(cut);
    }
    if safe.is_empty() {
        safe.push_str("file");
    }
    safe
}

/// Creates a new file in `dir` named after `name` (sanitised); when that name exists, tries
/// `stem (1).ext`, `stem (2).ext`, ... Never opens an existing file.
pub fn create_unique(dir: &Path, name: &str) -> io::Result<(File, PathBuf)> {
    let safe = sanitize_filename(name);
    let (stem, ext) = match safe.rfind('.') {
        Some(dot) if dot > 0 => (&safe[..dot], &safe[dot..]),
        _ => (safe.as_str(), ""),
    };
    for n in 0..MAX_VARIANTS {
        let candidate = if n == 0 {
            safe.clone()
        } else {
            format!("{stem} ({n}){ext}")
        };
        let path = dir.join(candidate);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} and {MAX_VARIANTS} variants of it already exist",
            dir.join(&safe).display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_one_harmless_component() {
        for (name, safe) in [
            ("../../etc/passwd", "passwd"),
            ("/etc/x", "x"),
            ("..", "file"),
            (".", "file"),
            ("", "file"),
            ("a\0b", "a_b"),
            ("..\\..\\win.ini", "win.ini"),
            (".hidden", "hidden"),
            ("C:evil", "C_evil"),
            ("pic.png", "pic.png"),
        ] {
            assert_eq!(sanitize_filename(name), safe, "{name:?}");
        }
    }

    #[test]
    fn long_names_are_cut_on_a_char_boundary() {
        let name = "é".repeat(300);
        let safe = sanitize_filename(&name);
        assert!(safe.len() <= MAX_NAME && !safe.is_empty());
    }

    #[test]
    fn clashes_get_numbered_variants() {
        let dir = tempfile::tempdir().unwrap();
        let (_, first) = create_unique(dir.path(), "a.txt").unwrap();
        let (_, second) = create_unique(dir.path(), "../a.txt").unwrap();
        let (_, third) = create_unique(dir.path(), "a.txt").unwrap();
        assert_eq!(first, dir.path().join("a.txt"));
        assert_eq!(second, dir.path().join("a (1).txt"));
        assert_eq!(third, dir.path().join("a (2).txt"));
    }
}
