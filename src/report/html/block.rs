//! One scenario's result as an HTML block: a `<details>` element whose summary line gives the
//! outcome and the scenario, and whose body (for anything but a clean pass) gives the failed
//! step with its file:line, what was expected and what came (decoded and in hex), the
//! transcripts, the server's stderr tail and the one-line replay command. `run --html` and
//! the matrix page use the same blocks.

use std::fmt::Write as _;

use super::escape::escape_text;
use crate::record::Verdict;
use crate::scenario::suite::{Kind, Outcome, Status};

/// Last lines of a spawned server's stderr shown.
const STDERR_TAIL: usize = 40;
/// Last lines of each transcript shown (`--format json` has them all).
const TRANSCRIPT_TAIL: usize = 60;
/// Longest transcript or stderr line shown whole.
const LINE_CAP: usize = 400;

/// The CSS class of a result: its kind, and `expected` when the implementation's expect
/// file lists it (coloured apart from a new failure).
pub fn css_class(kind: Kind, status: Status) -> String {
    match status {
        Status::Xfail => format!("k-{} expected", kind.name()),
        Status::Xpass => "k-xpass".to_owned(),
        _ => format!("k-{}", kind.name()),
    }
}

/// The short label of a result, as shown in a grid cell or a summary line.
pub fn label(kind: Kind, status: Status) -> &'static str {
    match status {
        Status::Xfail => "xfail",
        Status::Xpass => "XPASS",
        _ => kind.name(),
    }
}

/// The block for `outcome`, with `id` as its fragment identifier (see `escape::anchor`);
/// `open` unfolds it; without `full` the hex dump, the transcripts and the stderr are left
/// out (with a note: the replay line brings them back), for pages that must stay small.
pub fn outcome_block(outcome: &Outcome, id: &str, open: bool, full: bool) -> String {
    let mut out = String::new();
    let class = css_class(outcome.kind, outcome.status);
    let _ = write!(
        out,
        "<details class=\"result {class}\" id=\"{id}\" data-kind=\"{}\"{}>\
<summary><span class=\"badge {class}\">{}</span> <code>{}</code>",
        outcome.kind.name(),
        if open { " open" } else { "" },
        label(outcome.kind, outcome.status),
        escape_text(&outcome.id)
    );
    if let Some(d) = &outcome.scenario.description {
        let _ = write!(out, " <span class=\"desc\">{}</span>", escape_text(d));
    }
    out.push_str("</summary>\n<div class=\"body\">\n");
    let facts = facts(outcome, full);
    out.push_str("<dl>\n");
    for (name, value) in facts {
        let _ = writeln!(out, "<dt>{name}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>\n");
    if outcome.run.verdict == Verdict::Pass {
        out.push_str("</div></details>\n");
        return out;
    }
    if !full {
        out.push_str(
            "<p class=\"meta\">Hex and transcripts left out to keep this page small: the \
replay line shows them.</p></div></details>\n",
        );
        return out;
    }
    transcripts_and_stderr(&mut out, outcome);
    out.push_str("</div></details>\n");
    out
}

/// The facts listed in a block: file, tags, known failure, attempts, the names used on a
/// shared server, the server, the failing step and what arrived, warnings, the replay line.
fn facts(outcome: &Outcome, full: bool) -> Vec<(&'static str, String)> {
    let path = crate::scenario::embedded::display_path(&outcome.scenario.path);
    let mut facts: Vec<(&str, String)> = Vec::new();
    if !matches!(outcome.run.verdict, Verdict::Fail(_)) {
        facts.push(("file", escape_text(&path)));
    }
    if !outcome.scenario.tags.is_empty() {
        facts.push(("tags", escape_text(&outcome.scenario.tags.join(", "))));
        if !outcome.scenario.checks.is_empty() {
            facts.push(("checks", escape_text(&outcome.scenario.checks.join(" "))));
        }
    }
    if let Some(reason) = &outcome.expected_reason {
        facts.push(("known failure", escape_text(reason)));
    }
    if outcome.attempts > 1 {
        let text = match outcome.kind {
            Kind::Flaky => format!(
                "failed first, passed on attempt {}; the failing attempt is shown",
                outcome.attempts
            ),
            _ => format!("failed all {}; the first is shown", outcome.attempts),
        };
        facts.push(("attempts", text));
    }
    if !outcome.names.is_empty() {
        let names: Vec<String> = outcome
            .names
            .iter()
            .map(|(old, new)| format!("{old} → {new}"))
            .collect();
        let text = format!("{} (the server is shared)", names.join(", "));
        facts.push(("names", escape_text(&text)));
    }
    if let Some(exit) = &outcome.run.server_exit {
        facts.push((
            "server",
            format!("exited during the scenario ({})", escape_text(exit)),
        ));
    } else if outcome.run.still_accepting == Some(false) {
        facts.push((
            "server",
            "no longer accepts connections: it is gone, not just this connection".to_owned(),
        ));
    }
    verdict_facts(&mut facts, outcome, &path, full);
    for w in &outcome.run.warnings {
        facts.push((
            "warning",
            format!(
                "line {}: {} (a failure with --strict)",
                w.line,
                escape_text(&w.message)
            ),
        ));
    }
    let shows_detail = outcome.status != Status::Pass || outcome.kind == Kind::Flaky;
    if shows_detail && outcome.run.verdict != Verdict::Pass {
        facts.push((
            "replay",
            format!(
                "<code class=\"replay\">{}</code>",
                escape_text(&outcome.replay)
            ),
        ));
    }
    facts
}

/// The facts of the verdict: the error, or the failing step, expectation, problem and what
/// arrived (its hex dump when `full`).
fn verdict_facts(
    facts: &mut Vec<(&'static str, String)>,
    outcome: &Outcome,
    path: &str,
    full: bool,
) {
    match &outcome.run.verdict {
        Verdict::Pass => {}
        Verdict::Error(e) => facts.push(("error", format!("<pre>{}</pre>", escape_text(e)))),
        Verdict::Fail(f) => {
            let mut step = format!("<code>{}:{}</code>", escape_text(path), f.line);
            if let Some(i) = f.iteration {
                let _ = write!(step, " (repeat iteration {i})");
            }
            if let Some(client) = &f.client {
                let _ = write!(step, " at <b>{}</b>", escape_text(client));
            }
            facts.push(("step", step));
            let mut expected = escape_text(&f.step);
            if let Some(d) = &f.deviation {
                let _ = write!(expected, " — {}", escape_text(d.expected.name()));
            }
            facts.push(("expected", format!("<code>{expected}</code>")));
            facts.push(("problem", escape_text(&f.reason)));
            let received = match (&f.actual, &f.skipped) {
                (Some(actual), _) => format!("<code>{}</code>", escape_text(actual)),
                (None, Some(skipped)) => {
                    format!("nothing matching; {}", escape_text(&skipped.summary()))
                }
                (None, None) => "nothing".to_owned(),
            };
            facts.push(("received", received));
            if let Some(hex) = f.actual_hex.as_ref().filter(|_| full) {
                facts.push(("received (hex)", format!("<pre>{}</pre>", escape_text(hex))));
            }
        }
    }
}

/// Each client's transcript (its last lines) and the server's stderr tail.
fn transcripts_and_stderr(out: &mut String, outcome: &Outcome) {
    for (client, lines) in &outcome.run.transcripts {
        let note = if client.ends_with("stderr") {
            ""
        } else {
            " <small>(&gt; sent, &lt; received)</small>"
        };
        let _ = write!(
            out,
            "<div class=\"transcript\"><h4>{}{note}</h4><pre>",
            escape_text(client)
        );
        if lines.is_empty() {
            out.push_str("(nothing)");
        }
        let skip = lines.len().saturating_sub(TRANSCRIPT_TAIL);
        if skip > 0 {
            let _ = writeln!(
                out,
                "... ({skip} earlier lines; `chat-harness run --format json` has them all)"
            );
        }
        for line in &lines[skip..] {
            out.push_str(&escape_text(&capped(line)));
            out.push('\n');
        }
        out.push_str("</pre></div>\n");
    }
    if let Some(stderr) = &outcome.server_stderr {
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = &lines[lines.len().saturating_sub(STDERR_TAIL)..];
        let _ = writeln!(
            out,
            "<div class=\"stderr\"><h4>server stderr (last {} lines)</h4><pre>{}</pre></div>",
            tail.len(),
            escape_text(
                &tail
                    .iter()
                    .map(|l| capped(l))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        );
    }
}

/// `line`, cut to [`LINE_CAP`] characters with its full length noted.
fn capped(line: &str) -> std::borrow::Cow<'_, str> {
    if line.len() <= LINE_CAP {
        return line.into();
    }
    let cut: String = line.chars().take(LINE_CAP).collect();
    format!("{cut}... ({} bytes in all)", line.len()).into()
}
