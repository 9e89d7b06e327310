//! JSON lines: one object per scenario, then one summary object. Field names are stable.

use serde::Serialize;
use serde_json::json;

use super::Style;
use crate::record::Verdict;
use crate::scenario::shared_cause::SharedDeviation;
use crate::scenario::suite::{Outcome, Summary};

#[derive(Serialize)]
struct FailureJson<'a> {
    kind: crate::record::FailKind,
    file: String,
    line: usize,
    step: &'a str,
    iteration: Option<u32>,
    client: Option<&'a str>,
    reason: &'a str,
    actual: Option<&'a str>,
    actual_hex: Option<&'a str>,
    deviation: Option<crate::record::Deviation>,
    skipped: Option<crate::record::Skipped>,
}

/// One scenario as a JSON object on one line.
pub fn scenario_json(outcome: &Outcome, style: Style) -> String {
    let path = crate::scenario::embedded::display_path(&outcome.scenario.path);
    let failure = match &outcome.run.verdict {
        Verdict::Fail(f) => Some(FailureJson {
            kind: f.kind,
            file: path.clone(),
            line: f.line,
            step: &f.step,
            iteration: f.iteration,
            client: f.client.as_deref(),
            reason: &f.reason,
            actual: f.actual.as_deref(),
            actual_hex: f.actual_hex.as_deref(),
            deviation: f.deviation,
            skipped: f.skipped,
        }),
        _ => None,
    };
    let error = match &outcome.run.verdict {
        Verdict::Error(e) => Some(e.as_str()),
        _ => None,
    };
    let failed = failure.is_some() || error.is_some();
    let transcripts: serde_json::Map<String, serde_json::Value> = if failed {
        outcome
            .run
            .transcripts
            .iter()
            .map(|(c, lines)| (c.clone(), json!(lines)))
            .collect()
    } else {
        serde_json::Map::new()
    };
    // The timeline is time itself: left out of reproducible output, like `duration_ms`.
    let log = &outcome.run.timeline;
    let timeline = (failed && style.timings && !log.entries.is_empty()).then(|| {
        json!({
            "entries": log.entries,
            "dropped": log.dropped,
            "writes": log.writes,
            "failing_step_starts": outcome.run.failed_at,
            // The entries every report shows whatever its window (the same as the text's).
            "evidence": super::evidence_rows(outcome),
        })
    });
    let warnings: Vec<_> = outcome
        .run
        .warnings
        .iter()
        .map(|w| json!({"line": w.line, "message": w.message}))
        .collect();
    let mut value = json!({
        "type": "scenario",
        "id": outcome.id,
        "path": path,
        "description": outcome.scenario.description,
        "tags": outcome.scenario.tags,
        "status": outcome.status,
        "kind": outcome.kind,
        "attempts": outcome.attempts,
        "replay": failed.then_some(outcome.replay.as_str()),
        "server_exit": outcome.run.server_exit,
        "still_accepting": outcome.run.still_accepting,
        "expected_failure_reason": outcome.expected_reason,
        "duration_ms": style.timings.then_some(outcome.duration.as_millis() as u64),
        "warnings": warnings,
        "failure": failure,
        "error": error,
        "transcripts": transcripts,
        "timeline": timeline,
        "server_stderr": outcome.server_stderr,
    });
    if !outcome.scenario.checks.is_empty() {
        // The statements the scenario checks, quoted (left out when it names none).
        let checks: Vec<_> = crate::statements::quoted(&outcome.scenario.checks)
            .into_iter()
            .map(|(id, text)| json!({"id": id, "text": text}))
            .collect();
        value["checks"] = json!(checks);
    }
    if !outcome.names.is_empty() {
        // On a shared server (`run --target`): the names the scenario's clients used.
        let names: serde_json::Map<String, serde_json::Value> = outcome
            .names
            .iter()
            .map(|(old, new)| (old.clone(), json!(new)))
            .collect();
        value["names"] = serde_json::Value::Object(names);
    }
    format!("{value}\n")
}

/// The summary as a JSON object on one line, with the first deviations shared by several
/// failures.
pub fn summary_json(summary: &Summary, shared: &[SharedDeviation]) -> String {
    format!(
        "{}\n",
        json!({
            "type": "summary",
            "suite_version": crate::scenario::embedded::version(),
            "counts": summary,
            "shared_first_deviations": shared,
            "exit_code": summary.exit_code(),
        })
    )
}
