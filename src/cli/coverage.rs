//! `chat-harness scenarios coverage`: every statement of docs/PROTOCOL.md with the built-in
//! scenarios that check it (`chat_harness::statements::coverage`); fails when a statement is
//! neither checked nor excused, a scenario names none, or names one the document lacks.

use std::io::Write;

use anyhow::anyhow;

use chat_harness::scenario::{embedded, suite};
use chat_harness::statements::{self, coverage};

use crate::cli::Outcome;

/// Prints the coverage of the built-in suite; `Failed` when it is not complete.
pub fn run(out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let sources = embedded::locate(&[]).map_err(|e| anyhow!("{e}"))?;
    let files = suite::discover(sources.paths()).map_err(|e| anyhow!("{e}"))?;
    let (entries, errors) = suite::load(files);
    if let Some(first) = errors.first() {
        return Err(anyhow!("a built-in scenario does not parse: {first}"));
    }
    let (all, duplicates) = statements::parse(statements::PROTOCOL);
    if !duplicates.is_empty() {
        return Err(anyhow!(
            "docs/PROTOCOL.md defines these statement ids more than once: {}",
            duplicates.join(" ")
        ));
    }
    let reasons = statements::unchecked().map_err(|e| anyhow!(e))?;
    let result = coverage::coverage(&all, &entries, &reasons);
    out.write_all(coverage::render(&result).as_bytes())?;
    Ok(if result.complete() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}
