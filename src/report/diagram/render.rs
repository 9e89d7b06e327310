//! Draws a [`Layout`] as SVG with maud (every text escaped by the template): lanes, arrows
//! with their labels, write brackets, gaps, marks and the failure box. Arrowheads are
//! polygons, not `<marker>`s, so several diagrams inlined in one page share no ids.

use maud::{html, Markup, PreEscaped};

use super::layout::{Direction, Layout, Row};
use super::Caption;
use crate::record::TimelineLog;

const LEFT: u32 = 64;
const LANE: u32 = 250;
const TOP: u32 = 40;
const ROW: u32 = 26;
const GAP_ROW: u32 = 20;
/// Longest label drawn whole (characters); longer ones end in "…".
const LABEL: usize = 38;
/// Longest line of the failure box.
const BOX_LINE: usize = 110;

const STYLE: &str = "\
.sequence{font:12px ui-monospace,monospace;background:#fff}\
.sequence .party{font-weight:bold;font-size:13px}\
.sequence .lane line{stroke:#999;stroke-dasharray:4 4}\
.sequence .arrow text{paint-order:stroke;stroke:#fff;stroke-width:3px}.sequence .arrow line{stroke:#333}.sequence .arrow polygon{fill:#333}\
.sequence .arrow.received line,.sequence .arrow.file line{stroke:#1e5fa8}\
.sequence .arrow.received polygon,.sequence .arrow.file polygon{fill:#1e5fa8}\
.sequence .arrow.body line,.sequence .arrow.file line{stroke-width:4}\
.sequence .arrow.malformed line,.sequence .arrow.partial line{stroke:#b8860b;stroke-dasharray:6 3}\
.sequence .arrow.failing line{stroke:#c62828;stroke-width:3}.sequence .arrow.failing polygon{fill:#c62828}\
.sequence .arrow.failing text{fill:#c62828;font-weight:bold}\
.sequence .arrow.missing line{stroke-dasharray:5 4}\
.sequence .ms,.sequence .gap text,.sequence .elided text{fill:#777;font-size:11px}\
.sequence .gap rect{fill:#f3f3f3}\
.sequence .write rect{fill:none;stroke:#8e44ad;stroke-width:1.5}.sequence .write text{fill:#8e44ad;font-size:10px}\
.sequence .mark text{font-size:11px}.sequence .mark.reset path,.sequence .mark.closed-by-server path{stroke:#c62828}\
.sequence .mark path{stroke:#333;stroke-width:2.5}\
.sequence .failure rect{fill:#fdecea;stroke:#c62828}.sequence .failure text{fill:#7a1010}";

/// The lane's x.
fn x(lane: usize) -> u32 {
    LEFT + LANE / 2 + LANE * lane as u32
}

fn short(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(most.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The SVG document.
pub fn svg(
    layout: &Layout,
    log: &TimelineLog,
    caption: &Caption<'_>,
    failing_client: Option<&str>,
    timings: bool,
) -> String {
    let width = LEFT + LANE * layout.parties.len() as u32 + 20;
    let mut y = TOP + 26;
    let mut rows: Vec<Markup> = Vec::new();
    // The y of each write group's first and last arrow, to bracket them afterwards.
    let mut writes: Vec<(usize, usize, u32, u32)> = Vec::new();
    let mut failing_drawn = false;
    for row in &layout.rows {
        match row {
            Row::Arrow {
                ms,
                lane,
                direction,
                frames,
                label,
                class,
                write,
                failing,
            } => {
                failing_drawn |= *failing;
                let (from, to) = match direction {
                    Direction::ToServer => (x(*lane), x(0)),
                    Direction::ToClient => (x(0), x(*lane)),
                };
                if let Some(w) = write {
                    match writes.iter_mut().find(|(g, ..)| g == w) {
                        Some(entry) => entry.3 = y,
                        None => writes.push((*w, *lane, y, y)),
                    }
                }
                let class = if *failing {
                    format!("arrow {class} failing")
                } else {
                    format!("arrow {class}")
                };
                let party = &layout.parties[*lane];
                let ms = timings.then_some(*ms);
                rows.push(arrow(&class, ms, from, to, y, label, *frames, party));
                y += ROW;
            }
            Row::Mark {
                ms,
                lane,
                class,
                label,
            } => {
                let cx = x(*lane);
                rows.push(html! {
                    g class=(format!("mark {class}")) data-party=(layout.parties[*lane]) {
                        @if timings { text class="ms" x="4" y=(y + 4) { (ms) " ms" } }
                        path d=(format!("M{} {} l10 10 m0 -10 l-10 10", cx - 5, y - 5)) {}
                        text x=(cx + 10) y=(y + 4) { (short(label, LABEL)) }
                    }
                });
                y += ROW;
            }
            Row::Gap { ms } => {
                rows.push(html! {
                    g class="gap" {
                        rect x=(LEFT) y=(y - 12) width=(width - LEFT - 10) height=(GAP_ROW - 4) {}
                        text x=(LEFT + 6) y=(y) {
                            @if timings { "⋯ " (ms) " ms with nothing sent or received ⋯" }
                            @else { "⋯ a pause ⋯" }
                        }
                    }
                });
                y += GAP_ROW;
            }
            Row::Elided { entries } => {
                rows.push(html! {
                    g class="elided" {
                        text x=(LEFT + 6) y=(y) { "⋯ " (entries) " more entries not drawn ⋯" }
                    }
                });
                y += ROW;
            }
        }
    }
    if let (Some(client), Some((_, step)), false) = (failing_client, caption.step, failing_drawn) {
        if let Some(lane) = layout.parties.iter().skip(1).position(|p| p == client) {
            let label = format!("expected: {step}");
            let class = "arrow missing failing";
            let last_ms = log.entries.last().map(|e| e.at.as_millis());
            let last_ms = last_ms.filter(|_| timings);
            rows.push(arrow(
                class,
                last_ms,
                x(0),
                x(lane + 1),
                y,
                &label,
                0,
                client,
            ));
            y += ROW;
        }
    }
    let lines = failure_lines(caption);
    let box_height = if lines.is_empty() {
        0
    } else {
        18 * lines.len() as u32 + 14
    };
    let lanes_end = y;
    let height = y + box_height + 16;
    let markup = html! {
        svg xmlns="http://www.w3.org/2000/svg" class="sequence" width=(width) height=(height)
            viewBox=(format!("0 0 {width} {height}")) role="img"
            aria-label=(format!("sequence diagram of {}", caption.title)) {
            title { "sequence diagram of " (caption.title) }
            style { (PreEscaped(STYLE)) }
            text class="title" x="4" y="16" { (caption.title) }
            @for (i, party) in layout.parties.iter().enumerate() {
                g class="lane" data-party=(party) {
                    text class="party" x=(x(i)) y=(TOP) text-anchor="middle" { (party) }
                    line x1=(x(i)) y1=(TOP + 6) x2=(x(i)) y2=(lanes_end) {}
                }
            }
            @for (group, lane, top, bottom) in &writes {
                @let frames = log.writes.get(*group).map_or(0, |w| w.frames);
                @let writes_taken = log.writes.get(*group).map_or(1, |w| w.writes);
                @let bx = x(*lane) + 6;
                g class="write" data-frames=(frames) {
                    rect x=(bx) y=(top - 14) width="8" height=(bottom - top + 20) {}
                    text x=(bx + 12) y=(top - 2) {
                        (frames) " frames in " (writes_taken) @if writes_taken == 1 { " write" } @else { " writes" }
                    }
                }
            }
            @for row in &rows { (row) }
            @if !lines.is_empty() {
                g class="failure" {
                    rect x="4" y=(lanes_end + 4) width=(width - 12) height=(box_height) rx="4" {}
                    @for (i, line) in lines.iter().enumerate() {
                        text x="12" y=(lanes_end + 22 + 18 * i as u32) { (line) }
                    }
                }
            }
        }
    };
    markup.into_string()
}

/// One arrow: its time, its line and head, and its label above the line.
#[allow(clippy::too_many_arguments)]
fn arrow(
    class: &str,
    ms: Option<u128>,
    from: u32,
    to: u32,
    y: u32,
    label: &str,
    frames: usize,
    party: &str,
) -> Markup {
    let head = if to > from {
        format!("{},{} {},{} {},{}", to, y, to - 8, y - 4, to - 8, y + 4)
    } else {
        format!("{},{} {},{} {},{}", to, y, to + 8, y - 4, to + 8, y + 4)
    };
    let mid = from.min(to) + from.abs_diff(to) / 2;
    html! {
        g class=(class) data-frames=(frames) data-party=(party) {
            @if let Some(ms) = ms { text class="ms" x="4" y=(y + 4) { (ms) " ms" } }
            line x1=(from) y1=(y) x2=(to) y2=(y) {}
            polygon points=(head) {}
            text x=(mid) y=(y - 4) text-anchor="middle" { title { (label) } (short(label, LABEL)) }
        }
    }
}

/// The failure box's lines: the step, the statement, expected against got, the reason.
fn failure_lines(caption: &Caption<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some((line, step)) = caption.step {
        lines.push(format!("failed at line {line}: {step}"));
    }
    if let Some(statement) = caption.statement {
        lines.push(format!("statement: {statement}"));
    }
    if let Some(expected_got) = &caption.expected_got {
        lines.push(expected_got.clone());
    }
    if let Some(reason) = caption.reason {
        lines.push(reason.to_owned());
    }
    lines.iter().map(|l| short(l, BOX_LINE)).collect()
}
