//! An in-memory [`Spool`] (files kept whole as [`Bytes`]) for the core's tests, the fuzz
//! targets and netfuzz's oracle. The servers store uploads with `server::DiskSpool`, so
//! `cargo mutants` leaves this file out of the suite's mutation score (`.cargo/mutants.toml`,
//! docs/MUTATION.md).

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use bytes::Bytes;

use super::upload::{FileBody, Spool};
use crate::safe_name::{is_safe_name, unique_name};

impl FileBody for Bytes {
    fn len(&self) -> u64 {
        self.as_ref().len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.as_ref().len());
        let n = buf.len().min(self.as_ref().len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// A spool in memory, for tests and fuzzing. Files are kept whole in memory, so use it only
/// with a small maximum file size.
#[derive(Debug, Default)]
pub struct MemorySpool {
    stored: BTreeMap<String, Bytes>,
    partial: BTreeSet<String>,
    /// When set, every write fails (to exercise the store-failure path).
    pub fail_writes: bool,
}

/// A file being written to a [`MemorySpool`].
#[derive(Debug)]
pub struct MemoryUpload {
    name: String,
    data: Vec<u8>,
}

impl MemorySpool {
    /// An empty spool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Complete files by stored name.
    pub fn stored(&self) -> &BTreeMap<String, Bytes> {
        &self.stored
    }

    /// Names of uploads in progress.
    pub fn partial(&self) -> &BTreeSet<String> {
        &self.partial
    }
}

impl Spool for MemorySpool {
    type Upload = MemoryUpload;
    type Body = Bytes;

    fn create(&mut self, name: &str) -> io::Result<MemoryUpload> {
        if !is_safe_name(name) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "unsafe file name",
            ));
        }
        for n in 0..1000 {
            let candidate = unique_name(name, n);
            if !self.stored.contains_key(&candidate) && !self.partial.contains(&candidate) {
                self.partial.insert(candidate.clone());
                return Ok(MemoryUpload {
                    name: candidate,
                    data: Vec::new(),
                });
            }
        }
        Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free name"))
    }

    fn write(&mut self, upload: &mut MemoryUpload, chunk: &[u8]) -> io::Result<()> {
        if self.fail_writes {
            return Err(io::Error::other("writes fail in this spool"));
        }
        upload.data.extend_from_slice(chunk);
        Ok(())
    }

    fn finish(&mut self, upload: MemoryUpload) -> io::Result<Bytes> {
        self.partial.remove(&upload.name);
        let body = Bytes::from(upload.data);
        self.stored.insert(upload.name, body.clone());
        Ok(body)
    }

    fn abort(&mut self, upload: MemoryUpload) {
        self.partial.remove(&upload.name);
    }

    /// Every stored file: this spool keeps them all.
    fn held(&self) -> u64 {
        self.stored.values().map(|b| b.len() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_spool_never_reuses_a_name_and_forgets_aborted_files() {
        let mut spool = MemorySpool::new();
        let mut a = spool.create("f.txt").unwrap();
        spool.write(&mut a, b"one").unwrap();
        let b = spool.create("f.txt").unwrap();
        assert_eq!(b.name, "f-1.txt");
        assert_eq!(spool.finish(a).unwrap(), Bytes::from_static(b"one"));
        spool.abort(b);
        assert!(spool.partial().is_empty());
        assert_eq!(spool.stored().keys().collect::<Vec<_>>(), ["f.txt"]);
        assert!(spool.create("../x").is_err());
        let body = Bytes::from_static(b"hello");
        let mut buf = [0; 3];
        assert_eq!(body.read_at(3, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"lo");
        assert_eq!(body.read_at(99, &mut buf).unwrap(), 0);
    }
}
