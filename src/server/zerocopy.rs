//! Stored file bodies sent straight from the page cache to a socket (`sendfile(2)` on Linux),
//! so relaying a file to N recipients costs no read into user space per recipient: the
//! positioned reads of every body were the largest single item of the polling server's
//! profile while it relayed a 16 MiB file to four receivers. Where the system call (or a
//! file behind the body) is not available, [`OutQueue`](super::outqueue::OutQueue) reads and
//! writes chunks as before.

use std::fs::File;
use std::io::{self, Write};

use bytes::Bytes;

use super::files::DiskBody;
use crate::core::FileBody;

/// A file body that may be backed by an open file.
pub(crate) trait FileSource: FileBody {
    /// The file holding the body from offset 0, if there is one.
    fn file(&self) -> Option<&File> {
        None
    }
}

impl FileSource for DiskBody {
    fn file(&self) -> Option<&File> {
        Some(&self.stored.file)
    }
}

impl FileSource for Bytes {}

/// A writer that may take bytes straight from a file.
pub(crate) trait Sink: Write {
    /// Sends up to `len` bytes of `file` from `offset` (the file's own position is not used
    /// or moved); `None` when this writer cannot, and the caller falls back to read + write.
    fn send_file(&mut self, _file: &File, _offset: u64, _len: usize) -> Option<io::Result<usize>> {
        None
    }
}

impl Sink for Vec<u8> {}

impl Sink for mio::net::TcpStream {
    fn send_file(&mut self, file: &File, offset: u64, len: usize) -> Option<io::Result<usize>> {
        send_file(&*self, file, offset, len)
    }
}

impl Sink for std::net::TcpStream {
    fn send_file(&mut self, file: &File, offset: u64, len: usize) -> Option<io::Result<usize>> {
        send_file(&*self, file, offset, len)
    }
}

#[cfg(target_os = "linux")]
fn send_file(
    socket: impl std::os::fd::AsFd,
    file: &File,
    offset: u64,
    len: usize,
) -> Option<io::Result<usize>> {
    let Ok(mut offset) = i64::try_from(offset) else {
        return None;
    };
    Some(
        nix::sys::sendfile::sendfile64(socket, file, Some(&mut offset), len)
            .map_err(io::Error::from),
    )
}

#[cfg(not(target_os = "linux"))]
fn send_file<S>(_: S, _: &File, _: u64, _: usize) -> Option<io::Result<usize>> {
    None
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    use super::*;

    #[test]
    fn a_file_range_arrives_on_the_socket_byte_for_byte() {
        let dir = std::env::temp_dir().join(format!("zerocopy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("body");
        let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let file = File::open(&path).unwrap();

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut sender = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut receiver, _) = listener.accept().unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            receiver.read_to_end(&mut got).unwrap();
            got
        });
        let (start, end) = (1_000u64, 299_000u64);
        let mut at = start;
        while at < end {
            let n = sender
                .send_file(&file, at, (end - at) as usize)
                .expect("sendfile exists on Linux")
                .unwrap();
            assert!(n > 0);
            at += n as u64;
        }
        drop(sender);
        let got = reader.join().unwrap();
        assert!(got == content[start as usize..end as usize]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
