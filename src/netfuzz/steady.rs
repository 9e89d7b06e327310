//! After shrinking: a reproducer made to replay the same way on a slower machine (settle
//! pauses between clients, `never` checks that keep watching, time for the last relays).

use super::steps::{client_of, step, NEVER_WATCH, SETTLE};
use crate::language::model::Action;
use crate::language::scenario::Scenario;
use crate::language::writer;

/// Whether a step only changes how its client reads (`stop-reading`, `read-slowly`,
/// `ignore-notices`, ...): nothing goes to the server and nothing is waited for.
fn reads_only(action: &Action) -> bool {
    matches!(
        action,
        Action::Reading(..)
            | Action::ReadSlowly { .. }
            | Action::PauseReading(..)
            | Action::IgnoreNotices(..)
    )
}

/// Steadies a shrunk session for replay: every `never` step keeps watching for
/// [`NEVER_WATCH`], the opening connects and a send followed by another client's step (past
/// the sender's own steps that only change how it reads) are given a 20 ms settle pause to
/// reach the server first (connections are served concurrently, so without it their order is
/// a race), and a session that ends without an expectation ends with a [`NEVER_WATCH`] pause.
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
        // The sender's own steps that only change how it reads order nothing: look past them
        // (a send, `ignore-notices`, then another client's step still needs the pause).
        let settle = matches!(current.action, Action::Send(_))
            && scenario.steps[i + 1..]
                .iter()
                .find(|next| {
                    !(reads_only(&next.action) && client(&next.action) == client(&current.action))
                })
                .is_some_and(|next| {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::steady;
    use crate::language::{parse_str, writer};

    /// The steps of `body` once steadied, one per line.
    fn steadied(body: &str) -> Vec<String> {
        let text = format!("description: s\ntimeout: 600ms\n{body}");
        let mut scenario = parse_str(&text, Path::new("s.chat")).expect("parses");
        steady(&mut scenario);
        scenario
            .steps
            .iter()
            .map(|s| writer::action(&s.action))
            .collect()
    }

    /// Whether a settle pause comes between the step `from` and the step `to`.
    fn settled(steps: &[String], from: &str, to: &str) -> bool {
        let at = |s: &str| steps.iter().position(|l| l == s).expect(s);
        steps[at(from)..at(to)].iter().any(|l| l == "pause 20ms")
    }

    #[test]
    fn a_send_is_settled_before_another_clients_step_even_past_its_own_reading_steps() {
        // The shape of a DuplicateNames reproducer that replayed 9 of 30 times without the
        // pause: b2's auth raced x2's.
        let auth_b2 = "b2> auth \"b2\" 19800";
        let auth_x2 = "x2> auth \"b2\" 50400";
        for between in [
            "",
            "ignore-notices b2\n",
            "stop-reading b2\nresume-reading b2\n",
        ] {
            let steps = steadied(&format!(
                "connect b2\nconnect x2\n{auth_b2}\n{between}{auth_x2}\nb2< never file from \"b2\" name *\n"
            ));
            assert!(settled(&steps, auth_b2, auth_x2), "{between:?}: {steps:#?}");
        }
    }

    #[test]
    fn a_send_followed_by_its_own_wait_or_a_pause_gets_no_extra_pause() {
        let steps = steadied(
            "connect b1\nb1> auth \"b1\" 0\nignore-notices b1\nb1< auth-ok\npause 50ms\nb1> text \"hi\"\npause 50ms\nconnect b2\n",
        );
        assert!(!steps.iter().any(|l| l == "pause 20ms"), "{steps:#?}");
    }
}
