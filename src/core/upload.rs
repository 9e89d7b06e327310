//! Where upload bodies go: the [`Spool`] trait the core writes file bodies through, the
//! [`FileBody`] handle of a stored file that drivers stream to recipients, an in-memory spool
//! for tests and fuzzing, and the filename rules that keep every stored file inside the spool.
//!
//! The core stays sans-IO by owning a `Spool` value instead of a directory: it calls `create`,
//! `write`, `finish` and `abort` synchronously as body bytes are decoded, and hands the finished
//! [`Spool::Body`] to the driver in [`Output::SendFile`](super::Output::SendFile). The disk
//! implementation lives with the drivers (`server::DiskSpool`); the core never touches a path.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;

use bytes::Bytes;

/// Longest stored filename, in bytes (file systems allow 255; leave room for a `-N` suffix).
pub const MAX_FILENAME_LEN: usize = 100;

/// A stored file, as the driver streams it to a recipient.
pub trait FileBody: Clone + fmt::Debug {
    /// The body length in bytes.
    fn len(&self) -> u64;

    /// True for an empty file.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads up to `buf.len()` bytes at `offset`; 0 only at the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// Storage for uploads. Every method is called by the core while it handles input.
pub trait Spool {
    /// A file being written.
    type Upload: fmt::Debug;
    /// A complete file.
    type Body: FileBody;

    /// Starts a new file. `name` is already sanitised ([`sanitize_filename`]); the spool must
    /// never overwrite an existing file (see [`unique_name`]).
    fn create(&mut self, name: &str) -> io::Result<Self::Upload>;

    /// Appends body bytes.
    fn write(&mut self, upload: &mut Self::Upload, chunk: &[u8]) -> io::Result<()>;

    /// The last byte arrived: the file is complete.
    fn finish(&mut self, upload: Self::Upload) -> io::Result<Self::Body>;

    /// The upload will never complete: remove every trace of it.
    fn abort(&mut self, upload: Self::Upload);
}

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
