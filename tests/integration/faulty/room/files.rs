//! The faulty server's file relays: a whole upload at its end, or (cut-through) each piece
//! as it arrives, with the faults that bend a relayed file.

use chat_harness::protocol::{ClientFileHeader, Frame, ServerFileHeader, ServerFrame};

use super::{Deliveries, Room};
use crate::faulty::Fault;

/// A piece of an upload relayed as it arrives ([`Room::relay_now`]).
pub enum Piece<'a> {
    /// The header.
    Header,
    /// Body bytes.
    Body(&'a [u8]),
    /// The body is complete.
    End,
}

impl Room {
    /// A complete upload: header and body to each other member, then the notice; or, for
    /// [`Fault::RelaysPartialFile`], what arrived of an upload cut short (no notice).
    pub fn file(
        &self,
        id: u64,
        header: ClientFileHeader,
        body: &[u8],
        too_large: bool,
        complete: bool,
    ) -> Deliveries {
        let members = self.members.lock().unwrap();
        let Some(name) = members.get(&id).and_then(|m| m.name.clone()) else {
            return self.reply(id, "Log in first");
        };
        if too_large {
            return self.reply(id, "The file is too large");
        }
        let sanitised = chat_harness::safe_name::sanitize_filename(&header.filename);
        let filename = match (sanitised, self.fault) {
            (_, Fault::OtherAnswers) => crate::faulty::other_answers::relayed_name(
                &header.filename,
                &mut self.relayed.lock().unwrap(),
            ),
            (Some(filename), _) => filename,
            (None, _) => return self.reply(id, "Invalid file name"),
        };
        let mut d = Deliveries::new();
        let echo = self.fault == Fault::FileEchoedToSender;
        for (to, m) in members
            .iter()
            .filter(|(to, m)| (**to != id || echo) && m.name.is_some())
        {
            let relayed = ServerFrame::File(ServerFileHeader {
                time: self.file_time(m.offset),
                sender: name.clone(),
                size: header.size,
                filename: filename.clone(),
                caption: header
                    .caption
                    .clone()
                    .filter(|_| self.fault != Fault::DropsCaption),
            });
            let mut bytes = match relayed.to_bytes() {
                Ok(bytes) => bytes,
                Err(_) if self.fault == Fault::RelaysOversizedFileHeader => wrapped(&relayed),
                Err(_) => return self.reply(id, "The file name and caption are too long to relay"),
            };
            if self.fault == Fault::LittleEndianLengths {
                bytes.swap(0, 1);
            }
            let keep = match self.fault {
                Fault::FileBodyOffByOne => body.len().saturating_sub(1),
                _ => body.len(),
            };
            bytes.extend_from_slice(&body[..keep]);
            d.push((*to, bytes));
        }
        if !complete {
            return d;
        }
        let notice = format!("User {name} uploaded file {filename}");
        d.extend(self.broadcast(&members, id, &notice));
        d
    }

    /// [`Fault::CutThrough`]: a file header (to each other member, in its time) or a body
    /// chunk, relayed the moment it arrives; the upload notice once the body is complete.
    pub fn relay_now(&self, id: u64, header: &ClientFileHeader, piece: Piece) -> Deliveries {
        let members = self.members.lock().unwrap();
        let Some(name) = members.get(&id).and_then(|m| m.name.clone()) else {
            return Vec::new();
        };
        if let Piece::End = piece {
            let notice = format!("User {name} uploaded file {}", header.filename);
            return self.broadcast(&members, id, &notice);
        }
        let others = members
            .iter()
            .filter(|(to, m)| **to != id && m.name.is_some());
        others
            .filter_map(|(to, m)| {
                let bytes = match piece {
                    Piece::Header => ServerFrame::File(ServerFileHeader {
                        time: self.file_time(m.offset),
                        sender: name.clone(),
                        size: header.size,
                        filename: header.filename.clone(),
                        caption: header.caption.clone(),
                    })
                    .to_bytes()
                    .ok()?,
                    Piece::Body(chunk) => chunk.to_vec(),
                    Piece::End => return None,
                };
                Some((*to, bytes))
            })
            .collect()
    }
}

/// A frame too long for its 16-bit length, written anyway with the length wrapped, as
/// [`Fault::RelaysOversizedFileHeader`] does.
fn wrapped(frame: &ServerFrame) -> Vec<u8> {
    let mut body = Vec::new();
    if let ServerFrame::File(header) = frame {
        body.extend_from_slice(&header.time.prefix_bytes());
        body.extend_from_slice(format!("[{}]", header.sender).as_bytes());
        body.push(0xff);
        body.extend_from_slice(&header.size.to_be_bytes());
        body.extend_from_slice(header.filename.as_bytes());
        if let Some(caption) = &header.caption {
            body.push(b' ');
            body.extend_from_slice(caption.as_bytes());
        }
    }
    let len = ((body.len() + 1) & 0xffff) as u16;
    let mut bytes = len.to_be_bytes().to_vec();
    bytes.push(2);
    bytes.extend(body);
    bytes
}
