//! The file bodies a scenario sent completely, as digests: after a client's `0x02` header,
//! the next `size` bytes it sends (body parts and raw bytes, over one or several sends) are
//! that file's body. The files-directory check compares what a server stored against these.

use std::collections::BTreeSet;

use crate::protocol::ClientFrame;

/// A body's length and FNV-1a 64 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    /// Bytes.
    pub len: u64,
    /// FNV-1a 64 of them.
    pub hash: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Digest {
    /// The digest of nothing.
    pub fn empty() -> Self {
        Self {
            len: 0,
            hash: FNV_OFFSET,
        }
    }

    /// Adds the next bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.hash = (self.hash ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
        self.len += bytes.len() as u64;
    }
}

/// One client's upload in progress.
#[derive(Debug, Default)]
pub struct UploadTracker {
    /// Body bytes still to come, and the digest so far.
    pending: Option<(u64, Digest)>,
}

impl UploadTracker {
    /// Notes a frame the client sent: a file header starts a body.
    pub fn frame(&mut self, frame: &ClientFrame, done: &mut BTreeSet<Digest>) {
        if let ClientFrame::File(header) = frame {
            self.pending = Some((u64::from(header.size), Digest::empty()));
            self.finish_if_complete(done);
        }
    }

    /// Notes bytes the client sent other than a whole frame (a body part, raw bytes).
    pub fn bytes(&mut self, bytes: &[u8], done: &mut BTreeSet<Digest>) {
        if let Some((remaining, digest)) = self.pending.as_mut() {
            let take = usize::try_from(*remaining).map_or(bytes.len(), |r| r.min(bytes.len()));
            digest.push(&bytes[..take]);
            *remaining -= take as u64;
            self.finish_if_complete(done);
        }
    }

    fn finish_if_complete(&mut self, done: &mut BTreeSet<Digest>) {
        if let Some((0, digest)) = self.pending {
            done.insert(digest);
            self.pending = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ClientFileHeader;

    #[test]
    fn a_body_split_over_parts_is_one_digest_and_extra_bytes_are_not_part_of_it() {
        let mut done = BTreeSet::new();
        let mut tracker = UploadTracker::default();
        let header = ClientFrame::File(ClientFileHeader {
            filename: "a.txt".into(),
            size: 5,
            caption: None,
        });
        tracker.frame(&header, &mut done);
        tracker.bytes(b"he", &mut done);
        assert!(done.is_empty(), "not complete yet");
        tracker.bytes(b"llo-and-more", &mut done);
        let mut whole = Digest::empty();
        whole.push(b"hello");
        assert_eq!(done.into_iter().collect::<Vec<_>>(), vec![whole]);
    }
}
