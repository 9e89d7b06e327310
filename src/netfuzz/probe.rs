//! The notice and semantics layers. A **witness** (`w1`) authenticates first and, right after
//! each join, rename and leave of a well-behaved client, waits for the notice in the
//! documented wording (`<HH:MM> b1 connected`, `User [p1] changed username to [q1]`,
//! `User q1 disconnected`). A **probe** (`p1`) is not an attacker: it does only what Part 2 of
//! the protocol notes defines exactly — refused auths and frames before auth, auth without or
//! with any in-range offset, a second auth, a rename with extra words (first word only),
//! malformed frames answered by a 0x03 reply on a connection that lives on, a text too long to
//! relay refused — and each action is followed by the outcome those rules give. A probe's
//! closed connection is a finding. The witness also checks each bystander file as it is sent.

use regex::Regex;

use super::generate::{expect, frame, MARK};
use super::mutate::send;
use super::rng::Rng;
use crate::protocol::ClientFrame;
use crate::scenario::model::{Action, Expectation, FrameMatch, Part, TextMatch};

/// The witness's client name (before the session's suffix).
pub const WITNESS: &str = "w1";
/// The probe's client name (before the session's suffix).
pub const PROBE: &str = "p1";
/// Largest offset Part 2 accepts, in seconds (±14 h).
const MAX_OFFSET: i32 = 50_400;
/// The longest text a frame carries: its relay, with a time prefix and a name, cannot fit.
pub const OVERLONG: usize = 65_534;

/// `witness< eventually notice "TEXT"`: the witness is told, in exactly these words.
pub fn notice(witness: &str, text: String) -> Action {
    expect(
        witness,
        vec![frame(FrameMatch::Notice(TextMatch::Exact(text)))],
        true,
        false,
    )
}

fn eventually(client: &str, pattern: FrameMatch) -> Action {
    expect(client, vec![frame(pattern)], true, false)
}

fn reply(client: &str) -> Action {
    eventually(client, FrameMatch::Reply(TextMatch::Any))
}

fn one(client: &str, frame: ClientFrame) -> Action {
    send(client, vec![Part::Frame(frame)], None)
}

/// The probe as the generator sees it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Its client name in the scenario.
    pub client: String,
    /// Its chat name (the auth name, then each accepted rename's).
    pub name: String,
    /// The witness that checks its notices and relays.
    pub witness: String,
    sfx: String,
    renames: usize,
    texts: usize,
    /// It has left (exit, close or reset).
    pub gone: bool,
}

impl Probe {
    /// A probe and its witness, for a session whose names end in `sfx`.
    pub fn new(sfx: &str) -> Self {
        Self {
            client: format!("{PROBE}{sfx}"),
            name: format!("{PROBE}{sfx}"),
            witness: format!("{WITNESS}{sfx}"),
            sfx: sfx.to_owned(),
            renames: 0,
            texts: 0,
            gone: false,
        }
    }

    /// Out-of-state and refused frames (each answered by a reply), then the auth, its
    /// notice, and a chat from the witness in the probe's declared offset.
    pub fn start(&mut self, rng: &mut Rng) -> Vec<Action> {
        let (p, w) = (self.client.clone(), self.witness.clone());
        let mut steps = Vec::new();
        for _ in 0..rng.below(3) {
            let refused = match rng.below(4) {
                0 => ClientFrame::Text(format!("{MARK}{PROBE} early")),
                1 => ClientFrame::rename(&format!("q0{}", self.sfx)),
                2 => ClientFrame::auth(
                    self.name.clone(),
                    *rng.pick(&[MAX_OFFSET + 1, -MAX_OFFSET - 1, 86_400]),
                ),
                _ => ClientFrame::auth(format!("{PROBE}[x]"), 0),
            };
            steps.push(one(&p, refused));
            steps.push(reply(&p));
        }
        let offset = match rng.below(5) {
            0 | 1 => None,
            2 => Some(*rng.pick(&[MAX_OFFSET, -MAX_OFFSET])),
            _ => i32::try_from(rng.range(0, 2 * MAX_OFFSET as usize))
                .ok()
                .map(|o| o - MAX_OFFSET),
        };
        let auth = ClientFrame::Auth {
            name: self.name.clone(),
            offset,
        };
        steps.push(one(&p, auth));
        steps.push(eventually(&p, FrameMatch::AuthOk(TextMatch::Any)));
        steps.push(notice(&w, format!("{} connected", self.name)));
        let hello = format!("{MARK}{WITNESS} to {PROBE}");
        steps.push(one(&w, ClientFrame::Text(hello.clone())));
        steps.push(eventually(
            &p,
            FrameMatch::Chat {
                sender: TextMatch::Exact(w.clone()),
                message: TextMatch::Exact(hello),
            },
        ));
        steps
    }

    /// A text from the probe that the witness must get.
    fn text(&mut self) -> Vec<Action> {
        self.texts += 1;
        let text = format!("{MARK}{PROBE} {}", self.texts);
        vec![
            one(&self.client, ClientFrame::Text(text.clone())),
            eventually(
                &self.witness,
                FrameMatch::Chat {
                    sender: TextMatch::Exact(self.name.clone()),
                    message: TextMatch::Exact(text),
                },
            ),
        ]
    }

    /// One turn of the probe (authenticated, not gone).
    pub fn turn(&mut self, rng: &mut Rng) -> Vec<Action> {
        let p = self.client.clone();
        match rng.below(10) {
            0..=2 => {
                self.renames += 1;
                let new = format!("q{}{}", self.renames, self.sfx);
                let payload = match rng.below(3) {
                    0 => format!(">>chname<< {new}"),
                    1 => format!(">>chname<< {new} the great"),
                    _ => format!(">>chname<< {new} {}", self.name),
                };
                let confirmed = Regex::new(&format!(r"\b{}$", regex::escape(&new)))
                    .map_or(TextMatch::Any, TextMatch::Regex);
                let old = std::mem::replace(&mut self.name, new.clone());
                vec![
                    one(&p, ClientFrame::Rename(payload)),
                    eventually(&p, FrameMatch::Renamed(confirmed)),
                    notice(
                        &self.witness,
                        format!("User [{old}] changed username to [{new}]"),
                    ),
                ]
            }
            3..=5 => {
                // Malformed frames the length prefix keeps in sync: len = 0, a text and a
                // rename with invalid UTF-8. (Unknown types are left to the attackers: a
                // server that dies on one is the `alive` oracle's.)
                let bytes: &[u8] = match rng.below(3) {
                    0 => &[0x00, 0x00],
                    1 => &[0x00, 0x04, 0x03, b'h', 0xff, 0xfe],
                    _ => &[0x00, 0x03, 0x04, 0xc3, 0x28],
                };
                let mut steps = vec![send(&p, vec![Part::Raw(bytes.to_vec())], None), reply(&p)];
                steps.extend(self.text());
                steps
            }
            6 => vec![
                one(&p, ClientFrame::auth(format!("z{}", self.name), 0)),
                reply(&p),
            ],
            7 => {
                // Too long to relay with any prefix: refused, and nothing corrupt reaches the
                // witness (checked before the reply, so that a corrupt relay is `decode`'s).
                let mut steps = vec![one(&p, ClientFrame::Text("t".repeat(OVERLONG)))];
                steps.extend(self.text());
                steps.push(expect(
                    &self.witness,
                    vec![Expectation::Malformed],
                    false,
                    true,
                ));
                steps.push(reply(&p));
                steps
            }
            _ => self.text(),
        }
    }

    /// The probe leaves by exit, close or reset; the witness is told.
    pub fn leave(&mut self, rng: &mut Rng) -> Vec<Action> {
        self.gone = true;
        let p = self.client.clone();
        let mut steps = match rng.below(3) {
            0 => vec![
                one(&p, ClientFrame::exit()),
                expect(&p, vec![Expectation::Closed], true, false),
            ],
            1 => vec![Action::Close(p)],
            _ => vec![Action::Reset(p)],
        };
        steps.push(notice(
            &self.witness,
            format!("User {} disconnected", self.name),
        ));
        steps
    }
}
