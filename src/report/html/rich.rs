//! The `run --html` page with what the text report has: the per-tag counts, the "probably one
//! cause" groups (each folded under its heading, its first failure open), each failure's hint,
//! the text report's section (timeline, cause lines, stderr) and the sequence diagram inline;
//! failures past a handful folded; a filter by kind and by tag (a few lines of script; without
//! it every block shows).

use std::fmt::Write as _;

use super::{counts_line, escape, outcome_block, page};
use crate::record::Verdict;
use crate::report::{by_tag, diagram, failure_details, hint_line, Style};
use crate::scenario::shared_cause::shared_deviations;
use crate::scenario::suite::{Kind, Outcome, Status, Summary};

/// Failures shown unfolded outside the groups; the rest are folded.
const HANDFUL: usize = 5;

/// Styles added to [`super::STYLE`] for this page.
const RICH_STYLE: &str = "<style>\
.hint{background:#eef6ff;border-left:4px solid #1e5fa8;padding:.2em .5em;margin:.3em 0}\
details.group{border:1px solid #bbb;margin:.4em 0;padding:.2em .5em;background:#fafafa}\
details.group>summary{cursor:pointer;font-weight:bold}\
details.section>summary,details.diagram>summary{cursor:pointer;color:#444}\
.diagram-wrap{overflow:auto;border:1px solid #ddd;background:#fff}\
.tags-line{color:#333}\
</style>";

/// Hides the blocks of unticked kinds and tags (the page works without it).
const FILTER_SCRIPT: &str = r#"<script>
function chFilter(){var kinds=[],tags=[];
document.querySelectorAll('.filter input[data-by="kind"]:checked').forEach(function(b){kinds.push(b.value);});
document.querySelectorAll('.filter input[data-by="tag"]:checked').forEach(function(b){tags.push(b.value);});
var anyTag=document.querySelectorAll('.filter input[data-by="tag"]').length>0;
document.querySelectorAll('details.result').forEach(function(d){
var t=(d.getAttribute('data-tags')||'').split(' ').filter(Boolean);
var tagOk=!anyTag||t.length===0||t.some(function(x){return tags.indexOf(x)>=0;});
d.style.display=(kinds.indexOf(d.getAttribute('data-kind'))>=0&&tagOk)?'':'none';});}
document.querySelectorAll('.filter input').forEach(function(b){b.addEventListener('change',chFilter);});
</script>"#;

/// The page.
pub fn run_page(target: &str, date: &str, outcomes: &[Outcome]) -> String {
    let summary = Summary::of(outcomes);
    let mut body = String::new();
    let _ = writeln!(body, "<h1>chat-harness run</h1>{RICH_STYLE}");
    let _ = writeln!(
        body,
        "<p class=\"meta\">Target: <b>{}</b><br>Date: {}<br>Suite: {}<br>{} scenarios</p>",
        escape(target),
        escape(date),
        escape(&crate::scenario::embedded::version()),
        outcomes.len()
    );
    body.push_str(&counts_line(&summary));
    if let Some(tags) = by_tag(&summary) {
        let _ = writeln!(
            body,
            "<p class=\"tags-line\">by tag: <span class=\"by-tag\">{}</span></p>",
            escape(&tags)
        );
    }
    filter(&mut body, &summary, outcomes);
    let attention = |o: &&Outcome| o.status != Status::Pass || o.kind != Kind::Pass;
    let (needs, passed): (Vec<&Outcome>, Vec<&Outcome>) = outcomes.iter().partition(attention);
    let groups = shared_deviations(outcomes);
    let grouped = |o: &Outcome| groups.iter().any(|g| g.scenarios.contains(&o.id));
    if !groups.is_empty() {
        let groups_word = if groups.len() == 1 { "group" } else { "groups" };
        let _ = writeln!(
            body,
            "<h2>Probably one cause ({} {groups_word})</h2>",
            groups.len()
        );
        for group in &groups {
            let _ = writeln!(
                body,
                "<details class=\"group\"><summary>{}</summary>",
                escape(&group.line())
            );
            let members = group
                .scenarios
                .iter()
                .filter_map(|id| needs.iter().find(|o| &o.id == id));
            for (i, o) in members.enumerate() {
                body.push_str(&block(o, i == 0));
            }
            body.push_str("</details>\n");
        }
    }
    let others: Vec<&&Outcome> = needs.iter().filter(|o| !grouped(o)).collect();
    if !others.is_empty() {
        let heading = if groups.is_empty() {
            "Needing attention"
        } else {
            "Needing attention, each its own cause"
        };
        let _ = writeln!(body, "<h2>{heading} ({})</h2>", others.len());
        for (i, o) in others.iter().enumerate() {
            let open = i < HANDFUL && matches!(o.status, Status::Fail | Status::Error);
            body.push_str(&block(o, open));
        }
    }
    if !passed.is_empty() {
        let _ = writeln!(body, "<h2>Passed ({})</h2>", passed.len());
        for o in &passed {
            body.push_str(&outcome_block(o, &super::anchor(&[&o.id]), false, true));
        }
    }
    body.push_str(FILTER_SCRIPT);
    page(&format!("chat-harness run: {target}"), &body)
}

/// The checkboxes: one per kind present, one per tag present.
fn filter(body: &mut String, summary: &Summary, outcomes: &[Outcome]) {
    body.push_str("<p class=\"filter\">Show kinds: ");
    for kind in Kind::ALL {
        if summary.kinds.get(kind) > 0 {
            let _ = write!(
                body,
                "<label><input type=\"checkbox\" data-by=\"kind\" value=\"{0}\" checked> {0}</label>",
                kind.name()
            );
        }
    }
    let mut tags: Vec<&str> = outcomes
        .iter()
        .flat_map(|o| o.scenario.tags.iter().map(String::as_str))
        .collect();
    tags.sort_unstable();
    tags.dedup();
    if !tags.is_empty() {
        body.push_str("<br>Show tags: ");
        for tag in tags {
            let _ = write!(
                body,
                "<label><input type=\"checkbox\" data-by=\"tag\" value=\"{0}\" checked> {0}</label>",
                escape(tag)
            );
        }
    }
    body.push_str("</p>\n");
}

/// A failure's block with the hint first, then the text report's section and the diagram.
fn block(outcome: &Outcome, open: bool) -> String {
    let id = super::anchor(&[&outcome.id]);
    let mut out = outcome_block(outcome, &id, open, true);
    let tags = escape(&outcome.scenario.tags.join(" "));
    out = out.replacen(
        "<details class=\"result ",
        &format!("<details data-tags=\"{tags}\" class=\"result "),
        1,
    );
    let Some(head) = out.strip_suffix("</div></details>\n") else {
        return out;
    };
    let mut extra = String::new();
    if let Some(hint) = hint_line(outcome) {
        let _ = writeln!(
            extra,
            "<p class=\"hint\"><b>hint:</b> <span class=\"hint-text\">{}</span></p>",
            escape(&hint)
        );
    }
    let section = failure_details(outcome);
    if !section.is_empty() {
        let _ = writeln!(
            extra,
            "<details class=\"section\"><summary>As the text report says it (timeline, causes, hint)</summary><pre>{}</pre></details>",
            super::escape::escape_text(&section)
        );
    }
    if !matches!(outcome.run.verdict, Verdict::Pass) && !outcome.run.timeline.entries.is_empty() {
        let svg = diagram::svg(&outcome.id, &outcome.run, Style { timings: true });
        let _ = writeln!(
            extra,
            "<details class=\"diagram\" open><summary>Sequence diagram</summary><div class=\"diagram-wrap\">{svg}</div></details>"
        );
    }
    // The hint and the diagram before the transcripts: the first things to read.
    let head = match head.find("<h4>") {
        Some(at) => format!("{}{extra}{}", &head[..at], &head[at..]),
        None => format!("{head}{extra}"),
    };
    head + "</div></details>\n"
}
