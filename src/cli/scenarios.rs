//! `chat-harness scenarios`: lists, shows and exports the suite built into the binary
//! (`chat_harness::scenario::embedded`).

use std::io::Write;

use anyhow::{anyhow, Context};

use chat_harness::scenario::{embedded, suite};

use crate::cli::args::{ScenariosAction, ScenariosArgs, Seat};
use crate::cli::Outcome;

/// Runs the `scenarios` subcommand. A reader that goes away (`scenarios list | head`) is not
/// an error.
pub fn run(args: ScenariosArgs) -> anyhow::Result<Outcome> {
    match act(args) {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(Outcome::Passed)
        }
        other => other,
    }
}

fn act(args: ScenariosArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match args.action {
        ScenariosAction::List { tag, tests } => list(&tag, tests, &mut out)?,
        ScenariosAction::Show { id } => {
            let text = embedded::scenario_text(&id)
                .or_else(|| text_file(&id))
                .ok_or_else(|| {
                    anyhow!("the built-in suite has no scenario or text file `{id}` (`chat-harness scenarios list` shows them)")
                })?;
            out.write_all(text.as_bytes())?;
            if !text.ends_with('\n') {
                writeln!(out)?;
            }
        }
        ScenariosAction::Coverage => return super::coverage::run(&mut out),
        ScenariosAction::Export { dir } => {
            let written = embedded::export(&dir)
                .with_context(|| format!("cannot export the suite to {}", dir.display()))?;
            writeln!(
                out,
                "wrote {written} file(s) of suite {} to {} (run them with: chat-harness run {})",
                embedded::version(),
                dir.display(),
                dir.display()
            )?;
        }
    }
    Ok(Outcome::Passed)
}

/// `id  tags  description`, one scenario a line, in id order.
fn list(tags: &[String], tests: Option<Seat>, out: &mut dyn Write) -> anyhow::Result<()> {
    let sources = embedded::locate(&[]).map_err(|e| anyhow!("{e}"))?;
    let files = suite::discover(sources.paths()).map_err(|e| anyhow!("{e}"))?;
    let (entries, errors) = suite::load(files);
    if let Some(first) = errors.first() {
        return Err(anyhow!("a built-in scenario does not parse: {first}"));
    }
    let entries: Vec<_> = suite::select(entries, None, tags)
        .into_iter()
        .filter(|e| {
            let seat = match (e.scenario.tests_interop(), e.scenario.tests_client()) {
                (true, _) => Seat::Interop,
                (false, true) => Seat::Client,
                (false, false) => Seat::Server,
            };
            tests.is_none_or(|t| t == seat)
        })
        .collect();
    let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
    let tag_width = entries
        .iter()
        .map(|e| e.scenario.tags.join(",").len())
        .max()
        .unwrap_or(0);
    for e in &entries {
        let description = e.scenario.description.as_deref().unwrap_or("");
        let first = description.lines().next().unwrap_or("");
        let line = format!(
            "{:width$}  {:tag_width$}  {first}",
            e.id,
            e.scenario.tags.join(",")
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A UTF-8 file of the suite by its path (`README.md`).
fn text_file(path: &str) -> Option<&'static str> {
    let path = path.trim_start_matches("./");
    let path = path.strip_prefix("scenarios/").unwrap_or(path);
    embedded::files()
        .iter()
        .find(|(p, _)| *p == path)
        .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok())
}
