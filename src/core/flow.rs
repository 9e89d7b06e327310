//! Flow control: which senders are paused because a recipient is over its queue limit, when
//! they resume, and which recipients have stalled long enough to be disconnected. The rules
//! are in the [`core`](super) module docs; this file keeps the bookkeeping of
//! [`Core::full`], [`Core::paused`] and each session's stall clock and `waiting_for` list.

use std::time::Duration;

use super::{CloseReason, ConnId, Core, Now, Spool};

impl<S: Spool> Core<S> {
    /// Looks at the connections charged past their limit since last asked: their stall clocks
    /// start, and `sender` (whose frame did it) waits for them.
    pub(super) fn note_filled(&mut self, sender: Option<ConnId>, now: Now) {
        let filled = self.room.take_filled();
        if filled.is_empty() {
            return self.room.give_back_filled(filled);
        }
        for &to in &filled {
            let Some(session) = self.room.session_mut(to) else {
                continue;
            };
            if session.queued <= self.limits.queue_limit {
                continue;
            }
            if session.stalled_since.is_none() {
                session.stalled_since = Some(now.elapsed);
                self.full.insert(to);
                tracing::debug!(id = %to, queued = session.queued, "over its queue limit");
            }
            let Some((sender, session)) =
                sender.and_then(|id| Some((id, self.room.session_mut(id)?)))
            else {
                continue;
            };
            if !session.waiting_for.contains(&to) {
                session.waiting_for.push(to);
            }
            if self.paused.insert(sender) {
                tracing::debug!(id = %sender, waits_for = %to, "sender paused");
            }
        }
        self.room.give_back_filled(filled);
    }

    /// `id`, over its limit, accepted bytes: back under the limit it releases its senders,
    /// otherwise its stall clock restarts.
    pub(super) fn progress(&mut self, id: ConnId, now: Now) {
        let Some(session) = self.room.session_mut(id) else {
            return;
        };
        if session.queued <= self.limits.queue_limit {
            session.stalled_since = None;
            self.full.remove(&id);
            self.release(id);
            self.settle(now);
        } else {
            session.stalled_since = Some(now.elapsed);
        }
    }

    /// `id` is gone from the flow: it no longer waits, is waited for, or counts as full.
    pub(super) fn forget_flow(&mut self, id: ConnId) {
        self.full.remove(&id);
        self.paused.remove(&id);
        self.release(id);
    }

    /// Nobody waits for `recipient` any more; senders waiting for nothing else are released.
    fn release(&mut self, recipient: ConnId) {
        let waiting: Vec<ConnId> = self.paused.iter().copied().collect();
        for sender in waiting {
            let Some(session) = self.room.session_mut(sender) else {
                self.paused.remove(&sender);
                continue;
            };
            session.waiting_for.retain(|&r| r != recipient);
            if session.waiting_for.is_empty() {
                self.paused.remove(&sender);
                self.released.push(sender);
            }
        }
    }

    /// Ends a step: stall clocks for connections the step's notices filled, then the released
    /// senders' buffered input, each told to the driver unless it pauses again at once.
    pub(super) fn settle(&mut self, now: Now) {
        self.note_filled(None, now);
        while let Some(sender) = self.released.pop() {
            if !self.room.contains(sender) || self.paused.contains(&sender) {
                continue;
            }
            self.decode(sender, now);
            if self.room.contains(sender) && !self.paused.contains(&sender) {
                tracing::debug!(id = %sender, "sender resumed");
                self.room.resume_reading(sender);
            }
        }
        self.room.end_batch();
    }

    /// When the first stall clock runs out, if any.
    pub(super) fn next_stall_deadline(&self) -> Option<Duration> {
        self.full
            .iter()
            .filter_map(|&id| self.room.session(id)?.stalled_since)
            .min()
            .map(|since| since.saturating_add(self.limits.stall_timeout))
    }

    /// Disconnects the connections that stayed over their limit without accepting a byte
    /// for the stall timeout; the others are told they left.
    pub(super) fn evict_stalled(&mut self, now: Now) {
        let timeout = self.limits.stall_timeout;
        let stalled: Vec<ConnId> = self
            .full
            .iter()
            .copied()
            .filter(|id| {
                self.room
                    .session(*id)
                    .and_then(|s| s.stalled_since)
                    .is_some_and(|since| since.saturating_add(timeout) <= now.elapsed)
            })
            .collect();
        for id in stalled {
            tracing::warn!(
                %id,
                limit = self.limits.queue_limit,
                ?timeout,
                "disconnected: over its queue limit and not reading"
            );
            self.remove(id, Some(CloseReason::Stalled), now);
            self.note_filled(None, now);
        }
    }
}
