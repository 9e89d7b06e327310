//! The numbered statements of docs/PROTOCOL.md (`**[6.1.4]** ...`), read from the copy built
//! into the binary: each id with its text and the seat it binds, and the statements that no
//! scenario can check with the reason (docs/unchecked-statements.toml). Scenarios name the ids
//! they check in a `checks:` line; reports show a failed scenario's statements, and
//! `chat-harness scenarios coverage` lists which scenarios check which statement.

use std::collections::BTreeMap;

pub mod coverage;

/// docs/PROTOCOL.md as built into the binary.
pub const PROTOCOL: &str = include_str!("../docs/PROTOCOL.md");

/// docs/unchecked-statements.toml as built into the binary.
pub const UNCHECKED: &str = include_str!("../docs/unchecked-statements.toml");

/// Who a statement binds, hence which scenarios can check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seat {
    /// A server (checked by server scenarios, where the harness plays the clients).
    Server,
    /// A client program (checked by client or interop scenarios).
    Client,
}

impl Seat {
    /// `server` or `client`.
    pub fn name(self) -> &'static str {
        match self {
            Seat::Server => "server",
            Seat::Client => "client",
        }
    }
}

/// One numbered statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The id, e.g. `6.1.4`.
    pub id: String,
    /// Its text as written (a paragraph, a bullet or a table row), markdown left in, on one
    /// line.
    pub text: String,
    /// Who it binds: §9 (the client contract) and the empty-file rule (4.5) bind a client.
    pub seat: Seat,
}

impl Statement {
    /// The text cut to about `max` characters at a word boundary, with `…` when cut.
    pub fn short(&self, max: usize) -> String {
        let text = self.text.replace("**", "").replace('`', "");
        if text.chars().count() <= max {
            return text;
        }
        let cut: String = text.chars().take(max).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
        format!("{cut} …")
    }
}

/// ` (checks [6.1.4] text; [6.1.5] text)` for a one-line message, or nothing when `ids` is
/// empty.
pub fn suffix(ids: &[String]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = quoted(ids)
        .into_iter()
        .map(|(id, text)| format!("[{id}] {text}"))
        .collect();
    format!(" (checks {})", quoted.join("; "))
}

/// Every statement of `markdown` in document order, and the ids defined more than once.
pub fn parse(markdown: &str) -> (Vec<Statement>, Vec<String>) {
    let mut statements: Vec<Statement> = Vec::new();
    let mut duplicates = Vec::new();
    let mut current: Option<Statement> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let unit_start = trimmed.starts_with("- ") || trimmed.starts_with("| ");
        if let Some(open) = current.as_mut() {
            let continues = !trimmed.is_empty() && !unit_start && !open.text.starts_with('|');
            if continues {
                open.text.push(' ');
                open.text.push_str(trimmed);
                continue;
            }
            statements.extend(current.take());
        }
        let Some((id, rest)) = statement_start(trimmed) else {
            continue;
        };
        if statements.iter().any(|s| s.id == id) && !duplicates.contains(&id) {
            duplicates.push(id.clone());
        }
        let seat = if id.starts_with("9.") || id == "4.5" {
            Seat::Client
        } else {
            Seat::Server
        };
        current = Some(Statement {
            id,
            text: rest.trim().to_owned(),
            seat,
        });
    }
    statements.extend(current);
    (statements, duplicates)
}

/// `(id, text after the id)` when `line` starts a statement: `**[id]**` at its start, after a
/// bullet's `- ` or a table row's `| `.
fn statement_start(line: &str) -> Option<(String, String)> {
    let body = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("| "))
        .unwrap_or(line);
    let rest = body.strip_prefix("**[")?;
    let (id, rest) = rest.split_once("]**")?;
    let valid = !id.is_empty()
        && id
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
    valid.then(|| {
        let rest = rest.trim_start();
        let rest = if line.starts_with("| ") {
            rest.trim_end_matches('|').trim_end()
        } else {
            rest
        };
        (id.to_owned(), rest.to_owned())
    })
}

/// The statements of the built-in docs/PROTOCOL.md.
pub fn all() -> Vec<Statement> {
    built_in().to_vec()
}

fn built_in() -> &'static [Statement] {
    static ALL: std::sync::OnceLock<Vec<Statement>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| parse(PROTOCOL).0)
}

/// The built-in statement with this id.
pub fn find(id: &str) -> Option<Statement> {
    built_in().iter().find(|s| s.id == id).cloned()
}

/// How far a report quotes a statement.
pub const QUOTED: usize = 140;

/// `(id, text)` for each id a scenario checks, the text cut to [`QUOTED`] characters; an id
/// the built-in document lacks says so. For the reports of a failure.
pub fn quoted(ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .map(|id| {
            let text = find(id).map_or_else(
                || "(not a statement of docs/PROTOCOL.md)".to_owned(),
                |s| s.short(QUOTED),
            );
            (id.clone(), text)
        })
        .collect()
}

/// The statements no scenario can check, each with the reason, from the built-in
/// docs/unchecked-statements.toml (`"2.5" = "reason"` under `[unchecked]`).
pub fn unchecked() -> Result<BTreeMap<String, String>, String> {
    #[derive(serde::Deserialize)]
    struct File {
        unchecked: BTreeMap<String, String>,
    }
    toml::from_str::<File>(UNCHECKED)
        .map(|f| f.unchecked)
        .map_err(|e| format!("docs/unchecked-statements.toml: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bullets_paragraphs_and_rows_are_statements() {
        let text = "# T\n\n- **[1.1]** A bullet\n  that goes on.\n- not one\n\n\
                    **[1.2]** A paragraph.\n\n| **[1.3]** a row | b |\n| **[1.1]** again |\n";
        let (statements, duplicates) = parse(text);
        let ids: Vec<_> = statements.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["1.1", "1.2", "1.3", "1.1"]);
        assert_eq!(statements[0].text, "A bullet that goes on.");
        assert_eq!(statements[2].text, "a row | b");
        assert_eq!(duplicates, ["1.1"]);
    }

    #[test]
    fn the_built_in_document_has_unique_ids_and_reasons_for_known_ids() {
        let (statements, duplicates) = parse(PROTOCOL);
        assert!(statements.len() > 50, "{}", statements.len());
        assert!(duplicates.is_empty(), "defined twice: {duplicates:?}");
        for id in unchecked().expect("the table parses").keys() {
            assert!(
                statements.iter().any(|s| &s.id == id),
                "docs/unchecked-statements.toml names {id}, which PROTOCOL.md lacks"
            );
        }
    }

    #[test]
    fn short_cuts_at_a_word() {
        let s = Statement {
            id: "x".into(),
            text: "**one** two three four".into(),
            seat: Seat::Server,
        };
        assert_eq!(s.short(9), "one two …");
        assert_eq!(s.short(100), "one two three four");
    }
}
