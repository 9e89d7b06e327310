//! The model oracle: the project's sans-IO core ([`crate::core`]) run in-process on the
//! well-behaved clients' actions of a session (bystanders, witness, probe), with a fixed
//! `now`, so that what each of them must receive is computed, not written by hand. Every
//! output is decoded by the project's decoder and turned into ordinary `.chat` expectations,
//! so a saved reproducer carries the model's answer and replays without the fuzzer.
//!
//! What the comparison checks, and the orders it leaves free: the generator waits for an
//! action's effects at the clients it checks inline (the actor, the witness) before the next
//! well-behaved action, so at those clients the model's order is the only one the protocol
//! allows. A bystander's frames are checked at the end, and only those caused by the other
//! bystander: per sender, the order is fixed; between senders whose frames were not awaited
//! in between, any interleaving is legitimate, so those are not compared.
//! Time prefixes are checked by the runner against each client's declared offset (±1 min),
//! so the model's own clock does not matter.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use regex::Regex;

use super::steps::expect;
use crate::core::{ConnId, Core, Limits, MemorySpool, Now, Output};
use crate::language::model::{
    Action, BodySource, CaptionMatch, Expectation, FileMatch, FrameMatch, Part, TextMatch,
};
use crate::protocol::{Frame, Item, ServerFrame, StreamDecoder};

/// What a session compares, and which inputs it may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Profile {
    /// Only what the lab protocol requires (the baseline of docs/PROTOCOL.md): relay, names, renames,
    /// files, exits, and refusal wording only where the original defines it. Inputs stay
    /// within what `core` scenarios send: every auth carries an offset, one frame in flight
    /// per client, a file body after a pause, no attackers, no slow readers, no abrupt exits.
    Core,
    /// Adds the reference semantics (docs/PROTOCOL.md §6) and every mutation.
    #[default]
    Robust,
}

/// The model's clock: fixed, since the runner checks every time prefix against the real
/// clock in the recipient's offset.
const NOW: Now = Now {
    unix_secs: 0,
    elapsed: Duration::ZERO,
};

/// One frame a client must receive, and the client whose action caused it.
#[derive(Debug, Clone)]
struct Owed {
    to: String,
    cause: String,
    expected: Expectation,
}

/// The reference core fed a session's well-behaved actions.
pub struct Model {
    core: Core<MemorySpool>,
    profile: Profile,
    ids: HashMap<String, ConnId>,
    clients: HashMap<ConnId, String>,
    next: u64,
    /// Clients whose frames are kept until the end of the session (the bystanders).
    deferred: HashSet<String>,
    pending: Vec<Owed>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("clients", &self.ids)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Model {
    /// A model with nobody connected.
    pub fn new(profile: Profile) -> Self {
        Self {
            core: Core::new(Limits::default(), MemorySpool::new()),
            profile,
            ids: HashMap::new(),
            clients: HashMap::new(),
            next: 0,
            deferred: HashSet::new(),
            pending: Vec::new(),
        }
    }

    /// The profile the expectations are written for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Keeps `client`'s frames until [`Model::owed_from`] (a bystander's).
    pub fn defer(&mut self, client: &str) {
        self.deferred.insert(client.to_owned());
    }

    /// `client` connects.
    pub fn connect(&mut self, client: &str) {
        self.next += 1;
        let id = ConnId(self.next);
        self.ids.insert(client.to_owned(), id);
        self.clients.insert(id, client.to_owned());
        self.core.handle_connect(id, NOW);
        self.drain(client);
    }

    /// `client` writes `parts` (generated bodies included).
    pub fn send(&mut self, client: &str, parts: &[Part]) {
        let Some(&id) = self.ids.get(client) else {
            return;
        };
        for part in parts {
            match part {
                Part::Frame(frame) => {
                    if let Ok(bytes) = frame.to_bytes() {
                        self.core.handle_bytes(id, &bytes, NOW);
                    }
                }
                Part::Raw(bytes) => self.core.handle_bytes(id, bytes, NOW),
                Part::Body(BodySource::Generated(n)) => {
                    let body: Vec<u8> = (0..*n).map(BodySource::generated_byte).collect();
                    self.core.handle_bytes(id, &body, NOW);
                }
                // Sessions only generate bodies.
                Part::Body(BodySource::File(_)) => {}
            }
        }
        self.drain(client);
    }

    /// `client`'s connection ends (close, reset, or after its exit).
    pub fn leave(&mut self, client: &str) {
        if let Some(id) = self.ids.remove(client) {
            self.core.handle_disconnect(id, NOW);
            self.drain(client);
        }
    }

    /// `client`'s chat name, once accepted.
    pub fn name_of(&self, client: &str) -> Option<&str> {
        self.ids.get(client).and_then(|id| self.core.name_of(*id))
    }

    /// Every name in use.
    pub fn names(&self) -> Vec<String> {
        self.core.names().map(|(n, _)| n.to_owned()).collect()
    }

    fn owe(&mut self, to: ConnId, cause: &str, expected: Expectation) {
        if let Some(client) = self.clients.get(&to) {
            self.pending.push(Owed {
                to: client.clone(),
                cause: cause.to_owned(),
                expected,
            });
        }
    }

    fn drain(&mut self, cause: &str) {
        while let Some(output) = self.core.poll_output() {
            // The well-behaved clients read everything at once: what the core queued for them
            // is written the moment it is queued, so flow control never pauses the model.
            let cost = output.queue_cost();
            match &output {
                Output::Send { to, .. } | Output::SendFile { to, .. } if cost > 0 => {
                    self.core.handle_written(*to, cost, NOW);
                }
                _ => {}
            }
            match output {
                Output::Send { to, bytes } => {
                    // Every `Send` holds whole frames; a file header's body follows as its
                    // own `SendFile`, which the expectation below already describes.
                    let mut decoder = StreamDecoder::<ServerFrame>::new();
                    decoder.feed(&bytes);
                    while let Some(Ok(Item::Frame(frame))) = decoder.next_item() {
                        let expected = self.expectation(frame);
                        self.owe(to, cause, expected);
                    }
                }
                Output::SendFile { .. } | Output::ResumeReading { .. } => {}
                Output::Close { id, .. } => {
                    self.owe(id, cause, Expectation::Closed);
                    if let Some(client) = self.clients.get(&id).cloned() {
                        self.ids.remove(&client);
                    }
                }
            }
        }
    }

    /// The pattern a received frame must match: exact where the protocol is exact, free
    /// where it leaves the text open (the greeting; reply wording outside `core`'s one).
    fn expectation(&self, frame: ServerFrame) -> Expectation {
        let pattern = match frame {
            ServerFrame::AuthOk(_) => FrameMatch::AuthOk(TextMatch::Any),
            ServerFrame::Renamed(text) => {
                // Part 1 gives `Username changed to NEW`; only the name is held to.
                let new = text.rsplit(' ').next().unwrap_or_default();
                Regex::new(&format!(r"\b{}$", regex::escape(new)))
                    .map_or(FrameMatch::Renamed(TextMatch::Any), |re| {
                        FrameMatch::Renamed(TextMatch::Regex(re))
                    })
            }
            ServerFrame::Text(text) if text.time.is_none() => {
                let core_wording = text.body == crate::core::wording::NAME_TAKEN;
                if self.profile == Profile::Core && core_wording {
                    FrameMatch::Reply(TextMatch::Exact(text.body))
                } else {
                    FrameMatch::Reply(TextMatch::Any)
                }
            }
            ServerFrame::Text(text) => match text.chat_line() {
                Some((sender, message)) => FrameMatch::Chat {
                    sender: TextMatch::Exact(sender.to_owned()),
                    message: TextMatch::Exact(message.to_owned()),
                },
                None => FrameMatch::Notice(TextMatch::Exact(text.body)),
            },
            ServerFrame::File(h) => FrameMatch::File(FileMatch {
                sender: TextMatch::Exact(h.sender),
                name: TextMatch::Exact(h.filename),
                caption: Some(match h.caption {
                    Some(c) => CaptionMatch::Is(TextMatch::Exact(c)),
                    None => CaptionMatch::Absent,
                }),
                size: Some(u64::from(h.size)),
                body: Some(BodySource::Generated(u64::from(h.size))),
            }),
        };
        Expectation::Frame(pattern)
    }

    /// Writes what `clients` are owed so far as `eventually` expectations, each client's in
    /// the model's order, clients in the order given; forgets what other clients not
    /// deferred are owed (nobody checks them).
    pub fn expect(&mut self, clients: &[&str]) -> Vec<Action> {
        let mut actions = Vec::new();
        for client in clients {
            for owed in self.pending.iter().filter(|o| o.to == *client) {
                // The original may tell a newcomer of another join before its own
                // acceptance (Part 1), so `core` lets other frames come first.
                let strict = matches!(owed.expected, Expectation::Frame(FrameMatch::AuthOk(_)))
                    && self.profile == Profile::Robust;
                actions.push(expect(client, vec![owed.expected.clone()], !strict, false));
            }
        }
        let deferred = &self.deferred;
        self.pending
            .retain(|o| deferred.contains(&o.to) && !clients.contains(&o.to.as_str()));
        actions
    }

    /// Forgets what `client` is owed so far.
    pub fn forget(&mut self, client: &str) {
        self.pending.retain(|o| o.to != client);
    }

    /// What deferred `client` is owed because of `cause`'s actions, in order; forgets the
    /// rest of what it is owed (other senders' frames may interleave in any order).
    pub fn owed_from(&mut self, client: &str, cause: &str) -> Vec<Expectation> {
        let owed = self
            .pending
            .iter()
            .filter(|o| o.to == client && o.cause == cause)
            .map(|o| o.expected.clone())
            .collect();
        self.forget(client);
        owed
    }
}

#[cfg(test)]
mod tests {
    use super::{Model, Profile};
    use crate::language::model::{Action, Part};
    use crate::language::writer;
    use crate::netfuzz::probe::file;
    use crate::protocol::ClientFrame;

    fn written(actions: &[Action]) -> Vec<String> {
        actions.iter().map(writer::action).collect()
    }

    /// `w1`, `b1` and `p1` connected and accepted; `b1` deferred.
    fn room(profile: Profile) -> Model {
        let mut model = Model::new(profile);
        for c in ["w1", "b1", "p1"] {
            model.connect(c);
            model.send(c, &[Part::Frame(ClientFrame::auth(c, 3_600))]);
        }
        model.defer("b1");
        model.expect(&["w1", "p1"]);
        model
    }

    #[test]
    fn a_file_reaches_the_others_with_its_caption_and_never_its_sender() {
        let mut model = room(Profile::Robust);
        model.send("p1", &file("f.bin".into(), 3, Some("a caption".into())));
        assert_eq!(
            written(&model.expect(&["p1", "w1"])),
            [
                "w1< eventually file from \"p1\" name \"f.bin\" caption \"a caption\" size 3 body generated 3",
                "w1< eventually notice \"User p1 uploaded file f.bin\"",
            ]
        );
        // The bystander is owed, from the probe, its join, the file and the notice.
        let owed = model.owed_from("b1", "p1");
        assert_eq!(owed.len(), 3, "{owed:?}");
        assert!(model.owed_from("b1", "p1").is_empty(), "taken once");
    }

    #[test]
    fn renames_to_taken_names_are_refused_and_freed_names_are_free_again() {
        let mut model = room(Profile::Core);
        model.send("p1", &[Part::Frame(ClientFrame::rename("w1"))]);
        assert_eq!(
            written(&model.expect(&["p1", "w1"])),
            ["p1< eventually reply \"The name is already in use\""]
        );
        model.send("p1", &[Part::Frame(ClientFrame::rename("q1"))]);
        model.send("p1", &[Part::Frame(ClientFrame::rename("p1"))]);
        assert_eq!(
            written(&model.expect(&["p1", "w1"])),
            [
                "p1< eventually renamed /\\bq1$/",
                "p1< eventually renamed /\\bp1$/",
                "w1< eventually notice \"User [p1] changed username to [q1]\"",
                "w1< eventually notice \"User [q1] changed username to [p1]\"",
            ]
        );
        assert_eq!(model.name_of("p1"), Some("p1"));
    }

    #[test]
    fn a_sender_that_dies_mid_file_leaves_only_its_leave_notice() {
        let mut model = room(Profile::Robust);
        let mut parts = file("cut.bin".into(), 100, None);
        parts.pop();
        parts.push(Part::Body(crate::language::model::BodySource::Generated(
            50,
        )));
        model.send("p1", &parts);
        model.leave("p1");
        assert_eq!(
            written(&model.expect(&["p1", "w1"])),
            ["w1< eventually notice \"User p1 disconnected\""]
        );
    }

    #[test]
    fn an_exit_closes_the_sender_and_a_refused_auth_answers_only_it() {
        let mut model = room(Profile::Robust);
        model.connect("x");
        model.send("x", &[Part::Frame(ClientFrame::auth("w1", 0))]);
        assert_eq!(
            written(&model.expect(&["x", "w1"])),
            ["x< eventually reply *"]
        );
        model.send("p1", &[Part::Frame(ClientFrame::exit())]);
        assert_eq!(
            written(&model.expect(&["p1", "w1"])),
            [
                "p1< eventually closed",
                "w1< eventually notice \"User p1 disconnected\"",
            ]
        );
    }
}
