//! HTML reports: one self-contained page (inline CSS, no external assets, readable without
//! JavaScript: failures unfold with `<details>`; a few lines of inline script only add
//! filtering). [`run_page`] renders `chat-harness run --html`; [`outcome_block`], [`STYLE`]
//! and [`page`] are shared with the interoperability matrix's page.

mod block;
mod escape;
mod rich;

use std::fmt::Write as _;

pub use block::{css_class, label, outcome_block};
pub use escape::{anchor, escape};
pub use rich::run_page;

use crate::scenario::suite::{Kind, Summary};

/// The pages' style sheet: sticky table headers, wrapped `<pre>`, the colours of an unexpected
/// pass; the colour of each outcome kind comes from its row ([`kind_styles`]).
pub const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fff}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}
h4{margin:.6em 0 .2em;font-size:1em}
code,pre{font:12px/1.35 ui-monospace,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;border:1px solid #ddd;padding:.4em;margin:.2em 0;max-height:30em;overflow:auto}
.meta{color:#555}
.counts span{display:inline-block;margin:.1em .3em .1em 0;padding:.1em .5em;border-radius:3px}
details.result{border:1px solid #ccc;border-left-width:6px;margin:.25em 0;padding:.2em .5em}
details.result>summary{cursor:pointer}
details.result .body{padding:.3em 0 .3em 1em}
.desc{color:#555}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.4em 0}
dt{font-weight:bold;color:#444}dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;min-width:4.5em;text-align:center;border-radius:3px;padding:0 .3em;font-weight:bold}
.replay{background:#fffbe6;padding:.1em .3em;user-select:all}
.k-xpass{--bg:#b9e4f5;--edge:#1e7fa8}
.badge,.counts span,table.grid td{background-color:var(--bg,#fff);color:var(--fg,#222)}
details.result{border-left:6px solid var(--edge,#ccc)}
.expected{background-image:repeating-linear-gradient(135deg,transparent 0 4px,rgba(255,255,255,.6) 4px 8px)}
.grid-wrap{overflow:auto;max-height:85vh;border:1px solid #ccc}
table.grid{border-collapse:separate;border-spacing:0}
table.grid th,table.grid td{border-right:1px solid #fff;border-bottom:1px solid #fff;padding:0;text-align:center;font-size:12px}
table.grid thead th{position:sticky;top:0;background:#eee;z-index:2;vertical-align:bottom;padding:.2em .3em;max-width:9em;overflow-wrap:break-word}
table.grid th.row{position:sticky;left:0;background:#f4f4f4;z-index:1;text-align:left;padding:0 .5em;white-space:nowrap;font-weight:normal}
table.grid thead th.corner{left:0;z-index:3}
table.grid td a,table.grid td span{display:block;min-width:3.2em;padding:.15em .2em;color:inherit;text-decoration:none}
table.grid tfoot td,table.grid tfoot th{background:#eee;position:sticky;bottom:0}
.filter label{margin-right:.8em}
"#;

/// A whole page: `<head>` with the style sheet, then `body` (already HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>{STYLE}{}</style></head>\n<body>\n{body}</body></html>\n",
        escape(title),
        kind_styles()
    )
}

/// A CSS rule per outcome kind (`.k-NAME`), from its row in the table of kinds.
pub fn kind_styles() -> String {
    let mut css = String::new();
    for row in &crate::scenario::kind::KINDS {
        let c = row.colours;
        let text = c.text.map(|t| format!(";--fg:{t}")).unwrap_or_default();
        let _ = writeln!(
            css,
            ".k-{}{{--bg:{}{text};--edge:{}}}",
            row.name, c.background, c.edge
        );
    }
    css
}

/// Badges with the count of each kind that occurred (and of known and unexpected results).
pub fn counts_line(summary: &Summary) -> String {
    let mut out = String::from("<p class=\"counts\">");
    for kind in Kind::ALL {
        let n = summary.kinds.get(kind);
        if n > 0 {
            let _ = write!(
                out,
                "<span class=\"k-{}\">{}</span>",
                kind.name(),
                escape(&summary.kinds.shown(&summary.expected_kinds, kind))
            );
        }
    }
    let _ = writeln!(
        out,
        " — {} passed, {} failed, {} expected failures, {} unexpected passes, {} errors</p>",
        summary.passed,
        summary.failed,
        summary.expected_failures,
        summary.unexpected_passes,
        summary.errors
    );
    out
}
