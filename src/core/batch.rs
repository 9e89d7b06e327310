//! Broadcasts batched for the fan-out: consecutive broadcasts from one sender to one set of
//! recipients, with nothing else queued between them, are rendered into one buffer per
//! distinct UTC offset and handed to each recipient as one output when the batch ends. A
//! relayed line is encoded once per offset, and per recipient there is one output per batch
//! instead of one per line; the bytes each recipient receives, and their order, are the same
//! as broadcasting line by line.
//!
//! Queue accounting stays exact: the batch knows the smallest room left under the queue limit
//! among its recipients, and ends (charging everyone) as soon as its longest buffer would use
//! that room up, so the line that takes a recipient over its limit is still the one that
//! pauses the sender. A batch that ends on its own never takes anyone over.

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};

use super::session::Session;
use super::ConnId;
use crate::protocol::{encode_timed_text, ChatLinePrefix, EncodeError, HhMm};

/// A batch's buffers end at this size, so a long burst reaches recipients in pieces.
const BATCH_MAX: usize = 256 * 1024;

/// One buffer of rendered lines per offset.
#[derive(Debug, Default)]
struct Group {
    offset: i32,
    rendered: BytesMut,
    /// The sender's `<HH:MM> [name] ` in this offset, for [`Batch::line_time`].
    line_prefix: ChatLinePrefix,
}

/// The broadcast batch in progress, if any (its memory is kept between batches).
#[derive(Debug, Default)]
pub(super) struct Batch {
    open: bool,
    /// The connection the broadcasts skip (the sender of the lines).
    except: Option<ConnId>,
    groups: Vec<Group>,
    /// Each recipient, in id order, with its group's index.
    recipients: Vec<(ConnId, usize)>,
    /// The least queue cost any recipient can take before it is over the limit.
    headroom: u64,
    /// Each group's share while a batch is handed out (empty otherwise: the list's memory is
    /// kept, not the buffers).
    handing: Vec<Bytes>,
    /// When the groups' chat-line prefixes were rendered (the sender cannot change its name
    /// during a batch: a rename ends it).
    line_time: Option<i64>,
}

impl Batch {
    /// Whether a broadcast skipping `except` can join the batch in progress.
    pub fn accepts(&self, except: Option<ConnId>) -> bool {
        self.open && self.except == except
    }

    /// Whether a batch is in progress.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Starts a batch to the authenticated sessions but `except`; false when there are none.
    pub fn start<U>(
        &mut self,
        sessions: &BTreeMap<ConnId, Session<U>>,
        except: Option<ConnId>,
        queue_limit: u64,
    ) -> bool {
        self.groups.clear();
        self.recipients.clear();
        self.headroom = u64::MAX;
        self.line_time = None;
        for (&id, session) in sessions {
            if session.name.is_none() || Some(id) == except {
                continue;
            }
            let group = match self.groups.iter().position(|g| g.offset == session.offset) {
                Some(group) => group,
                None => {
                    self.groups.push(Group {
                        offset: session.offset,
                        ..Group::default()
                    });
                    self.groups.len() - 1
                }
            };
            self.recipients.push((id, group));
            self.headroom = self
                .headroom
                .min(queue_limit.saturating_sub(session.queued));
        }
        self.except = except;
        self.open = !self.recipients.is_empty();
        self.open
    }

    /// Renders one line (the `parts` joined) at `unix_secs` for every group. Returns true
    /// when the batch must end now (see [`Batch::append`]).
    pub fn render(&mut self, unix_secs: i64, parts: &[&str]) -> bool {
        self.append(|group| {
            let time = HhMm::from_unix(unix_secs, group.offset);
            encode_timed_text(time, parts, &mut group.rendered)
        })
    }

    /// Whether the sender's chat-line prefixes are rendered for `unix_secs`.
    pub fn has_line_prefix(&self, unix_secs: i64) -> bool {
        self.line_time == Some(unix_secs)
    }

    /// Renders the sender's `<HH:MM> [name] ` at `unix_secs` for every group.
    pub fn set_line_prefix(&mut self, unix_secs: i64, name: &str) {
        for group in &mut self.groups {
            let time = HhMm::from_unix(unix_secs, group.offset);
            group.line_prefix.set(time, name);
        }
        self.line_time = Some(unix_secs);
    }

    /// Renders the sender's chat line with `message` behind the prefixes
    /// [`Batch::set_line_prefix`] rendered. Returns true when the batch must end now.
    pub fn render_line(&mut self, message: &str) -> bool {
        self.append(|group| group.line_prefix.encode(message, &mut group.rendered))
    }

    /// Appends one line to every group's buffer with `encode` (a line that does not encode
    /// is dropped for all, with a log line). Returns true when the batch must end now: its
    /// buffers are full, or the next line could take a recipient over its limit.
    fn append(&mut self, mut encode: impl FnMut(&mut Group) -> Result<usize, EncodeError>) -> bool {
        for group in &mut self.groups {
            if let Err(error) = encode(group) {
                tracing::error!(%error, "dropped a line that does not encode");
                return false;
            }
        }
        let longest = self
            .groups
            .iter()
            .map(|g| g.rendered.len())
            .max()
            .unwrap_or(0);
        longest >= BATCH_MAX || longest as u64 > self.headroom
    }

    /// Ends the batch: each recipient's share, in id order, through `deliver`.
    pub fn finish(&mut self, mut deliver: impl FnMut(ConnId, Bytes)) {
        if !self.open {
            return;
        }
        self.open = false;
        let Batch {
            groups,
            recipients,
            handing,
            ..
        } = self;
        handing.extend(groups.iter_mut().map(|g| g.rendered.split().freeze()));
        for &(to, group) in recipients.iter() {
            if !handing[group].is_empty() {
                deliver(to, handing[group].clone());
            }
        }
        handing.clear();
    }
}
