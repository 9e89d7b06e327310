//! The notice and semantics layers. A **witness** (`w1`) authenticates first and, after each
//! well-behaved action, waits for what the model ([`super::oracle_core`]) says it must receive: joins,
//! renames, leaves and uploads in the documented wording, relayed chats and files. A **probe**
//! (`p1`) is not an attacker: it does only what the protocol notes define exactly — in
//! `robust`, refused auths and frames before auth, auth without or with any in-range offset, a
//! second auth, malformed frames answered by a 0x03 reply on a connection that lives on, a text
//! too long to relay, a death in the middle of a file; in both profiles, renames (with extra
//! words, to a name taken by a well-behaved client, back to a name it just freed), texts and
//! files with captions — and each action is followed by the outcome the model gives, at the
//! probe and at the witness. A probe's closed connection is a finding.

use super::oracle_core::{Model, Profile};
use super::rng::Rng;
use super::role::{PROBE, RENAMED_PROBE, WITNESS};
use super::steps::{expect, send, MARK};
use crate::language::model::{Action, BodySource, Chunking, Expectation, Part};
use crate::protocol::{ClientFileHeader, ClientFrame, Frame};

/// Largest offset Part 2 accepts, in seconds (±14 h).
const MAX_OFFSET: i32 = 50_400;
/// The longest text a frame carries: its relay, with a time prefix and a name, cannot fit.
pub const OVERLONG: usize = 65_534;
/// The pause between a file header and its body in `core` (the original reads one frame per
/// `recv`, so a body right behind its header would be misread).
pub const BODY_PAUSE: std::time::Duration = std::time::Duration::from_millis(30);

/// A send by a well-behaved client, mirrored in the model.
pub fn act(model: &mut Model, client: &str, parts: Vec<Part>) -> Action {
    model.send(client, &parts);
    // In `core`, a file body follows its header in a write of its own, after a pause.
    let header_len = match parts.first() {
        Some(Part::Frame(f @ ClientFrame::File(_))) if parts.len() > 1 => {
            f.to_bytes().map(|b| b.len()).ok()
        }
        _ => None,
    };
    let chunking = match header_len {
        Some(at) if model.profile() == Profile::Core => Some(Chunking {
            chunk: None,
            split_at: vec![at],
            pause: BODY_PAUSE,
        }),
        _ => None,
    };
    send(client, parts, chunking)
}

fn one(model: &mut Model, client: &str, frame: ClientFrame) -> Action {
    act(model, client, vec![Part::Frame(frame)])
}

/// A file frame and its generated body.
pub fn file(filename: String, size: u32, caption: Option<String>) -> Vec<Part> {
    let header = ClientFileHeader {
        size,
        filename,
        caption,
    };
    let mut parts = vec![Part::Frame(ClientFrame::File(header))];
    if size > 0 {
        parts.push(Part::Body(BodySource::Generated(u64::from(size))));
    }
    parts
}

/// The probe as the generator sees it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Its client name in the scenario.
    pub client: String,
    /// The witness that checks its notices and relays.
    pub witness: String,
    sfx: String,
    /// The other well-behaved clients (whose names it may try to take).
    others: Vec<String>,
    /// Names it held before its current one, latest last.
    freed: Vec<String>,
    renames: usize,
    texts: usize,
    /// It has left (exit, close or reset).
    pub gone: bool,
}

impl Probe {
    /// A probe and its witness, for a session whose names end in `sfx`, with `bystanders`.
    pub fn new(sfx: &str, bystanders: &[String]) -> Self {
        let witness = format!("{WITNESS}{sfx}");
        let mut others = bystanders.to_vec();
        others.push(witness.clone());
        Self {
            client: format!("{PROBE}{sfx}"),
            witness,
            others,
            sfx: sfx.to_owned(),
            freed: Vec::new(),
            renames: 0,
            texts: 0,
            gone: false,
        }
    }

    /// What the model owes the probe and the witness, in that order.
    fn outcome(&self, model: &mut Model) -> Vec<Action> {
        model.expect(&[&self.client, &self.witness])
    }

    /// In `robust`, out-of-state and refused frames; then the auth, and a chat from the
    /// witness in the probe's declared offset.
    pub fn start(&mut self, rng: &mut Rng, model: &mut Model) -> Vec<Action> {
        let (p, w) = (self.client.clone(), self.witness.clone());
        let robust = model.profile() == Profile::Robust;
        let mut steps = Vec::new();
        for _ in 0..if robust { rng.below(3) } else { 0 } {
            let refused = match rng.below(4) {
                0 => ClientFrame::Text(format!("{MARK}{PROBE} early")),
                1 => ClientFrame::rename(&format!("{RENAMED_PROBE}0{}", self.sfx)),
                2 => ClientFrame::auth(
                    p.clone(),
                    *rng.pick(&[MAX_OFFSET + 1, -MAX_OFFSET - 1, 86_400]),
                ),
                _ => ClientFrame::auth(format!("{PROBE}[x]"), 0),
            };
            steps.push(one(model, &p, refused));
            steps.extend(self.outcome(model));
        }
        let offset = match rng.below(5) {
            0 | 1 => None,
            2 => Some(*rng.pick(&[MAX_OFFSET, -MAX_OFFSET])),
            _ => i32::try_from(rng.range(0, 2 * MAX_OFFSET as usize))
                .ok()
                .map(|o| o - MAX_OFFSET),
        };
        // Every auth in `core` carries an offset (the original requires one).
        let offset = if robust { offset } else { offset.or(Some(0)) };
        let auth = ClientFrame::Auth {
            name: p.clone(),
            offset,
        };
        steps.push(one(model, &p, auth));
        steps.extend(self.outcome(model));
        let hello = format!("{MARK}{WITNESS} to {PROBE}");
        steps.push(one(model, &w, ClientFrame::Text(hello)));
        steps.extend(self.outcome(model));
        steps
    }

    /// A text from the probe that the witness must get.
    fn text(&mut self, model: &mut Model) -> Vec<Action> {
        self.texts += 1;
        let text = format!("{MARK}{PROBE} {}", self.texts);
        let mut steps = vec![one(model, &self.client.clone(), ClientFrame::Text(text))];
        steps.extend(self.outcome(model));
        steps
    }

    fn rename(&mut self, model: &mut Model, payload: String) -> Vec<Action> {
        let before = model.name_of(&self.client).map(str::to_owned);
        let mut steps = vec![one(
            model,
            &self.client.clone(),
            ClientFrame::Rename(payload),
        )];
        if let (Some(old), Some(new)) = (before, model.name_of(&self.client)) {
            if old != new {
                self.freed.push(old);
            }
        }
        steps.extend(self.outcome(model));
        steps
    }

    /// One turn of the probe (authenticated, not gone).
    pub fn turn(&mut self, rng: &mut Rng, model: &mut Model) -> Vec<Action> {
        let p = self.client.clone();
        let robust = model.profile() == Profile::Robust;
        match rng.below(14) {
            0..=2 => {
                self.renames += 1;
                let new = format!("{RENAMED_PROBE}{}{}", self.renames, self.sfx);
                let current = model.name_of(&p).unwrap_or_default().to_owned();
                let payload = match rng.below(3) {
                    0 => format!(">>chname<< {new}"),
                    1 => format!(">>chname<< {new} the great"),
                    _ => format!(">>chname<< {new} {current}"),
                };
                let mut steps = self.rename(model, payload);
                if rng.chance(40) {
                    // Straight back to the name it just freed: free again, so accepted.
                    steps.extend(self.rename(model, format!(">>chname<< {current}")));
                }
                steps
            }
            3 => {
                // A name another well-behaved client holds: refused.
                let other = rng.pick(&self.others).clone();
                let taken = model.name_of(&other).unwrap_or(&other).to_owned();
                self.rename(model, format!(">>chname<< {taken}"))
            }
            4 => match self.freed.last().cloned() {
                // Back to a name it freed earlier: free again, so accepted.
                Some(old) => self.rename(model, format!(">>chname<< {old}")),
                None => self.text(model),
            },
            5 => {
                let size = *rng.pick(&[1u32, 100, 5_000]);
                let caption = rng
                    .chance(60)
                    .then(|| format!("{MARK}caption {}", self.texts));
                self.texts += 1;
                let parts = file(format!("{MARK}p{}.bin", self.texts), size, caption);
                let mut steps = vec![act(model, &p, parts)];
                steps.extend(self.outcome(model));
                steps
            }
            6..=8 if robust => {
                // Malformed frames the length prefix keeps in sync: len = 0, a text and a
                // rename with invalid UTF-8. (Unknown types are left to the attackers: a
                // server that dies on one is the `alive` oracle's.)
                let bytes: &[u8] = match rng.below(3) {
                    0 => &[0x00, 0x00],
                    1 => &[0x00, 0x04, 0x03, b'h', 0xff, 0xfe],
                    _ => &[0x00, 0x03, 0x04, 0xc3, 0x28],
                };
                let mut steps = vec![act(model, &p, vec![Part::Raw(bytes.to_vec())])];
                steps.extend(self.outcome(model));
                steps.extend(self.text(model));
                steps
            }
            9 if robust => {
                let mut steps = vec![one(model, &p, ClientFrame::auth(format!("z{p}"), 0))];
                steps.extend(self.outcome(model));
                steps
            }
            10 if robust => {
                // Too long to relay with any prefix: refused, and nothing corrupt reaches the
                // witness (checked before the reply, so that a corrupt relay is `decode`'s).
                let mut steps = vec![one(model, &p, ClientFrame::Text("t".repeat(OVERLONG)))];
                let refusal = model.expect(&[&p]);
                steps.extend(self.text(model));
                steps.push(expect(
                    &self.witness,
                    vec![Expectation::Malformed],
                    false,
                    true,
                ));
                steps.extend(refusal);
                steps
            }
            _ => self.text(model),
        }
    }

    /// The probe leaves by exit, or in `robust` also by close, reset, or a close in the
    /// middle of a file; the witness is told.
    pub fn leave(&mut self, rng: &mut Rng, model: &mut Model) -> Vec<Action> {
        self.gone = true;
        let p = self.client.clone();
        let how = if model.profile() == Profile::Robust {
            rng.below(4)
        } else {
            0
        };
        let mut steps = match how {
            0 => vec![one(model, &p, ClientFrame::exit())],
            1 => vec![Action::Close(p.clone())],
            2 => vec![Action::Reset(p.clone())],
            _ => {
                // Dies mid-file: the header and part of the body, then the connection ends
                // (a close: a reset could discard the bytes before the server reads them).
                // Stored, then forwarded: nobody may see any of it.
                let size = *rng.pick(&[100u32, 5_000, 70_000]);
                let mut parts = file(format!("{MARK}cut.bin"), size, None);
                parts.pop();
                parts.push(Part::Body(BodySource::Generated(u64::from(size / 2))));
                vec![act(model, &p, parts), Action::Close(p.clone())]
            }
        };
        model.leave(&p);
        steps.extend(self.outcome(model));
        steps
    }
}
