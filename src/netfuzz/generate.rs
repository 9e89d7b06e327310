//! One fuzz session as a scenario: two well-behaved bystanders that exchange texts and files,
//! attackers that take mutated turns in between ([`super::mutate`]), a witness and a probe
//! that check notices and the reference semantics as they go ([`super::probe`]), sometimes a
//! slow reader and a flood ([`super::stall`]), then the oracles written as expectations, in
//! layers — a fresh canary pair, the bystanders' relays, `never` checks (no echo, no
//! impostor, no malformed bytes, nothing for a lurker) — so that `chat-harness run` on the
//! written session checks exactly what the fuzzer checked.

use std::time::Duration;

use regex::Regex;

use super::mutate::{self, Attacker, SplicePool};
use super::oracle_core::{Model, Profile};
use super::probe::{self, Probe};
use super::rng::Rng;
use super::role::{ATTACKER, BYSTANDER, CANARIES, SLOW};
use super::stall;
use super::steps::{expect, frame, send, step, MARK, SETTLE};
use crate::language::model::{
    Action, Expectation, FileMatch, FrameMatch, Part, TextMatch, TextPattern,
};
use crate::language::scenario::Scenario;
use crate::protocol::ClientFrame;

/// Regex for a chat message that is not a bystander's.
const NOT_MARKED: &str = "^(?:[^~]|$)";
const OFFSETS: &[i32] = &[0, 3_600, -18_000, 50_400, -50_400, 19_800];

/// How sessions are shaped.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Attacking clients per session.
    pub attackers: usize,
    /// Most turns (attacker or bystander) per session.
    pub max_turns: usize,
    /// When not empty, appended to every client name with a few hex digits of the session
    /// seed (for a shared server, where names may outlive a session).
    pub suffix: String,
    /// The scenario's step timeout.
    pub timeout: Duration,
    /// What is compared and which inputs are sent.
    pub profile: Profile,
}

/// Makes sessions; keeps frames across sessions for splicing.
#[derive(Debug)]
pub struct Generator {
    shape: Shape,
    pool: SplicePool,
}

fn regex(pattern: &str) -> TextMatch {
    Regex::new(pattern).map_or(TextMatch::Any, TextMatch::Regex)
}

impl Generator {
    /// A generator for sessions of this shape.
    pub fn new(shape: Shape) -> Self {
        Self {
            shape,
            pool: SplicePool::default(),
        }
    }

    /// The session with this seed: the opening (everyone connects, the well-behaved
    /// authenticate), the turns, then the layers of checks.
    pub fn session(&mut self, seed: u64) -> Scenario {
        let mut rng = Rng::new(seed);
        let robust = self.shape.profile == Profile::Robust;
        // On a shared server a name can outlive its session for a moment: vary it per session.
        let sfx = if self.shape.suffix.is_empty() {
            String::new()
        } else {
            format!("{}{:03x}", self.shape.suffix, seed & 0xfff)
        };
        let bys = [format!("{BYSTANDER}1{sfx}"), format!("{BYSTANDER}2{sfx}")];
        // `core` sends only what core scenarios send: no attackers.
        let attackers_n = if robust { self.shape.attackers } else { 0 };
        let mut attackers: Vec<Attacker> = (1..=attackers_n)
            .map(|i| Attacker {
                client: format!("{ATTACKER}{i}{sfx}"),
                lurker: rng.chance(25),
                closed: false,
                stopped: false,
            })
            .collect();
        let mut probe = Probe::new(&sfx, &bys);
        let mut model = Model::new(self.shape.profile);
        let mut actions = opening(&mut rng, &mut model, &bys, &attackers, &probe);
        actions.extend(probe.start(&mut rng, &mut model));
        actions.extend(self.turns(&mut rng, &mut model, &bys, &mut attackers, &mut probe));
        if robust && rng.chance(stall::CHANCE) {
            let from = &bys[rng.below(2)];
            actions.extend(stall::block(&format!("{SLOW}{sfx}"), from, &probe.witness));
        }
        let canaries = CANARIES.map(|c| format!("{c}{sfx}"));
        actions.extend(canary_pair(&canaries));
        // What each bystander must have received from the other, in the model's order.
        for (to, from) in [(0, 1), (1, 0)] {
            for item in model.owed_from(&bys[to], &bys[from]) {
                actions.push(expect(&bys[to], vec![item], true, false));
            }
        }
        // Invariants over everything that arrived, after a moment for stray frames to land.
        actions.push(Action::Pause(SETTLE));
        actions.extend(no_echo_no_impostor(&bys));
        actions.extend(nothing_for_lurkers(&attackers));
        let everyone = bys
            .iter()
            .chain(attackers.iter().map(|a| &a.client))
            .chain(canaries.iter())
            .chain([&probe.witness])
            .chain((!probe.gone).then_some(&probe.client));
        for name in everyone {
            actions.push(expect(name, vec![Expectation::Malformed], false, true));
        }
        Scenario {
            path: "fuzz-session.chat".into(),
            description: Some(format!("chat-harness fuzz session {seed:#018x}")),
            tags: vec!["fuzz".into()],
            checks: Vec::new(),
            timeout: Some(self.shape.timeout),
            server_limits: None,
            steps: actions.into_iter().map(step).collect(),
            subject: crate::language::scenario::Subject::Server,
        }
    }

    /// The middle of a session: probe turns, bystander turns (each relay checked by the
    /// witness as it is sent) and attacker turns, in random order; the probe may leave.
    fn turns(
        &mut self,
        rng: &mut Rng,
        model: &mut Model,
        bys: &[String; 2],
        attackers: &mut [Attacker],
        probe: &mut Probe,
    ) -> Vec<Action> {
        let robust = self.shape.profile == Profile::Robust;
        let witness = probe.witness.clone();
        let mut actions = Vec::new();
        // Attackers try to take the names of the well-behaved clients that never give theirs
        // up (a name the probe frees may be taken legitimately).
        let steal: Vec<String> = bys.iter().chain([&witness]).cloned().collect();
        for turn in 0..rng.range(1, self.shape.max_turns.max(1)) {
            let open: Vec<usize> = (0..attackers.len())
                .filter(|&i| !attackers[i].closed)
                .collect();
            if !probe.gone && rng.chance(20) {
                if rng.chance(10) {
                    actions.extend(probe.leave(rng, model));
                } else {
                    actions.extend(probe.turn(rng, model));
                }
            } else if open.is_empty() || rng.chance(30) {
                let from = &bys[rng.below(2)];
                for parts in bystander_turn(rng, from, turn, robust) {
                    actions.push(probe::act(model, from, parts));
                    // In `core` one frame is in flight per client: the witness sees each
                    // message before the next goes out.
                    if !robust {
                        actions.extend(model.expect(&[&witness]));
                    }
                }
                // The witness checks each relay as it is sent: a damaged one breaks the
                // stream of every recipient, and this names the relay as the cause.
                actions.extend(model.expect(&[&witness]));
            } else {
                let a = &mut attackers[*rng.pick(&open)];
                actions.extend(mutate::turn(rng, a, &steal, &mut self.pool));
            }
        }
        if !probe.gone && rng.chance(50) {
            actions.extend(probe.leave(rng, model));
        }
        actions
    }
}

/// Everyone connects; the witness authenticates first (so that it is told of every other
/// well-behaved join), then the bystanders, each accepted before it skips notices.
fn opening(
    rng: &mut Rng,
    model: &mut Model,
    bys: &[String; 2],
    attackers: &[Attacker],
    probe: &Probe,
) -> Vec<Action> {
    let witness = &probe.witness;
    let mut actions = Vec::new();
    let clients = bys.iter().chain(attackers.iter().map(|a| &a.client));
    for name in clients.chain([witness, &probe.client]) {
        actions.push(Action::Connect(name.clone()));
    }
    for name in bys.iter().chain([witness, &probe.client]) {
        model.connect(name);
    }
    for name in bys {
        model.defer(name);
    }
    let offset = *rng.pick(OFFSETS);
    let auth = vec![Part::Frame(ClientFrame::auth(witness.clone(), offset))];
    actions.push(probe::act(model, witness, auth));
    actions.extend(model.expect(&[witness]));
    for name in bys {
        let offset = *rng.pick(OFFSETS);
        let auth = vec![Part::Frame(ClientFrame::auth(name.clone(), offset))];
        actions.push(probe::act(model, name, auth));
        // Its acceptance first (strict: nothing may come before it), then it skips
        // notices; the witness is told of the join.
        let mut outcome = model.expect(&[name, witness]);
        outcome.insert(
            1.min(outcome.len()),
            Action::IgnoreNotices(name.clone(), true),
        );
        actions.extend(outcome);
    }
    actions
}

/// The canary pair: the server still serves newcomers (once the attacks have landed).
fn canary_pair(canaries: &[String; 2]) -> Vec<Action> {
    let mut actions = vec![Action::Pause(SETTLE)];
    for name in canaries {
        actions.push(Action::Connect(name.clone()));
    }
    actions.push(Action::IgnoreNotices(canaries[1].clone(), true));
    for name in canaries {
        let auth = ClientFrame::auth(name.clone(), 0);
        actions.push(send(name, vec![Part::Frame(auth)], None));
        actions.push(expect(
            name,
            vec![frame(FrameMatch::AuthOk(TextMatch::Any))],
            true,
            false,
        ));
    }
    let alive = format!("{MARK}alive");
    actions.push(send(
        &canaries[0],
        vec![Part::Frame(ClientFrame::Text(alive.clone()))],
        None,
    ));
    actions.push(expect(
        &canaries[1],
        vec![frame(FrameMatch::Chat {
            sender: TextMatch::Exact(canaries[0].clone()),
            message: TextMatch::Exact(alive),
        })],
        true,
        false,
    ));
    actions
}

/// Per bystander: none of its own chats or files came back, and no chat under the other
/// bystander's name that the other never sent.
fn no_echo_no_impostor(bys: &[String; 2]) -> Vec<Action> {
    let mut actions = Vec::new();
    for (i, name) in bys.iter().enumerate() {
        let own = FrameMatch::Chat {
            sender: TextMatch::Exact(name.clone()),
            message: TextMatch::Any,
        };
        actions.push(expect(name, vec![frame(own)], false, true));
        // No file of its own comes back either (the model sends nothing to a sender).
        let own_file = FrameMatch::File(FileMatch {
            sender: TextMatch::Exact(name.clone()),
            name: TextMatch::Any,
            caption: None,
            size: None,
            body: None,
        });
        actions.push(expect(name, vec![frame(own_file)], false, true));
        let impostor = FrameMatch::Chat {
            sender: TextMatch::Exact(bys[1 - i].clone()),
            message: regex(NOT_MARKED),
        };
        actions.push(expect(name, vec![frame(impostor)], false, true));
    }
    actions
}

/// A lurker (an attacker that never authenticates) got no file and no timed text.
fn nothing_for_lurkers(attackers: &[Attacker]) -> Vec<Action> {
    let timed = Regex::new(r"^<\d\d:\d\d> ").ok();
    let mut actions = Vec::new();
    for a in attackers.iter().filter(|a| a.lurker) {
        let mut broadcast = vec![frame(FrameMatch::File(FileMatch {
            sender: TextMatch::Any,
            name: TextMatch::Any,
            caption: None,
            size: None,
            body: None,
        }))];
        if let Some(timed) = &timed {
            broadcast.push(frame(FrameMatch::Text(TextPattern::Regex(timed.clone()))));
        }
        actions.push(expect(&a.client, broadcast, false, true));
    }
    actions
}

/// A bystander's turn: the sends of a text, a file (with or without a caption), or a long
/// conversation (a hundred and more texts in a row, one write in `robust`).
fn bystander_turn(rng: &mut Rng, from: &str, turn: usize, robust: bool) -> Vec<Vec<Part>> {
    if rng.chance(20) {
        let sizes: &[u32] = if robust {
            &[0, 1, 100, 5_000, 70_000]
        } else {
            // The original's client sends no size for an empty file.
            &[1, 100, 5_000, 70_000]
        };
        let size = *rng.pick(sizes);
        let caption = rng
            .chance(50)
            .then(|| format!("{MARK}{from} caption {turn}"));
        return vec![probe::file(format!("{MARK}{turn}.bin"), size, caption)];
    }
    if rng.chance(4) {
        let texts: Vec<Part> = (0..rng.range(100, 300))
            .map(|i| Part::Frame(ClientFrame::Text(format!("{MARK}{from} {turn}.{i}"))))
            .collect();
        return if robust {
            vec![texts]
        } else {
            texts.into_iter().map(|t| vec![t]).collect()
        };
    }
    let filler = if rng.chance(15) {
        // In `core`, a frame fits one `recv(1024)` of the original (`·` is two bytes).
        "·".repeat(rng.range(150, if robust { 1_500 } else { 450 }))
    } else {
        "·".repeat(rng.below(40))
    };
    let text = format!("{MARK}{from} {turn}{filler}");
    vec![vec![Part::Frame(ClientFrame::Text(text))]]
}
