//! The faulty server's way out of a room: a member leaving or cut off as a stopped reader,
//! and deliveries handed to the members' writers (or written inline, for one fault).

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::{Deliveries, Member, Out, Room, QUEUE_LIMIT};
use crate::faulty::Fault;

impl Room {
    /// Removes `id` (if still there) and announces it when it had authenticated.
    pub fn leave(&self, id: u64) -> Deliveries {
        let mut members = self.members.lock().unwrap();
        let Some(gone) = members.remove(&id) else {
            return Vec::new();
        };
        if let Some(name) = &gone.name {
            self.retired.lock().unwrap().insert(name.clone());
        }
        let name = match self.fault {
            Fault::LeaveNoticeUsesAuthName => gone.first,
            _ => gone.name,
        };
        match name {
            Some(name) if self.fault != Fault::NoDisconnectNotice => {
                self.broadcast(&members, id, &format!("User {name} disconnected"))
            }
            _ => Vec::new(),
        }
    }

    /// The members over the queue limit, with their backlog.
    pub fn full_members(&self) -> Vec<(u64, usize)> {
        let members = self.members.lock().unwrap();
        members
            .iter()
            .map(|(&id, m)| (id, m.queued.load(Ordering::SeqCst)))
            .filter(|&(_, queued)| queued > QUEUE_LIMIT)
            .collect()
    }

    /// Cuts a member off as a reader that stopped: its connection ends, the others are told.
    pub async fn cut_off(&self, id: u64) {
        let kill = self
            .members
            .lock()
            .unwrap()
            .get(&id)
            .map(|m| m.kill.clone());
        if let Some(kill) = kill {
            kill.notify_one();
            let gone = self.leave(id);
            if self.fault != Fault::EvictionWithoutNotice {
                self.dispatch(gone).await;
            }
        }
    }

    /// Delivers bytes: queued per member, nothing dropped (senders wait for a full member in
    /// `conn`), or, for [`Fault::StallsOnSlowReader`], written inline under one global lock.
    pub async fn dispatch(&self, deliveries: Deliveries) {
        if self.fault == Fault::StallsOnSlowReader {
            let _gate = self.gate.lock().await;
            for (to, bytes) in deliveries {
                let socket = self
                    .members
                    .lock()
                    .unwrap()
                    .get(&to)
                    .map(|m| m.socket.clone());
                if let Some(socket) = socket {
                    use tokio::io::AsyncWriteExt;
                    let _ = socket.lock().await.write_all(&bytes).await;
                }
            }
            return;
        }
        queue(&self.members.lock().unwrap(), deliveries);
    }
}

/// Hands each delivery to its member's writer, in order (none for a member that is gone).
pub(super) fn queue(members: &HashMap<u64, Member>, deliveries: Deliveries) {
    for (to, bytes) in deliveries {
        let Some(m) = members.get(&to) else { continue };
        m.queued.fetch_add(bytes.len(), Ordering::SeqCst);
        let _ = m.out.send(Out::Bytes(bytes));
    }
}
