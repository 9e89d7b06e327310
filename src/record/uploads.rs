//! The file bodies a scenario sent completely, as digests: after a client's `0x02` header,
//! the next `size` bytes it sends (body parts and raw bytes, over one or several sends) are
//! that file's body. The files-directory check compares what a server stored against these.

use std::collections::BTreeSet;

use crate::protocol::{ClientFrame, Item, StreamDecoder};

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

/// One client's uploads, read from everything it sends the way a server reads it: through
/// the project's decoder, so that after a `0x02` header the next `size` bytes are its body
/// whatever the scenario wrote them as (body parts, raw bytes, even frames).
#[derive(Debug, Default)]
pub struct UploadTracker {
    decoder: StreamDecoder<ClientFrame>,
    /// The digest of the body in progress.
    body: Option<Digest>,
}

impl UploadTracker {
    /// Notes bytes the client sent; a body that is now complete joins `done`.
    pub fn sent(&mut self, bytes: &[u8], done: &mut BTreeSet<Digest>) {
        self.decoder.feed(bytes);
        while let Some(item) = self.decoder.next_item() {
            match item {
                Ok(Item::Frame(ClientFrame::File(_))) => self.body = Some(Digest::empty()),
                Ok(Item::FileBody(chunk)) => {
                    if let Some(digest) = self.body.as_mut() {
                        digest.push(&chunk);
                    }
                }
                Ok(Item::FileEnd) => {
                    if let Some(digest) = self.body.take() {
                        done.insert(digest);
                    }
                }
                // Other frames and malformed ones carry no stored body.
                Ok(Item::Frame(_)) | Err(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ClientFileHeader, Frame};

    fn header(size: u32) -> Vec<u8> {
        ClientFrame::File(ClientFileHeader {
            filename: "a.txt".into(),
            size,
            caption: None,
        })
        .to_bytes()
        .expect("encodable")
    }

    #[test]
    fn a_body_split_over_parts_is_one_digest_and_extra_bytes_are_not_part_of_it() {
        let mut done = BTreeSet::new();
        let mut tracker = UploadTracker::default();
        tracker.sent(&header(5), &mut done);
        tracker.sent(b"he", &mut done);
        assert!(done.is_empty(), "not complete yet");
        tracker.sent(b"llo\x00\x02\x03!", &mut done);
        let mut whole = Digest::empty();
        whole.push(b"hello");
        assert_eq!(done.into_iter().collect::<Vec<_>>(), vec![whole]);
    }

    #[test]
    fn a_frame_written_inside_a_body_is_body_bytes() {
        let mut done = BTreeSet::new();
        let mut tracker = UploadTracker::default();
        let text = ClientFrame::Text("t".repeat(10))
            .to_bytes()
            .expect("encodable");
        tracker.sent(&header(8), &mut done);
        tracker.sent(b"abc", &mut done);
        tracker.sent(&text, &mut done);
        let mut whole = Digest::empty();
        whole.push(b"abc");
        whole.push(&text[..5]);
        assert_eq!(done.into_iter().collect::<Vec<_>>(), vec![whole]);
    }
}
