//! A private files directory for one server under test, `TMP/chat-harness-files-PID-N/a/b/c/files`,
//! removed with its root when dropped. It lies a few levels deep so that a server writing
//! `../../x` still lands inside the root, where `scenario::files_dir` sees it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Levels between the private root and the files directory.
pub const NESTING: [&str; 3] = ["a", "b", "c"];

/// A private files directory, removed with its root when dropped.
#[derive(Debug)]
pub struct FilesDir {
    root: PathBuf,
    files: PathBuf,
}

impl FilesDir {
    /// Creates `TMP/chat-harness-files-PID-N/a/b/c/files`.
    pub fn create() -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("chat-harness-files-{}-{n}", std::process::id()));
        let mut files = root.clone();
        files.extend(NESTING);
        files.push("files");
        std::fs::create_dir_all(&files)?;
        Ok(Self { root, files })
    }

    /// The directory the server is given.
    pub fn path(&self) -> &Path {
        &self.files
    }

    /// The private root the files directory lies in, a few levels deep.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for FilesDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
