//! Running one session: its text (the login every session starts with, then its blocks), the
//! oracle of each line, and the client seat's verdict turned into an [`Outcome`] that names
//! the oracle of the failing statement.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::generate;
use super::oracle::ClientOracle;
use crate::language::parser::parse_str;
use crate::record::Verdict;
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;

/// The result of running one session.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    Pass,
    /// The oracle, what was observed, and the 1-based line of the failing statement.
    Found(ClientOracle, String, usize),
    Error(String),
}

/// The header and login every session starts with.
pub(super) fn prologue(timeout: Duration) -> Vec<generate::Line> {
    let line = |text: &str, oracle| generate::Line {
        text: text.to_owned(),
        oracle,
    };
    vec![
        line("description: client fuzz session", None),
        line("tests: client", None),
        line(&format!("timeout: {}ms", timeout.as_millis()), None),
        line(&format!("user> \"{}\"", generate::USER), None),
        line(
            // A client's first frame waits for the program to start, on a loaded machine too.
            &format!("server< auth /^{} -?\\d+$/ within 5s", generate::USER),
            Some(ClientOracle::Frame),
        ),
        line("server> auth-ok", None),
        line("user< \"Commands\"", Some(ClientOracle::Shown)),
    ]
}

/// The scenario text of `blocks` and the oracle of each (1-based) line.
pub fn render(
    timeout: Duration,
    blocks: &[generate::Block],
) -> (String, Vec<Option<ClientOracle>>) {
    let lines: Vec<generate::Line> = prologue(timeout)
        .into_iter()
        .chain(blocks.iter().flatten().cloned())
        .collect();
    let mut text = String::new();
    for l in &lines {
        text.push_str(&l.text);
        text.push('\n');
    }
    (text, lines.iter().map(|l| l.oracle).collect())
}

/// Runs sessions as scenarios on one client target.
pub(super) struct Exec {
    pub provider: Arc<dyn Provider>,
    pub settings: RunSettings,
    pub path: PathBuf,
    pub timeout: Duration,
}

impl Exec {
    pub async fn run(&self, blocks: &[generate::Block]) -> Outcome {
        let (text, oracles) = render(self.timeout, blocks);
        let scenario = match parse_str(&text, &self.path) {
            Ok(s) => s,
            Err(e) => return Outcome::Error(format!("a generated session does not parse: {e}")),
        };
        let (run, _) = self.provider.run(&scenario, &self.settings).await;
        match run.verdict {
            Verdict::Pass => Outcome::Pass,
            Verdict::Error(e) => Outcome::Error(e),
            Verdict::Fail(failure) => {
                let oracle = oracles
                    .get(failure.line.wrapping_sub(1))
                    .copied()
                    .flatten()
                    .unwrap_or(ClientOracle::Crash);
                let mut observed = format!("`{}`: {}", failure.step, failure.reason);
                if let Some(actual) = &failure.actual {
                    observed.push_str(&format!(" (got {actual})"));
                }
                if let Some((_, stderr)) =
                    run.transcripts.iter().find(|(n, _)| n == "client stderr")
                {
                    if let Some(last) = stderr
                        .iter()
                        .rev()
                        .find(|l| !l.trim_start_matches('|').trim().is_empty())
                    {
                        observed.push_str(&format!(
                            "; its stderr ends with {}",
                            last.trim_start_matches("| ")
                        ));
                    }
                }
                Outcome::Found(oracle, observed, failure.line)
            }
        }
    }

    pub async fn fails_with(&self, blocks: &[generate::Block], oracle: ClientOracle) -> bool {
        matches!(self.run(blocks).await, Outcome::Found(o, ..) if o == oracle)
    }
}
