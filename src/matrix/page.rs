//! `matrix.html`: one self-contained page with a grid per suite (scenarios down, implementations
//! across, headers that stay in view while scrolling; clients down and servers across for
//! interop), each cell coloured by outcome and, when it did not pass, linking to its details:
//! the same blocks as `chat-harness run --html`.

use std::fmt::Write as _;

use super::{Grid, MatrixResult, Suite};
use crate::record::Verdict;
use crate::report::html::{anchor, counts_line, css_class, escape, label, outcome_block, page};
use crate::scenario::suite::{Kind, Outcome, Status, Summary};

/// Bytes of details blocks rendered in full; the blocks after that leave out their hex dumps
/// and transcripts (their replay lines bring them back), so that a page of thirty
/// implementations that all fail stays a few megabytes.
const DETAILS_BUDGET: usize = 3_000_000 / 2;

/// The fragment id of a cell's details.
pub fn cell_anchor(grid: &Grid, column: usize, row: usize) -> String {
    let suite = format!("{:?}", grid.suite).to_lowercase();
    anchor(&[&suite, &grid.columns[column].name, &grid.rows[row].id])
}

/// The whole page.
pub fn matrix_page(result: &MatrixResult, timings: bool) -> String {
    matrix_page_with(result, timings, &|_, _| None)
}

/// A details block already rendered (by [`outcome_block`], on the runner that ran the cell),
/// by the cell's anchor and whether it is the full form: `matrix merge` has no transcripts.
pub type Blocks<'a> = &'a dyn Fn(&str, bool) -> Option<String>;

/// The whole page, taking each cell's details block from `blocks` where it has one.
pub fn matrix_page_with(result: &MatrixResult, timings: bool, blocks: Blocks<'_>) -> String {
    let all: Vec<Outcome> = result
        .grids
        .iter()
        .flat_map(|g| g.cells.iter().flatten().flatten().cloned())
        .collect();
    let mut body = String::new();
    body.push_str("<h1>chat-harness matrix</h1>\n<p class=\"meta\">");
    let _ = write!(body, "Matrix file: <b>{}</b>", escape(&result.file));
    let version = crate::scenario::embedded::version();
    let _ = write!(body, "<br>Suite: {}", escape(&version));
    if timings {
        let _ = write!(
            body,
            "<br>Date: {}<br>Took {:.1} s",
            escape(&result.date),
            result.duration.as_secs_f64()
        );
    }
    let _ = writeln!(body, "<br>{} cells</p>", all.len());
    body.push_str(&counts_line(&Summary::of(&all)));
    body.push_str(&legend());
    for grid in &result.grids {
        match grid.suite {
            Suite::Interop => body.push_str(&pairs_table(grid)),
            _ => body.push_str(&grid_table(grid)),
        }
    }
    let mut budget = DETAILS_BUDGET;
    for grid in &result.grids {
        body.push_str(&grid_details(grid, &mut budget, blocks));
    }
    page("chat-harness matrix", &body)
}

fn legend() -> String {
    let mut out = String::from("<p class=\"counts\">Legend: ");
    for kind in Kind::ALL {
        let _ = write!(out, "<span class=\"k-{0}\">{0}</span>", kind.name());
    }
    out.push_str(
        "<span class=\"k-fail expected\">xfail</span> (a known failure from the implementation's \
`expect` file) <span class=\"k-xpass\">XPASS</span> (passes although listed as known). \
A cell that did not pass links to its details.</p>\n",
    );
    out
}

/// The fragment id of a client × server pair's details.
pub fn pair_anchor(grid: &Grid, column: usize) -> String {
    anchor(&["interop", &grid.columns[column].name])
}

/// The interop grid: clients down, servers across; a cell counts the pair's passes, takes the
/// colour of its worst result, and links to the pair's details.
fn pairs_table(grid: &Grid) -> String {
    let mut clients: Vec<&str> = Vec::new();
    let mut servers: Vec<&str> = Vec::new();
    for column in &grid.columns {
        let (Some(client), Some(server)) = (&column.client, &column.server) else {
            continue;
        };
        if !clients.contains(&client.as_str()) {
            clients.push(client);
        }
        if !servers.contains(&server.as_str()) {
            servers.push(server);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<h2>{} <small>({} scenarios on each of {} pairs: {})</small></h2>",
        grid.suite.title(),
        grid.rows.len(),
        grid.columns.len(),
        escape(
            &grid
                .rows
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    out.push_str("<div class=\"grid-wrap\"><table class=\"grid\"><thead><tr><th class=\"corner\">client \\ server</th>");
    for server in &servers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(server));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for client in &clients {
        let _ = write!(
            out,
            "<tr><th class=\"row\" scope=\"row\">{}</th>",
            escape(client)
        );
        for server in &servers {
            let found = grid.columns.iter().position(|c| {
                c.client.as_deref() == Some(*client) && c.server.as_deref() == Some(*server)
            });
            let Some(c) = found else {
                out.push_str("<td></td>");
                continue;
            };
            let outcomes: Vec<&Outcome> = grid.cells[c].iter().flatten().collect();
            let passed = outcomes
                .iter()
                .filter(|o| o.kind == Kind::Pass && o.status == Status::Pass)
                .count();
            let worst = outcomes
                .iter()
                .filter(|o| !(o.kind == Kind::Pass && o.status == Status::Pass))
                .min_by_key(|o| {
                    (
                        !matches!(o.status, Status::Fail | Status::Error),
                        o.kind == Kind::Pass,
                    )
                });
            let class = worst.map_or_else(|| "k-pass".to_owned(), |o| css_class(o.kind, o.status));
            let _ = write!(
                out,
                "<td class=\"{class}\"><a href=\"#{}\">{passed}/{}</a></td>",
                pair_anchor(grid, c),
                grid.rows.len()
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    out
}

fn grid_table(grid: &Grid) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<h2>{} <small>({} scenarios × {} implementations)</small></h2>",
        grid.suite.title(),
        grid.rows.len(),
        grid.columns.len()
    );
    out.push_str("<div class=\"grid-wrap\"><table class=\"grid\"><thead><tr><th class=\"corner\">scenario</th>");
    for column in &grid.columns {
        let _ = write!(
            out,
            "<th scope=\"col\" title=\"{}\">{}</th>",
            escape(&column.description),
            escape(&column.name)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in grid.rows.iter().enumerate() {
        let title = row.description.as_deref().unwrap_or_default();
        let _ = write!(
            out,
            "<tr><th class=\"row\" scope=\"row\" title=\"{}\">{}</th>",
            escape(title),
            escape(&row.id)
        );
        for c in 0..grid.columns.len() {
            match grid.cells[c][r].as_ref() {
                Some(o) if o.status == Status::Pass && o.kind == Kind::Pass => {
                    out.push_str("<td class=\"k-pass\"><span>pass</span></td>");
                }
                Some(o) => {
                    let _ = write!(
                        out,
                        "<td class=\"{}\" data-kind=\"{}\" title=\"{}\"><a href=\"#{}\">{}</a></td>",
                        css_class(o.kind, o.status),
                        o.kind.name(),
                        escape(&cell_title(o)),
                        cell_anchor(grid, c, r),
                        label(o.kind, o.status)
                    );
                }
                None => out.push_str("<td class=\"k-error\"><span>none</span></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody><tfoot><tr><th class=\"row\">passed</th>");
    for outcomes in &grid.cells {
        let present: Vec<Outcome> = outcomes.iter().flatten().cloned().collect();
        let s = Summary::of(&present);
        let _ = write!(
            out,
            "<td>{}/{}</td>",
            s.kinds.get(Kind::Pass),
            outcomes.len()
        );
    }
    out.push_str("</tr><tr class=\"levels\"><th class=\"row\">by level</th>");
    for grade in super::grades::grid_grades(grid, &Default::default()) {
        let _ = write!(
            out,
            "<td>{}</td>",
            escape(&super::grades::levels_line(&grade))
        );
    }
    out.push_str("</tr></tfoot></table></div>\n");
    out
}

/// A cell's tooltip: its kind and the first line of why.
fn cell_title(o: &Outcome) -> String {
    let why = match &o.run.verdict {
        Verdict::Fail(f) => format!("line {}: {}", f.line, f.reason),
        Verdict::Error(e) => e.clone(),
        Verdict::Pass => String::new(),
    };
    let why = why
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(160)
        .collect::<String>();
    match o.status {
        Status::Xfail => format!("{} (known failure): {why}", o.kind.name()),
        _ => format!("{}: {why}", o.kind.name()),
    }
}

fn grid_details(grid: &Grid, budget: &mut usize, blocks: Blocks<'_>) -> String {
    let mut out = String::new();
    for (c, column) in grid.columns.iter().enumerate() {
        let needing: Vec<(usize, &Outcome)> = grid.cells[c]
            .iter()
            .enumerate()
            .filter_map(|(r, o)| o.as_ref().map(|o| (r, o)))
            .filter(|(_, o)| o.status != Status::Pass || o.kind != Kind::Pass)
            .collect();
        let present: Vec<Outcome> = grid.cells[c].iter().flatten().cloned().collect();
        let id = match grid.suite {
            Suite::Interop => format!(" id=\"{}\"", pair_anchor(grid, c)),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "<h2{id}>{}: {}</h2>\n<p class=\"meta\">{}</p>",
            grid.suite.title(),
            escape(&column.name),
            escape(&column.description)
        );
        out.push_str(&counts_line(&Summary::of(&present)));
        for (r, outcome) in needing {
            let (anchor, full) = (cell_anchor(grid, c, r), *budget > 0);
            let block = blocks(&anchor, full)
                .unwrap_or_else(|| outcome_block(outcome, &anchor, false, full));
            *budget = budget.saturating_sub(block.len());
            out.push_str(&block);
        }
    }
    out
}
