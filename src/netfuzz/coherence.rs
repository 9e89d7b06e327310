//! Whether a (shrunk) session still has a cause for every expectation: without this,
//! shrinking "finds" that a message nobody sent does not arrive. An `auth-ok` needs an
//! acceptable auth; a relayed chat or file (with all of its body) its send by the client now
//! holding that name, to an accepted recipient; a `renamed` the rename right before it; a
//! `reply` a frame the rules answer with one, not yet matched by an earlier reply; a notice
//! its join, rename or leave, after the witness was accepted.

use std::collections::{HashMap, HashSet};

use super::probe::OVERLONG;
use crate::language::model::{
    Action, BodySource, Expect, Expectation, FrameMatch, Part, TextMatch,
};
use crate::protocol::ClientFrame;

/// Whether an auth is one Part 2 accepts (when the name is free).
fn acceptable(name: &str, offset: Option<i32>) -> bool {
    (1..=32).contains(&name.len())
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']')
        && offset.is_none_or(|o| (-50_400..=50_400).contains(&o))
}

#[derive(Default)]
struct State<'a> {
    /// Each client's last auth: its name, and whether it is acceptable.
    auth: HashMap<&'a str, (&'a str, bool)>,
    /// Accepted clients and their current chat names.
    names: HashMap<&'a str, String>,
    texts: HashSet<(&'a str, &'a str)>,
    files: HashSet<(&'a str, &'a str)>,
    /// Replies each client is owed: one per frame the rules answer with a reply, less the
    /// reply expectations that came after.
    replies: HashMap<&'a str, usize>,
    /// Each client's last step, when it was a send with a rename: the new name.
    renaming: HashMap<&'a str, &'a str>,
    /// Who was accepted when each client sent its last auth / rename.
    audience: HashMap<&'a str, HashSet<&'a str>>,
    /// Announced events (the notice text) and who was accepted to be told.
    events: HashMap<String, HashSet<&'a str>>,
}

impl<'a> State<'a> {
    fn accepted(&self) -> HashSet<&'a str> {
        self.names.keys().copied().collect()
    }

    fn send(&mut self, client: &'a str, parts: &'a [Part]) {
        let authed = self.names.contains_key(client);
        let mut answered = 0;
        let mut renamed = None;
        for part in parts {
            match part {
                Part::Frame(ClientFrame::Auth { name, offset }) => {
                    let ok = acceptable(name, *offset);
                    answered += usize::from(authed || !ok);
                    self.auth.insert(client, (name, ok));
                    self.audience.insert(client, self.accepted());
                }
                Part::Frame(ClientFrame::Text(t)) => {
                    answered += usize::from(!authed || t.len() >= OVERLONG);
                    self.texts.insert((client, t));
                }
                Part::Frame(ClientFrame::File(h)) => {
                    answered += usize::from(!authed);
                    // Relayed only once its whole body has followed.
                    let body: u64 = parts
                        .iter()
                        .map(|p| match p {
                            Part::Body(BodySource::Generated(n)) => *n,
                            _ => 0,
                        })
                        .sum();
                    if body == u64::from(h.size) && authed {
                        self.files.insert((client, &h.filename));
                        if let Some(name) = self.names.get(client) {
                            let mut told = self.accepted();
                            told.remove(client);
                            let notice = format!("User {name} uploaded file {}", h.filename);
                            self.events.insert(notice, told);
                        }
                    }
                }
                Part::Frame(frame @ ClientFrame::Rename(_)) => {
                    let new = frame.new_name();
                    // Refused: before auth, an invalid name, or one in use (its own too).
                    let refused = !authed
                        || new.is_none_or(|n| {
                            !acceptable(n, None) || self.names.values().any(|held| held == n)
                        });
                    answered += usize::from(refused);
                    renamed = new.filter(|_| !refused);
                    self.audience.insert(client, self.accepted());
                }
                Part::Frame(ClientFrame::Exit(_)) => self.leave(client),
                // The probe's raw frames are malformed by construction (its sends are never
                // simplified); an attacker never expects a reply.
                Part::Raw(_) => answered += 1,
                Part::Body(_) => {}
            }
        }
        *self.replies.entry(client).or_default() += answered;
        match renamed {
            Some(new) => self.renaming.insert(client, new),
            None => self.renaming.remove(client),
        };
    }

    fn leave(&mut self, client: &str) {
        if let Some(name) = self.names.remove(client) {
            let told = self.accepted();
            self.events
                .insert(format!("User {name} disconnected"), told);
        }
    }

    fn sent_by(&self, sender: &TextMatch) -> Option<&'a str> {
        let TextMatch::Exact(from) = sender else {
            return None;
        };
        self.names
            .iter()
            .find(|(_, name)| *name == from)
            .map(|(client, _)| *client)
    }

    /// Whether `expected` at `client` has its cause; records what it establishes.
    fn expected(&mut self, client: &'a str, expected: &Expectation) -> bool {
        let Expectation::Frame(pattern) = expected else {
            return true;
        };
        let accepted = self.names.contains_key(client);
        match pattern {
            FrameMatch::AuthOk(_) => {
                let Some(&(name, true)) = self.auth.get(client) else {
                    return false;
                };
                let told = self.audience.remove(client).unwrap_or_default();
                self.events.insert(format!("{name} connected"), told);
                self.names.insert(client, name.to_owned());
                true
            }
            FrameMatch::Renamed(_) => {
                let Some(new) = self.renaming.remove(client) else {
                    return false;
                };
                let Some(old) = self.names.insert(client, new.to_owned()) else {
                    return false;
                };
                let told = self.audience.remove(client).unwrap_or_default();
                self.events
                    .insert(format!("User [{old}] changed username to [{new}]"), told);
                true
            }
            FrameMatch::Reply(_) => match self.replies.get_mut(client) {
                Some(owed) if *owed > 0 => {
                    *owed -= 1;
                    true
                }
                _ => false,
            },
            FrameMatch::Chat {
                sender,
                message: TextMatch::Exact(m),
            } if matches!(sender, TextMatch::Exact(_)) => {
                accepted
                    && self
                        .sent_by(sender)
                        .is_some_and(|from| self.texts.contains(&(from, m.as_str())))
            }
            FrameMatch::File(f) => match &f.name {
                TextMatch::Exact(name) if matches!(f.sender, TextMatch::Exact(_)) => {
                    accepted
                        && self
                            .sent_by(&f.sender)
                            .is_some_and(|from| self.files.contains(&(from, name.as_str())))
                }
                _ => true,
            },
            FrameMatch::Notice(TextMatch::Exact(text)) => self
                .events
                .get(text.as_str())
                .is_some_and(|told| told.contains(client)),
            _ => true,
        }
    }
}

/// Whether every expectation of `actions` still has its cause (see the module docs).
pub fn coherent(actions: &[Action]) -> bool {
    let mut state = State::default();
    for action in actions {
        match action {
            Action::Send(send) => state.send(&send.client, &send.parts),
            Action::Close(c) | Action::Reset(c) => {
                state.leave(c);
                state.renaming.remove(c.as_str());
            }
            Action::Expect(Expect {
                client,
                alternatives,
                never: false,
                ..
            }) => {
                for expected in alternatives.iter().flatten() {
                    if !state.expected(client, expected) {
                        return false;
                    }
                }
                state.renaming.remove(client.as_str());
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::coherent;
    use crate::language::model::{Action, Step};
    use crate::netfuzz::{Generator, Profile, Shape};

    fn without(steps: &[Step], drop: impl Fn(&str) -> bool) -> Vec<Action> {
        steps
            .iter()
            .filter(|s| !drop(&s.source))
            .map(|s| s.action.clone())
            .collect()
    }

    #[test]
    fn generated_sessions_are_coherent_and_losing_a_cause_is_not() {
        for profile in [Profile::Robust, Profile::Core] {
            check_profile(profile);
        }
    }

    fn check_profile(profile: Profile) {
        let mut generator = Generator::new(Shape {
            attackers: 2,
            max_turns: 8,
            suffix: String::new(),
            timeout: std::time::Duration::from_secs(1),
            profile,
        });
        for seed in 0..300 {
            let steps = generator.session(seed).steps;
            let actions: Vec<Action> = steps.iter().map(|s| s.action.clone()).collect();
            assert!(coherent(&actions), "seed {seed}");
            let no_canary_text = without(&steps, |s| s.starts_with("canary1> text"));
            assert!(!coherent(&no_canary_text), "seed {seed}");
            let no_probe_auth = without(&steps, |s| s.starts_with("p1> auth \"p1\""));
            assert!(!coherent(&no_probe_auth), "seed {seed}");
            let no_witness = without(&steps, |s| s.starts_with("w1> auth"));
            assert!(!coherent(&no_witness), "seed {seed}");
            for cause in ["p1> rename-raw", "p1> raw", "reset p1", "close p1"] {
                if steps.iter().any(|s| s.source.starts_with(cause)) {
                    let lost = without(&steps, |s| s.starts_with(cause));
                    assert!(!coherent(&lost), "seed {seed}: without `{cause}`");
                }
            }
        }
    }
}
