//! Where upload bodies go: the [`Spool`] trait the core writes file bodies through, the
//! [`FileBody`] handle of a stored file that drivers stream to recipients (the in-memory spool
//! for tests and fuzzing is in `memory_spool`). The filename rules that keep every stored file
//! inside the spool are in [`safe_name`](crate::safe_name).
//!
//! The core stays sans-IO by owning a `Spool` value instead of a directory: it calls `create`,
//! `write`, `finish` and `abort` synchronously as body bytes are decoded, and hands the finished
//! [`Spool::Body`] to the driver in [`Output::SendFile`](super::Output::SendFile). The disk
//! implementation lives with the drivers (`server::DiskSpool`); the core never touches a path.

use std::fmt;
use std::io;

/// A stored file, as the driver streams it to a recipient.
// No `is_empty`: nothing asks whether a body is empty (an empty file is streamed like any
// other), and an unused method is only dead code for `cargo mutants` to mutate.
#[allow(clippy::len_without_is_empty)]
pub trait FileBody: Clone + fmt::Debug {
    /// The body length in bytes.
    fn len(&self) -> u64;

    /// Reads up to `buf.len()` bytes at `offset`; 0 only at the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// Storage for uploads. Every method is called by the core while it handles input.
pub trait Spool {
    /// A file being written.
    type Upload: fmt::Debug;
    /// A complete file.
    type Body: FileBody;

    /// Starts a new file. `name` is already sanitised ([`sanitize_filename`](crate::safe_name::sanitize_filename)); the spool must
    /// never overwrite an existing file (see [`unique_name`](crate::safe_name::unique_name)).
    fn create(&mut self, name: &str) -> io::Result<Self::Upload>;

    /// Appends body bytes.
    fn write(&mut self, upload: &mut Self::Upload, chunk: &[u8]) -> io::Result<()>;

    /// The last byte arrived: the file is complete.
    fn finish(&mut self, upload: Self::Upload) -> io::Result<Self::Body>;

    /// The upload will never complete: remove every trace of it.
    fn abort(&mut self, upload: Self::Upload);

    /// Bytes of complete files the spool holds and has not released yet (the core adds the
    /// uploads in progress and refuses uploads past `Limits::spool_limit`).
    fn held(&self) -> u64;
}
