//! What each decoded item does: auth, exit, text, rename, and the file header, body and end of
//! an upload (stored through the spool, relayed once complete).

use super::room::RenderCache;
use super::session::{parse_auth, valid_name, Upload};
use super::{wording, CloseReason, ConnId, Core, Now, Spool};
use crate::protocol::{
    ClientFileHeaderRef, ClientFrameRef, HhMm, Item, ServerFileHeader, ServerFrame, MAX_PAYLOAD,
};
use crate::safe_name::sanitize_filename;

/// Bytes a relayed chat line adds to a message from a sender named `n` bytes: `<HH:MM> [n] `.
fn chat_overhead(name_len: usize) -> usize {
    8 + 1 + name_len + 2
}

/// Bytes a relayed file header adds to `filename[ caption]`: `<HH:MM> [n]`, 0xFF, u32 size.
fn file_overhead(name_len: usize) -> usize {
    8 + 1 + name_len + 1 + 1 + 4
}

impl<S: Spool> Core<S> {
    pub(super) fn handle_item(
        &mut self,
        id: ConnId,
        item: Item<ClientFrameRef<'_>, &[u8]>,
        now: Now,
    ) {
        match item {
            Item::Frame(frame) => self.handle_frame(id, frame, now),
            Item::FileBody(chunk) => self.upload_chunk(id, chunk),
            Item::FileEnd => self.upload_end(id, now),
        }
    }

    fn handle_frame(&mut self, id: ConnId, frame: ClientFrameRef<'_>, now: Now) {
        let name_len = self.name_of(id).map(str::len);
        let authenticated = name_len.is_some();
        match frame {
            ClientFrameRef::Auth { .. } if authenticated => {
                self.room.reply(id, wording::ALREADY_AUTHENTICATED)
            }
            ClientFrameRef::Auth { name, offset } => self.auth(id, name, offset, now),
            ClientFrameRef::Exit(_) => self.remove(id, Some(CloseReason::Exit), now),
            ClientFrameRef::File(header) => self.upload_start(id, header, authenticated),
            _ if !authenticated => self.room.reply(id, wording::LOGIN_FIRST),
            ClientFrameRef::Text(message) => self.text(id, name_len.unwrap_or(0), message, now),
            rename @ ClientFrameRef::Rename(_) => self.rename(id, rename.new_name(), now),
        }
    }

    fn auth(&mut self, id: ConnId, name: &str, offset: Option<i32>, now: Now) {
        let (name, offset) = match parse_auth(name, offset) {
            Ok(parsed) => parsed,
            Err(reply) => return self.room.reply(id, reply),
        };
        if self.room.name_taken(name) {
            return self.room.reply(id, wording::NAME_TAKEN);
        }
        if !self.room.authenticate(id, name, offset) {
            return;
        }
        tracing::info!(%id, %name, offset, "authenticated");
        // The greeting is queued before the first broadcast this client can receive.
        self.room
            .send_frame(id, &ServerFrame::AuthOk(wording::GREETING.to_owned()));
        self.room
            .broadcast(Some(id), now.unix_secs, &wording::connected(name));
    }

    /// A chat line from authenticated `id`, whose name is `name_len` bytes.
    fn text(&mut self, id: ConnId, name_len: usize, message: &str, now: Now) {
        let max = MAX_PAYLOAD - chat_overhead(name_len);
        if message.len() > max {
            return self.room.reply(id, wording::text_too_long(max));
        }
        self.room.relay_line(id, now.unix_secs, message);
    }

    fn rename(&mut self, id: ConnId, new: Option<&str>, now: Now) {
        let Some(new) = new else {
            return self.room.reply(id, wording::RENAME_USAGE);
        };
        if !valid_name(new) {
            return self.room.reply(id, wording::NAME_INVALID);
        }
        if self.room.name_taken(new) {
            return self.room.reply(id, wording::NAME_TAKEN);
        }
        let Some(old) = self.room.rename(id, new) else {
            return;
        };
        tracing::info!(%id, %old, %new, "renamed");
        self.room
            .send_frame(id, &ServerFrame::Renamed(wording::renamed(new)));
        self.room
            .broadcast(Some(id), now.unix_secs, &wording::changed_name(&old, new));
    }

    /// A file header: decide now whether its body is stored or drained.
    fn upload_start(&mut self, id: ConnId, header: ClientFileHeaderRef<'_>, authenticated: bool) {
        let name_len = self.name_of(id).map_or(0, str::len);
        let described = |filename: &str| filename.len() + header.caption.map_or(0, |c| 1 + c.len());
        let decision = if !authenticated {
            Err(wording::LOGIN_FIRST.to_owned())
        } else if u64::from(header.size) > self.limits.max_file_size {
            Err(wording::file_too_large(self.limits.max_file_size))
        } else if self
            .spool
            .held()
            .saturating_add(self.uploading)
            .saturating_add(u64::from(header.size))
            > self.limits.spool_limit
        {
            tracing::warn!(%id, size = header.size, limit = self.limits.spool_limit, "upload refused: spool full");
            Err(wording::SPOOL_FULL.to_owned())
        } else {
            match sanitize_filename(header.filename) {
                None => Err(wording::FILE_NAME_INVALID.to_owned()),
                Some(filename) if file_overhead(name_len) + described(&filename) > MAX_PAYLOAD => {
                    Err(wording::FILE_HEADER_TOO_LONG.to_owned())
                }
                Some(filename) => Ok(filename),
            }
        };
        let upload = match decision {
            Err(reply) => Upload::Draining { reply },
            Ok(filename) => match self.spool.create(&filename) {
                Ok(upload) => {
                    self.uploading += u64::from(header.size);
                    Upload::Storing {
                        upload,
                        filename,
                        caption: header.caption.map(str::to_owned),
                        size: header.size,
                    }
                }
                Err(error) => {
                    tracing::error!(%id, %filename, %error, "cannot create upload");
                    Upload::Draining {
                        reply: wording::FILE_NOT_STORED.to_owned(),
                    }
                }
            },
        };
        if let Some(session) = self.room.session_mut(id) {
            let previous = std::mem::replace(&mut session.upload, upload);
            self.abort_upload(previous);
        }
    }

    fn upload_chunk(&mut self, id: ConnId, chunk: &[u8]) {
        let Some(session) = self.room.session_mut(id) else {
            return;
        };
        let Upload::Storing { upload, .. } = &mut session.upload else {
            return;
        };
        if let Err(error) = self.spool.write(upload, chunk) {
            tracing::error!(%id, %error, "cannot write upload; draining the rest");
            let failed = std::mem::replace(
                &mut session.upload,
                Upload::Draining {
                    reply: wording::FILE_NOT_STORED.to_owned(),
                },
            );
            self.abort_upload(failed);
        }
    }

    fn upload_end(&mut self, id: ConnId, now: Now) {
        let Some(session) = self.room.session_mut(id) else {
            return;
        };
        match std::mem::replace(&mut session.upload, Upload::None) {
            Upload::None => {}
            Upload::Draining { reply } => self.room.reply(id, reply),
            Upload::Storing {
                upload,
                filename,
                caption,
                size,
            } => {
                self.uploading = self.uploading.saturating_sub(u64::from(size));
                match self.spool.finish(upload) {
                    Ok(body) => self.relay_file(id, body, filename, caption, size, now),
                    Err(error) => {
                        tracing::error!(%id, %filename, %error, "cannot finish upload");
                        self.room.reply(id, wording::FILE_NOT_STORED);
                    }
                }
            }
        }
    }

    /// Announces a complete file: header and body to each other client, then the notice.
    fn relay_file(
        &mut self,
        id: ConnId,
        body: S::Body,
        filename: String,
        caption: Option<String>,
        size: u32,
        now: Now,
    ) {
        let Some(sender) = self.name_of(id).map(str::to_owned) else {
            return;
        };
        tracing::info!(%id, %sender, %filename, size, "file stored and relayed");
        let mut rendered = RenderCache::default();
        for (to, offset) in self.room.recipients(Some(id)) {
            let time = HhMm::from_unix(now.unix_secs, offset);
            let header = rendered.get(time, || {
                ServerFrame::File(ServerFileHeader {
                    time,
                    sender: sender.clone(),
                    size,
                    filename: filename.clone(),
                    caption: caption.clone(),
                })
            });
            if let Some(header) = header {
                self.room.send_file(to, header, body.clone(), size == 0);
            }
        }
        self.room.broadcast(
            Some(id),
            now.unix_secs,
            &wording::uploaded(&sender, &filename),
        );
    }
}
