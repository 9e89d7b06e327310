//! A setup error said once: when the first few scenarios of a run all end in the same
//! `error` (the same message once numbers such as ports are set aside), the trouble is the
//! set-up, not the scenarios, and `run` stops there with one line rather than repeating it
//! for every scenario.

use super::outcome::Outcome;
use super::seat_counts::Seat;
use crate::record::Verdict;

/// How many scenarios must end in the same error for the run to stop.
pub const FIRST_FEW: usize = 3;

/// Watches outcomes as they finish (in any order) and says when the first [`FIRST_FEW`] of
/// one seat (server, client or interop scenarios: a client that cannot start fails the
/// quick client scenarios long before the slow interop ones end) all ended in the same error.
#[derive(Debug, Default)]
pub struct SameError {
    seen: Vec<(Seat, Vec<Option<String>>)>,
}

impl SameError {
    /// Notes a finished outcome; returns the shared error once the first few of its seat agree.
    pub fn note(&mut self, outcome: &Outcome) -> Option<String> {
        let seat = Seat::of(&outcome.scenario);
        let at = match self.seen.iter().position(|(s, _)| *s == seat) {
            Some(at) => at,
            None => {
                self.seen.push((seat, Vec::new()));
                self.seen.len() - 1
            }
        };
        let seen = &mut self.seen[at].1;
        if seen.len() >= FIRST_FEW {
            return None;
        }
        seen.push(match &outcome.run.verdict {
            Verdict::Error(e) => Some(e.clone()),
            _ => None,
        });
        if seen.len() < FIRST_FEW {
            return None;
        }
        let first = seen.first()?.as_ref()?;
        let key = masked(first);
        seen.iter()
            .all(|e| e.as_deref().is_some_and(|e| masked(e) == key))
            .then(|| first.clone())
    }
}

/// `text` with every run of digits replaced by `#` (ports and pids differ per scenario).
fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// The one line said for a run stopped by a repeated error.
pub fn line(error: &str) -> String {
    let first = error.lines().next().unwrap_or_default();
    format!(
        "the first {FIRST_FEW} scenarios all ended in the same error, so the set-up is at fault and the run stopped: {first}"
    )
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn numbers_are_set_aside() {
        assert_eq!(
            masked("`./x 21629` exited (exit status: 127)"),
            masked("`./x 30621` exited (exit status: 127)")
        );
        assert_ne!(masked("cannot connect"), masked("cannot start"));
    }
}
