//! After shrinking: a reproducer made to replay the same way on a slower machine (settle
//! pauses between clients, `never` checks that keep watching, time for the last relays).

use super::steps::{client_of, step, NEVER_WATCH, SETTLE};
use crate::language::model::Action;
use crate::language::scenario::Scenario;
use crate::language::writer;

/// Steadies a shrunk session for replay: every `never` step keeps watching for
/// [`NEVER_WATCH`], the opening connects and a send followed by another client's step are
/// given a 20 ms settle pause to reach the server first (connections are served concurrently, so
/// without it their order is a race), and a session that ends without an expectation ends
/// with a [`NEVER_WATCH`] pause.
pub fn steady(scenario: &mut Scenario) {
    let client = client_of;
    let mut steps = Vec::new();
    let n = scenario.steps.len();
    // Connections are accepted concurrently too: after the opening connects, give the server
    // a moment to register them all before anyone authenticates (or a broadcast to a
    // connection it has not registered yet would be missed on one run and not the next).
    let connects = scenario
        .steps
        .iter()
        .take_while(|s| matches!(s.action, Action::Connect(_)))
        .count();
    for i in 0..n {
        if i == connects && connects >= 2 {
            steps.push(step(Action::Pause(SETTLE)));
        }
        let mut current = scenario.steps[i].clone();
        if let Action::Expect(e) = &mut current.action {
            if e.never && e.timeout.is_none() {
                e.timeout = Some(NEVER_WATCH);
                current.source = writer::action(&current.action);
            }
        }
        let settle = matches!(current.action, Action::Send(_))
            && scenario.steps.get(i + 1).is_some_and(|next| {
                !matches!(next.action, Action::Pause(_))
                    && client(&next.action) != client(&current.action)
            });
        steps.push(current);
        if settle {
            steps.push(step(Action::Pause(SETTLE)));
        }
    }
    // A session that ends without an expectation is judged by the end-of-scenario check,
    // which sees only what has arrived by then: give the last relays as long as a `never`
    // check watches, so a replay on a slower machine still sees them.
    match steps.last().map(|s| &s.action) {
        Some(Action::Expect(_)) | None => {}
        Some(Action::Pause(p)) if *p >= NEVER_WATCH => {}
        Some(Action::Pause(_)) => {
            steps.pop();
            steps.push(step(Action::Pause(NEVER_WATCH)));
        }
        Some(_) => steps.push(step(Action::Pause(NEVER_WATCH))),
    }
    scenario.steps = steps;
}
