//! A matrix cut short by a stop signal: the cells that did not run, and the marks that say so
//! on `matrix.html` (a banner) and in `matrix.json` (an `interrupted` member).

use super::MatrixResult;
use crate::report::partial::Interrupted;

/// The cells of `result` that have no outcome, as `implementation: scenario` names.
pub fn not_run(result: &MatrixResult) -> Vec<String> {
    let mut out = Vec::new();
    for grid in &result.grids {
        for (column, cells) in grid.columns.iter().zip(&grid.cells) {
            for (row, cell) in grid.rows.iter().zip(cells) {
                if cell.is_none() {
                    out.push(format!("{}: {}", column.name, row.id));
                }
            }
        }
    }
    out
}

/// `json` (the text of `matrix.json`) with an `interrupted` member: the signal and the cells
/// not run.
pub fn mark_json(json: &str, interrupted: &Interrupted) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_owned();
    };
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "interrupted".to_owned(),
            serde_json::json!({
                "partial": true,
                "signal": interrupted.signal,
                "not_run": interrupted.not_run,
            }),
        );
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| json.to_owned());
    text.push('\n');
    text
}
