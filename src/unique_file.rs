//! Creating a peer-named file in a directory without overwriting anything: the filesystem half
//! of [`crate::safe_name`], kept out of the module the sans-IO core imports.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::safe_name::{is_safe_name, unique_name};

/// How many `stem-N.ext` variants [`create_unique`] tries before giving up.
const MAX_VARIANTS: u32 = 1000;

/// Creates a new file in `dir` named `name` (which must pass [`is_safe_name`]); when that name
/// exists, tries the [`unique_name`] variants. Never opens an existing file. The file is open
/// for reading too, so a spool can stream it back.
pub fn create_unique(dir: &Path, name: &str) -> io::Result<(File, PathBuf)> {
    if !is_safe_name(name) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "unsafe file name",
        ));
    }
    for n in 0..MAX_VARIANTS {
        let path = dir.join(unique_name(name, n));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} and {MAX_VARIANTS} variants of it already exist",
            dir.join(name).display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clashes_get_numbered_variants_and_unsafe_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_, first) = create_unique(dir.path(), "a.txt").unwrap();
        let (_, second) = create_unique(dir.path(), "a.txt").unwrap();
        assert_eq!(first, dir.path().join("a.txt"));
        assert_eq!(second, dir.path().join("a-1.txt"));
        for unsafe_name in ["../a.txt", "..", "", "a/b", ".hidden"] {
            assert!(
                create_unique(dir.path(), unsafe_name).is_err(),
                "{unsafe_name:?}"
            );
        }
    }
}
