//! The faulty server's chat logic: members, names, broadcasts, replies, file relays, and the
//! one place each fault bends a rule (file relays in `files`, leaving and delivering in
//! `delivery`). Computes deliveries under a lock; `conn` moves bytes.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use chat_harness::protocol::{ClientFrame, Frame, HhMm, ServerFrame};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, Notify};

use super::Fault;

mod delivery;
use delivery::queue;
mod files;

pub use files::Piece;

/// Backlog a connection may have before its senders wait for it (see `conn::wait_for_room`).
pub const QUEUE_LIMIT: usize = 4 << 20;
/// Largest upload kept; bigger ones are drained and refused.
pub const MAX_FILE: usize = 8 << 20;

/// What a connection's writer is told.
pub enum Out {
    /// Bytes to write.
    Bytes(Vec<u8>),
    /// Write what came before, then close.
    Close,
}

struct Member {
    name: Option<String>,
    /// The name given at auth.
    first: Option<String>,
    offset: i32,
    out: mpsc::UnboundedSender<Out>,
    queued: Arc<AtomicUsize>,
    kill: Arc<Notify>,
    socket: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
}

/// The shared state of one faulty server.
#[derive(Clone)]
pub struct Room {
    members: Arc<Mutex<HashMap<u64, Member>>>,
    /// Names given up ([`Fault::FreedNameStaysTaken`] keeps them taken).
    retired: Arc<Mutex<HashSet<String>>>,
    /// Names files were relayed under ([`Fault::OtherAnswers`] gives a repeated one a suffix).
    relayed: Arc<Mutex<HashSet<String>>>,
    next: Arc<AtomicUsize>,
    /// The broken rule.
    pub fault: Fault,
    gate: Arc<tokio::sync::Mutex<()>>,
    /// Notified when the whole server must stop.
    pub exit: Arc<Notify>,
}

/// Bytes for one member, computed under the lock and delivered after it.
pub type Deliveries = Vec<(u64, Vec<u8>)>;

/// A connection's handles, from [`Room::join`].
pub struct Joined {
    pub id: u64,
    pub rx: mpsc::UnboundedReceiver<Out>,
    pub queued: Arc<AtomicUsize>,
    pub kill: Arc<Notify>,
}

fn valid_name(name: &str, fault: Fault) -> bool {
    let length = if fault == Fault::NameLimitInChars {
        name.chars().count()
    } else {
        name.len()
    };
    (1..=32).contains(&length)
        && !name
            .chars()
            .any(|c| whitespace(c, fault) || c.is_control() || c == '[' || c == ']')
}

fn whitespace(c: char, fault: Fault) -> bool {
    match fault {
        Fault::OtherAnswers => super::other_answers::is_name_whitespace(c),
        _ => c.is_whitespace(),
    }
}

impl Room {
    pub fn new(fault: Fault) -> Self {
        Self {
            members: Arc::default(),
            retired: Arc::default(),
            relayed: Arc::default(),
            next: Arc::default(),
            fault,
            gate: Arc::default(),
            exit: Arc::default(),
        }
    }

    pub fn join(&self, socket: Arc<tokio::sync::Mutex<OwnedWriteHalf>>) -> Joined {
        let id = self.next.fetch_add(1, Ordering::Relaxed) as u64;
        let (out, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let kill = Arc::new(Notify::new());
        let member = Member {
            name: None,
            first: None,
            offset: 0,
            out,
            queued: queued.clone(),
            kill: kill.clone(),
            socket,
        };
        self.members.lock().unwrap().insert(id, member);
        Joined {
            id,
            rx,
            queued,
            kill,
        }
    }

    fn encode(&self, frame: &ServerFrame) -> Vec<u8> {
        let mut bytes = frame
            .to_bytes()
            .expect("the faulty server only builds encodable frames");
        if self.fault == Fault::LittleEndianLengths {
            bytes.swap(0, 1);
        }
        bytes
    }

    fn time(&self, offset: i32) -> Option<HhMm> {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        match self.fault {
            Fault::NoTimePrefix => None,
            Fault::TimeIgnoresOffset => Some(HhMm::from_unix(unix, 0)),
            _ => Some(HhMm::from_unix(unix, offset)),
        }
    }

    fn file_time(&self, offset: i32) -> HhMm {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let offset = if self.fault == Fault::TimeIgnoresOffset {
            0
        } else {
            offset
        };
        HhMm::from_unix(unix, offset)
    }

    pub fn reply(&self, to: u64, text: &str) -> Deliveries {
        vec![(to, self.encode(&ServerFrame::reply(text)))]
    }

    /// A timed text to every authenticated member but `from` (faults permitting).
    fn broadcast(&self, members: &HashMap<u64, Member>, from: u64, body: &str) -> Deliveries {
        members
            .iter()
            .filter(|(id, m)| {
                let others = **id != from || self.fault == Fault::EchoToSender;
                let listening = m.name.is_some() || self.fault == Fault::BroadcastToUnauthenticated;
                others && listening
            })
            .map(|(id, m)| {
                let text = chat_harness::protocol::ServerText {
                    time: self.time(m.offset),
                    body: body.to_owned(),
                };
                (*id, self.encode(&ServerFrame::Text(text)))
            })
            .collect()
    }

    /// For [`Fault::NewcomerHearsEarlierJoin`]: the join notice of the last member to log in
    /// before `id`, sent to `id` ahead of its own 0x00 (the original's newcomer race, lost).
    fn late_join_notice(&self, members: &HashMap<u64, Member>, id: u64, offset: i32) -> Deliveries {
        if self.fault != Fault::NewcomerHearsEarlierJoin {
            return Vec::new();
        }
        let last = members
            .iter()
            .filter(|(other, m)| **other != id && m.name.is_some())
            .max_by_key(|(other, _)| **other)
            .and_then(|(_, m)| m.name.clone());
        last.map(|name| {
            let text = chat_harness::protocol::ServerText {
                time: self.time(offset),
                body: format!("{name} connected"),
            };
            (id, self.encode(&ServerFrame::Text(text)))
        })
        .into_iter()
        .collect()
    }

    /// Whether `name` counts as in use: held by a member, or (for
    /// [`Fault::FreedNameStaysTaken`]) ever given up.
    fn taken(&self, members: &HashMap<u64, Member>, name: &str) -> bool {
        members.values().any(|m| m.name.as_deref() == Some(name))
            || (self.fault == Fault::FreedNameStaysTaken
                && self.retired.lock().unwrap().contains(name))
    }

    /// Handles one frame from `id`; returns the deliveries left to [`Room::dispatch`] and
    /// whether to close after them. Except for [`Fault::StallsOnSlowReader`], which writes
    /// inline, they are queued before the room's lock is released, so every member gets them
    /// in the order the room decided them: once another connection's task can see a
    /// newcomer's name, the newcomer's 0x00 is already ahead of anything that task sends it.
    pub fn handle(&self, id: u64, frame: ClientFrame) -> (Deliveries, bool) {
        let mut members = self.members.lock().unwrap();
        let (deliveries, close) = self.decide(&mut members, id, frame);
        if self.fault == Fault::StallsOnSlowReader {
            return (deliveries, close);
        }
        queue(&members, deliveries);
        (Vec::new(), close)
    }

    /// What one frame from `id` does, under the room's lock.
    fn decide(
        &self,
        members: &mut HashMap<u64, Member>,
        id: u64,
        frame: ClientFrame,
    ) -> (Deliveries, bool) {
        let Some(me) = members.get(&id) else {
            return (Vec::new(), true);
        };
        let authed = me.name.clone();
        if self.fault == Fault::OtherAnswers {
            if let Some(text) = super::other_answers::refusal(&frame, authed.is_some()) {
                return (self.reply(id, text), false);
            }
        }
        match (frame, authed) {
            (ClientFrame::Exit(_), None) => (Vec::new(), true),
            (ClientFrame::Exit(_), Some(mut name)) => {
                if let Some(gone) = members.remove(&id) {
                    let _ = gone.out.send(Out::Close);
                    if self.fault == Fault::LeaveNoticeUsesAuthName {
                        name = gone.first.unwrap_or(name);
                    }
                }
                self.retired.lock().unwrap().insert(name.clone());
                let d = self.broadcast(members, id, &format!("User {name} disconnected"));
                (d, true)
            }
            (ClientFrame::Auth { .. }, Some(_)) => {
                (self.reply(id, "You are already logged in"), false)
            }
            (ClientFrame::Auth { name, offset }, None) => {
                let (name, offset) = match (offset, name.rsplit_once(' ')) {
                    (None, Some((bare, tail)))
                        if matches!(
                            self.fault,
                            Fault::OffsetWithUnderscores | Fault::OtherAnswers
                        ) =>
                    {
                        match tail.replace('_', "").parse::<i32>() {
                            Ok(lenient) => (bare.to_owned(), Some(lenient)),
                            Err(_) => (name, None),
                        }
                    }
                    _ => (name, offset),
                };
                if offset.is_none() && self.fault == Fault::RequiresOffset {
                    return (self.reply(id, "An offset is required"), false);
                }
                let offset = offset.unwrap_or(0);
                if !valid_name(&name, self.fault) || !(-50_400..=50_400).contains(&offset) {
                    return (self.reply(id, "Invalid name or offset"), false);
                }
                let taken = self.taken(members, &name);
                if taken && self.fault != Fault::DuplicateNames {
                    return (self.reply(id, "The name is already in use"), false);
                }
                let greeting = ServerFrame::AuthOk(
                    "Commands: >>exit<<, >>sendfile<< 'filename', >>chname<< 'name'".into(),
                );
                let mut d = self.late_join_notice(members, id, offset);
                d.push((id, self.encode(&greeting)));
                let notice = match self.fault {
                    Fault::JoinWording => format!("{name} joined"),
                    _ => format!("{name} connected"),
                };
                d.extend(self.broadcast(members, id, &notice));
                if let Some(me) = members.get_mut(&id) {
                    me.first = Some(name.clone());
                    me.name = Some(name);
                    me.offset = offset;
                }
                (d, false)
            }
            (_, None) => (self.reply(id, "Log in first"), false),
            (ClientFrame::Text(text), Some(mut name)) => {
                if self.fault == Fault::ChatsKeepAuthName {
                    name = me.first.clone().unwrap_or(name);
                }
                let relayed = 8 + 1 + name.len() + 2 + text.len();
                let limit = match self.fault {
                    Fault::RelaysOverlong => usize::MAX,
                    Fault::RelayLimitOffByOne => 65_535,
                    _ => 65_534,
                };
                if relayed > limit {
                    return (self.reply(id, "The message is too long to relay"), false);
                }
                let body = format!("[{name}] {text}");
                if relayed > 65_534
                    || (relayed >= 300 && self.fault == Fault::CorruptsRelayedLength)
                {
                    return (self.overlong(members, id, &body), false);
                }
                (self.broadcast(members, id, &body), false)
            }
            (frame @ ClientFrame::Rename(_), Some(old)) => {
                let new = match (&frame, self.fault) {
                    (ClientFrame::Rename(p), Fault::RenameWholePayload) => {
                        p.trim_start_matches(">>chname<<").trim().to_owned()
                    }
                    _ => frame.new_name().unwrap_or_default().to_owned(),
                };
                if !valid_name(&new, self.fault) {
                    return (self.reply(id, "Invalid name"), false);
                }
                let own = new == old && self.fault == Fault::OtherAnswers;
                if self.taken(members, &new) && self.fault != Fault::RenameToTakenAccepted && !own {
                    return (self.reply(id, "The name is already in use"), false);
                }
                let mut d = vec![(
                    id,
                    self.encode(&ServerFrame::Renamed(format!("Username changed to {new}"))),
                )];
                d.extend(self.broadcast(
                    members,
                    id,
                    &format!("User [{old}] changed username to [{new}]"),
                ));
                if let Some(me) = members.get_mut(&id) {
                    me.name = Some(new);
                }
                self.retired.lock().unwrap().insert(old);
                (d, false)
            }
            (ClientFrame::File(_), Some(_)) => (Vec::new(), false),
        }
    }

    /// A relay written without the codec: the wrapped length of [`Fault::RelaysOverlong`], or
    /// the short one of [`Fault::CorruptsRelayedLength`].
    fn overlong(&self, members: &HashMap<u64, Member>, from: u64, body: &str) -> Deliveries {
        members
            .iter()
            .filter(|(id, m)| **id != from && m.name.is_some())
            .map(|(id, m)| {
                let mut payload = self
                    .time(m.offset)
                    .map_or(Vec::new(), |t| t.prefix_bytes().to_vec());
                payload.extend_from_slice(body.as_bytes());
                let mut len = payload.len() + 1;
                if self.fault == Fault::CorruptsRelayedLength {
                    len -= 1;
                }
                let mut bytes = ((len & 0xffff) as u16).to_be_bytes().to_vec();
                bytes.push(3);
                bytes.extend(payload);
                (*id, bytes)
            })
            .collect()
    }

    /// Whether `id` has authenticated.
    pub fn is_authenticated(&self, id: u64) -> bool {
        self.members
            .lock()
            .unwrap()
            .get(&id)
            .is_some_and(|m| m.name.is_some())
    }
}
