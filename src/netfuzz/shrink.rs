//! Running sessions as scenario text, and shrinking a failing one: drop whole clients (in
//! groups, then one by one), then every step after the failing one, then runs of steps
//! (halving), then single steps (from the end), then simplify sends (no
//! chunking, fewer parts, fewer bytes; not the layers' sends), keeping a change only while it
//! stays coherent ([`super::coherence`]) and the same oracle still fails (twice in a row).
//! Every candidate goes through the writer and the parser, so what is kept is exactly what a
//! reproducer replays.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::coherence::coherent;
use super::oracle::{judge, Judgement, Oracle};
use super::role::{Role, CANARIES};
use super::stall::FLOOD;
use super::steps::{client_of, expected_sender, step, SETTLE};
use crate::language::model::{Action, BodySource, Chunking, Part, Send};
use crate::language::scenario::Scenario;
use crate::language::{parse_str, writer};
use crate::protocol::ClientFrame;
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;

/// Runs sessions against a target, through their text.
pub struct Exec {
    /// The servers.
    pub provider: Arc<dyn Provider>,
    /// Runner settings.
    pub settings: RunSettings,
    /// The path scenarios are parsed as (where `files/` would be looked for).
    pub path: PathBuf,
}

impl Exec {
    /// Writes, parses and runs `scenario`; returns the judgement and the server's stderr.
    pub async fn run(&self, scenario: &Scenario) -> (Judgement, Option<String>) {
        let text = writer::write(scenario);
        let parsed = match parse_str(&text, &self.path) {
            Ok(parsed) => parsed,
            Err(e) => return (Judgement::Error(format!("unparsable session: {e}")), None),
        };
        let (run, stderr) = self.provider.run(&parsed, &self.settings).await;
        (judge(&parsed, &run), stderr)
    }

    /// Whether `scenario` still fails `oracle`.
    async fn fails(&self, scenario: &Scenario, oracle: Oracle) -> bool {
        matches!(self.run(scenario).await.0, Judgement::Found(o, _) if o == oracle)
    }
}

/// Limits on shrinking.
#[derive(Debug, Clone, Copy)]
pub struct ShrinkBudget {
    /// Most sessions run.
    pub runs: usize,
    /// Stop shrinking at this instant.
    pub until: Instant,
}

/// Whether a send belongs to a bystander, the probe, the witness or a flood: their exact
/// form is the check (a halved malformed frame would be no frame at all, a file without its
/// body is never relayed), so they are dropped or kept whole, never simplified.
fn layer_send(send: &Send) -> bool {
    matches!(
        Role::of(&send.client),
        Role::Bystander | Role::Probe | Role::Witness
    ) || send
        .parts
        .iter()
        .any(|p| matches!(p, Part::Frame(ClientFrame::Text(t)) if t.starts_with(FLOOD)))
}

/// A server that is gone fails a newcomer's `connect` every time, whereas which of the
/// connected clients notices first is up to timing: so every candidate for the `alive`
/// oracle ends with a canary connecting after a settle pause, unless it already does.
pub(super) fn ending_with_a_newcomer(mut actions: Vec<Action>) -> Vec<Action> {
    if matches!(actions.last(), Some(Action::Connect(n)) if Role::of(n) == Role::Canary) {
        return actions;
    }
    let taken = |n: &str| actions.iter().any(|a| client_of(a) == Some(n));
    let Some(name) = (0..)
        .map(|i| format!("{}n{i}", CANARIES[0]))
        .find(|n| !taken(n))
    else {
        return actions;
    };
    actions.push(Action::Pause(SETTLE));
    actions.push(Action::Connect(name));
    actions
}

/// Whether `action` expects a chat or file sent under `client`'s name.
fn expects_from(action: &Action, client: &str) -> bool {
    matches!(action, Action::Expect(e) if !e.never) && expected_sender(action) == Some(client)
}

struct Shrinker<'a> {
    exec: &'a Exec,
    oracle: Oracle,
    budget: ShrinkBudget,
    runs: usize,
    best: Scenario,
}

impl Shrinker<'_> {
    fn spent(&self) -> bool {
        self.runs >= self.budget.runs || Instant::now() >= self.budget.until
    }

    /// Tries `actions`; keeps them when the oracle still fails.
    async fn attempt(&mut self, actions: Vec<Action>) -> bool {
        if self.spent() || actions.is_empty() || !coherent(&actions) {
            return false;
        }
        let actions = if self.oracle == Oracle::Alive {
            ending_with_a_newcomer(actions)
        } else {
            actions
        };
        let mut candidate = self.best.clone();
        candidate.steps = actions.into_iter().map(step).collect();
        // Kept only when it fails twice: a candidate that fails by luck of timing would make
        // a flaky reproducer.
        for _ in 0..2 {
            self.runs += 1;
            if !self.exec.fails(&candidate, self.oracle).await {
                return false;
            }
        }
        self.best = candidate;
        true
    }

    fn actions(&self) -> Vec<Action> {
        self.best.steps.iter().map(|s| s.action.clone()).collect()
    }

    /// Drops every step after the one that failed: they never ran (not for `alive`).
    async fn truncate(&mut self) -> bool {
        if self.spent() {
            return false;
        }
        self.runs += 1;
        let Judgement::Found(oracle, failure) = self.exec.run(&self.best).await.0 else {
            return false;
        };
        let mut header = self.best.clone();
        header.steps.clear();
        let first = writer::write(&header).lines().count() + 1;
        let Some(index) = failure.line.checked_sub(first) else {
            return false;
        };
        // A server that is gone is shown best by the canary's `connect` at the end, which
        // this would cut: a well-behaved client that noticed first needs its whole history.
        if oracle != self.oracle || oracle == Oracle::Alive || index + 1 >= self.best.steps.len() {
            return false;
        }
        let mut kept = self.actions();
        kept.truncate(index + 1);
        self.attempt(kept).await
    }

    async fn drop_clients(&mut self) -> bool {
        let mut clients: Vec<String> = Vec::new();
        for a in self.actions() {
            if let Some(c) = client_of(&a) {
                if !clients.iter().any(|k| k == c) {
                    clients.push(c.to_owned());
                }
            }
        }
        let mut progress = false;
        // The well-behaved clients are tied together by their checks (the witness checks the
        // probe's notices, the probe the witness's chat), so try them in groups first.
        let layer = |c: &String| Role::of(c).is_layer();
        let bystander = |c: &String| Role::of(c) == Role::Bystander;
        let groups: [Vec<String>; 3] = [
            clients
                .iter()
                .filter(|c| layer(c) || bystander(c))
                .cloned()
                .collect(),
            clients.iter().filter(|c| layer(c)).cloned().collect(),
            clients.iter().filter(|c| bystander(c)).cloned().collect(),
        ];
        for group in groups.into_iter().filter(|g| g.len() > 1) {
            let rest: Vec<Action> = self
                .actions()
                .into_iter()
                .filter(|a| !client_of(a).is_some_and(|c| group.iter().any(|g| g == c)))
                .collect();
            progress |= self.attempt(rest).await;
        }
        for client in clients {
            // With its steps go the others' expectations of what it sent (the witness's
            // checks of a bystander's relays): they would have no cause left.
            let rest: Vec<Action> = self
                .actions()
                .into_iter()
                .filter(|a| client_of(a) != Some(&client) && !expects_from(a, &client))
                .collect();
            progress |= self.attempt(rest).await;
        }
        progress
    }

    async fn drop_runs(&mut self) -> bool {
        let mut progress = false;
        let mut size = (self.best.steps.len() / 2).max(1);
        loop {
            if size == 1 {
                // Single steps from the end: an expectation goes before the step causing
                // it, so a cause and its effects can go in one pass.
                let mut at = self.best.steps.len();
                while at > 0 && !self.spent() {
                    at -= 1;
                    let mut rest = self.actions();
                    if at < rest.len() {
                        rest.remove(at);
                        progress |= self.attempt(rest).await;
                    }
                }
                return progress;
            }
            let mut start = 0;
            while start < self.best.steps.len() && !self.spent() {
                let mut rest = self.actions();
                let end = (start + size).min(rest.len());
                rest.drain(start..end);
                if self.attempt(rest).await {
                    progress = true;
                } else {
                    start += size;
                }
            }
            if size == 1 || self.spent() {
                return progress;
            }
            size /= 2;
        }
    }

    /// Drops a send together with its client's expectations right after it (an auth and its
    /// answer): either alone leaves the other waiting for what no longer comes, or an answer
    /// nobody reads, and fails another way; [`Self::drop_runs`] takes such a pair only when
    /// it happens to fill one of its halved runs.
    async fn drop_exchanges(&mut self) -> bool {
        let mut progress = false;
        let mut at = self.best.steps.len();
        while at > 0 && !self.spent() {
            at -= 1;
            let actions = self.actions();
            let Some(Action::Send(send)) = actions.get(at) else {
                continue;
            };
            let answers = actions[at + 1..]
                .iter()
                .take_while(|a| matches!(a, Action::Expect(e) if e.client == send.client))
                .count();
            if answers == 0 {
                continue;
            }
            let mut rest = actions;
            rest.drain(at..=at + answers);
            progress |= self.attempt(rest).await;
        }
        progress
    }

    async fn simplify_sends(&mut self) -> bool {
        let mut progress = false;
        for i in 0..self.best.steps.len() {
            let Action::Send(send) = &self.best.steps[i].action else {
                continue;
            };
            if layer_send(send) {
                continue;
            }
            let send = send.clone();
            let mut variants = Vec::new();
            if send.chunking != Chunking::default() {
                let mut v = send.clone();
                v.chunking = Chunking::default();
                variants.push(v);
            }
            for p in 0..send.parts.len() {
                if send.parts.len() > 1 {
                    let mut v = send.clone();
                    v.parts.remove(p);
                    variants.push(v);
                }
                let smaller = match &send.parts[p] {
                    Part::Raw(bytes) if bytes.len() > 1 => {
                        Some(Part::Raw(bytes[..bytes.len() / 2].to_vec()))
                    }
                    Part::Body(BodySource::Generated(n)) if *n > 1 => {
                        Some(Part::Body(BodySource::Generated(n / 2)))
                    }
                    Part::Frame(ClientFrame::Text(text)) if text.chars().count() > 1 => {
                        let half: String = text.chars().take(text.chars().count() / 2).collect();
                        Some(Part::Frame(ClientFrame::Text(half)))
                    }
                    _ => None,
                };
                if let Some(part) = smaller {
                    let mut v = send.clone();
                    v.parts[p] = part;
                    variants.push(v);
                }
            }
            for v in variants {
                if self.spent() || i >= self.best.steps.len() {
                    return progress;
                }
                let mut actions = self.actions();
                actions[i] = Action::Send(v);
                progress |= self.attempt(actions).await;
            }
        }
        progress
    }
}

/// Shrinks `scenario`, which fails `oracle`; returns the smallest version found and the
/// number of sessions run.
pub async fn shrink(
    exec: &Exec,
    scenario: Scenario,
    oracle: Oracle,
    budget: ShrinkBudget,
) -> (Scenario, usize) {
    let mut s = Shrinker {
        exec,
        oracle,
        budget,
        runs: 0,
        best: scenario,
    };
    for _ in 0..8 {
        // Clients first: a failure the layers noticed first may show more simply later on
        // (a corrupt relay at a bystander's `never malformed`), which truncating would cut.
        let mut progress = s.drop_clients().await;
        progress |= s.truncate().await;
        progress |= s.drop_runs().await;
        progress |= s.drop_exchanges().await;
        progress |= s.simplify_sends().await;
        if !progress || s.spent() {
            break;
        }
    }
    (s.best, s.runs)
}

/// Runs `scenario` `times` times; returns how often it failed `oracle` (whether that is
/// often enough to keep it is [`super::finding::reproducible`]).
pub async fn recheck(exec: &Exec, scenario: &Scenario, oracle: Oracle, times: usize) -> usize {
    let mut failed = 0;
    for _ in 0..times {
        if exec.fails(scenario, oracle).await {
            failed += 1;
        }
    }
    failed
}
