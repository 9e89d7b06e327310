//! The files directory: [`DiskSpool`] stores upload bodies there as the core decodes them, and
//! hands out [`DiskBody`] handles that the drivers stream to recipients chunk by chunk, so a
//! stored file is never held in memory.
//!
//! Every recipient's queue holds a clone of the body; when the last clone is dropped (every
//! recipient was sent it, or left) the file is released: deleted, unless the spool keeps
//! uploads, and no longer counted in [`Spool::held`].
//!
//! Every path is `dir.join(name)` with a name that passed [`is_safe_name`] (one plain
//! component), created with `create_new` (never overwriting), so nothing is written outside
//! the directory whatever a client sends.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::core::{FileBody, Spool};
use crate::unique_file::create_unique;

/// Stores uploads as files in one directory.
#[derive(Debug)]
pub struct DiskSpool {
    dir: PathBuf,
    /// Leave released files on disk.
    keep: bool,
    /// Bytes of stored files not released yet, shared with their bodies.
    held: Arc<AtomicU64>,
}

/// An upload being written to disk.
#[derive(Debug)]
pub struct DiskUpload {
    file: File,
    path: PathBuf,
    written: u64,
}

/// A complete stored file; clones share one open file, sent to sockets with `sendfile` (see
/// `zerocopy`) or read with positioned reads. The file is released with the last clone.
#[derive(Debug, Clone)]
pub struct DiskBody {
    pub(super) stored: Arc<Stored>,
    len: u64,
}

/// A stored file, released when dropped.
#[derive(Debug)]
pub(super) struct Stored {
    pub(super) file: File,
    path: PathBuf,
    len: u64,
    keep: bool,
    held: Arc<AtomicU64>,
}

impl Drop for Stored {
    fn drop(&mut self) {
        self.held.fetch_sub(self.len, Ordering::Relaxed);
        if self.keep {
            return;
        }
        match fs::remove_file(&self.path) {
            Ok(()) => tracing::debug!(path = %self.path.display(), "relayed file removed"),
            Err(error) => {
                tracing::warn!(path = %self.path.display(), %error, "cannot remove relayed file")
            }
        }
    }
}

impl DiskSpool {
    /// A spool over `dir`, created if missing, that deletes each file once relayed.
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            keep: false,
            held: Arc::default(),
        })
    }

    /// The same spool, keeping (`true`) or deleting relayed files.
    pub fn keeping(mut self, keep: bool) -> Self {
        self.keep = keep;
        self
    }

    /// The files directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Spool for DiskSpool {
    type Upload = DiskUpload;
    type Body = DiskBody;

    fn create(&mut self, name: &str) -> io::Result<DiskUpload> {
        let (file, path) = create_unique(&self.dir, name)?;
        Ok(DiskUpload {
            file,
            path,
            written: 0,
        })
    }

    fn write(&mut self, upload: &mut DiskUpload, chunk: &[u8]) -> io::Result<()> {
        upload.file.write_all(chunk)?;
        upload.written += chunk.len() as u64;
        Ok(())
    }

    fn finish(&mut self, upload: DiskUpload) -> io::Result<DiskBody> {
        tracing::debug!(path = %upload.path.display(), len = upload.written, "stored");
        self.held.fetch_add(upload.written, Ordering::Relaxed);
        Ok(DiskBody {
            stored: Arc::new(Stored {
                file: upload.file,
                path: upload.path,
                len: upload.written,
                keep: self.keep,
                held: self.held.clone(),
            }),
            len: upload.written,
        })
    }

    fn abort(&mut self, upload: DiskUpload) {
        drop(upload.file);
        if let Err(error) = fs::remove_file(&upload.path) {
            tracing::warn!(path = %upload.path.display(), %error, "cannot remove partial upload");
        }
    }

    fn held(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }
}

impl FileBody for DiskBody {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.len.saturating_sub(offset);
        let n = buf
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        read_at(&self.stored.file, &mut buf[..n], offset)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_uniquely_reads_back_and_removes_aborted_files() {
        let tmp = tempfile::tempdir().unwrap();
        let mut spool = DiskSpool::new(tmp.path().join("files")).unwrap();
        fs::write(spool.dir().join("a.txt"), b"already here").unwrap();
        let mut up = spool.create("a.txt").unwrap();
        spool.write(&mut up, b"hello ").unwrap();
        spool.write(&mut up, b"world").unwrap();
        let body = spool.finish(up).unwrap();
        assert_eq!(body.len(), 11);
        let mut buf = [0; 8];
        assert_eq!(body.read_at(6, &mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"world");
        assert_eq!(
            fs::read(spool.dir().join("a-1.txt")).unwrap(),
            b"hello world"
        );
        assert_eq!(
            fs::read(spool.dir().join("a.txt")).unwrap(),
            b"already here"
        );
        let mut partial = spool.create("p.bin").unwrap();
        spool.write(&mut partial, b"half").unwrap();
        spool.abort(partial);
        assert!(!spool.dir().join("p.bin").exists());
        for bad in ["../x", "/etc/passwd", "..", ".hidden", "a\0b"] {
            assert!(spool.create(bad).is_err(), "{bad:?}");
        }
        let mut names: Vec<_> = fs::read_dir(spool.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a-1.txt", "a.txt"]);
    }

    #[test]
    fn a_body_is_released_with_its_last_clone_deleted_or_kept() {
        let tmp = tempfile::tempdir().unwrap();
        for keep in [false, true] {
            let dir = tmp.path().join(format!("keep-{keep}"));
            let mut spool = DiskSpool::new(&dir).unwrap().keeping(keep);
            let mut up = spool.create("f.bin").unwrap();
            spool.write(&mut up, &[9; 1000]).unwrap();
            assert_eq!(spool.held(), 0, "in progress: the core counts it");
            let body = spool.finish(up).unwrap();
            let copy = body.clone();
            assert_eq!(spool.held(), 1000);
            drop(body);
            assert!(dir.join("f.bin").exists(), "one recipient still has it");
            drop(copy);
            assert_eq!(spool.held(), 0);
            assert_eq!(dir.join("f.bin").exists(), keep);
        }
    }
}
