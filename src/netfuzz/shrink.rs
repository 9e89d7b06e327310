//! Running sessions as scenario text, and shrinking a failing one: drop whole clients, then
//! runs of steps (halving), then single steps, then simplify sends (no chunking, fewer parts,
//! fewer bytes), keeping a change only while the same oracle still fails (twice in a row). Every candidate goes
//! through the writer and the parser, so what is kept is exactly what a reproducer replays.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::oracle::{judge, Judgement, Oracle};
use crate::protocol::ClientFrame;
use crate::scenario::model::{
    Action, BodySource, Chunking, Expectation, FrameMatch, Part, Scenario, TextMatch,
};
use crate::scenario::run::RunSettings;
use crate::scenario::suite::Provider;
use crate::scenario::{parse_str, writer};

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
        (judge(&run), stderr)
    }

    /// Whether `scenario` still fails `oracle`.
    async fn fails(&self, scenario: &Scenario, oracle: Oracle) -> bool {
        matches!(self.run(scenario).await.0, Judgement::Found(o, _) if o == oracle)
    }
}

/// Limits on shrinking.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Most sessions run.
    pub runs: usize,
    /// Stop shrinking at this instant.
    pub until: Instant,
}

fn client_of(action: &Action) -> Option<&str> {
    match action {
        Action::Connect(n)
        | Action::Close(n)
        | Action::Reset(n)
        | Action::HalfClose(n)
        | Action::Reading(n, _)
        | Action::IgnoreNotices(n, _) => Some(n),
        Action::Send(s) => Some(&s.client),
        Action::Expect(e) => Some(&e.client),
        Action::Pause(_) => None,
    }
}

/// Whether every expectation still has its cause: an `auth-ok` its auth, a relayed chat or
/// file its send, and both ends their accepted auth. Without this, shrinking "finds" that a
/// message nobody sent does not arrive.
fn coherent(actions: &[Action]) -> bool {
    use std::collections::HashSet;
    let mut asked: HashSet<&str> = HashSet::new();
    let mut accepted: HashSet<&str> = HashSet::new();
    let mut texts: HashSet<(&str, &str)> = HashSet::new();
    let mut files: HashSet<(&str, &str)> = HashSet::new();
    for action in actions {
        match action {
            Action::Send(send) => {
                for part in &send.parts {
                    match part {
                        Part::Frame(ClientFrame::Auth { .. }) => {
                            asked.insert(&send.client);
                        }
                        Part::Frame(ClientFrame::Text(t)) => {
                            texts.insert((&send.client, t));
                        }
                        Part::Frame(ClientFrame::File(h)) => {
                            files.insert((&send.client, &h.filename));
                        }
                        _ => {}
                    }
                }
            }
            Action::Expect(e) if !e.never => {
                for expected in e.alternatives.iter().flatten() {
                    let Expectation::Frame(pattern) = expected else {
                        continue;
                    };
                    let ok = match pattern {
                        FrameMatch::AuthOk(_) => {
                            let ok = asked.contains(e.client.as_str());
                            accepted.insert(&e.client);
                            ok
                        }
                        FrameMatch::Chat {
                            sender: TextMatch::Exact(from),
                            message: TextMatch::Exact(m),
                        } => {
                            texts.contains(&(from.as_str(), m.as_str()))
                                && accepted.contains(from.as_str())
                                && accepted.contains(e.client.as_str())
                        }
                        FrameMatch::File(f) => match (&f.sender, &f.name) {
                            (TextMatch::Exact(from), TextMatch::Exact(name)) => {
                                files.contains(&(from.as_str(), name.as_str()))
                                    && accepted.contains(from.as_str())
                                    && accepted.contains(e.client.as_str())
                            }
                            _ => true,
                        },
                        _ => true,
                    };
                    if !ok {
                        return false;
                    }
                }
            }
            _ => {}
        }
    }
    true
}

struct Shrinker<'a> {
    exec: &'a Exec,
    oracle: Oracle,
    budget: Budget,
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
        let mut candidate = self.best.clone();
        candidate.steps = actions
            .into_iter()
            .map(|action| crate::scenario::model::Step {
                line: 0,
                source: writer::action(&action),
                iteration: None,
                action,
            })
            .collect();
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
        for client in clients {
            let rest: Vec<Action> = self
                .actions()
                .into_iter()
                .filter(|a| client_of(a) != Some(&client))
                .collect();
            progress |= self.attempt(rest).await;
        }
        progress
    }

    async fn drop_runs(&mut self) -> bool {
        let mut progress = false;
        let mut size = (self.best.steps.len() / 2).max(1);
        loop {
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

    async fn simplify_sends(&mut self) -> bool {
        let mut progress = false;
        for i in 0..self.best.steps.len() {
            let Action::Send(send) = &self.best.steps[i].action else {
                continue;
            };
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
    budget: Budget,
) -> (Scenario, usize) {
    let mut s = Shrinker {
        exec,
        oracle,
        budget,
        runs: 0,
        best: scenario,
    };
    for _ in 0..8 {
        let mut progress = s.drop_clients().await;
        progress |= s.drop_runs().await;
        progress |= s.simplify_sends().await;
        if !progress || s.spent() {
            break;
        }
    }
    (s.best, s.runs)
}

/// Runs `scenario` `times` times; returns how often it failed `oracle`.
pub async fn recheck(exec: &Exec, scenario: &Scenario, oracle: Oracle, times: usize) -> usize {
    let mut failed = 0;
    for _ in 0..times {
        if exec.fails(scenario, oracle).await {
            failed += 1;
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::coherent;
    use crate::netfuzz::{Generator, Shape};
    use crate::scenario::model::Action;

    #[test]
    fn generated_sessions_are_coherent_and_losing_a_send_is_not() {
        let mut generator = Generator::new(Shape {
            attackers: 2,
            max_turns: 8,
            suffix: String::new(),
            timeout: std::time::Duration::from_secs(1),
        });
        for seed in 0..200 {
            let actions: Vec<Action> = generator
                .session(seed)
                .steps
                .into_iter()
                .map(|s| s.action)
                .collect();
            assert!(coherent(&actions), "seed {seed}");
            let without_canary_text: Vec<Action> = actions
                .iter()
                .filter(|a| {
                    !matches!(a, Action::Send(s) if s.client == "canary1"
                    && crate::scenario::writer::action(a).contains("text"))
                })
                .cloned()
                .collect();
            assert!(!coherent(&without_canary_text), "seed {seed}");
        }
    }
}
