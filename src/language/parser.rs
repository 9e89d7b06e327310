//! Turns the text of a `.chat` file into a [`Scenario`]: header lines, blocks (`repeat`),
//! client statements; sends and expectations are read by `parse_send` and `parse_expect`.

use std::cell::Cell;
use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;

use super::client_parse;
use super::client_script::{self, ClientScript, SeatStep};
use super::cursor::{parse_duration, Cursor, DATA_BUDGET};
use super::error::ParseError;
use super::lexer::{logical_lines, tokenize, Line, TokenKind};
use super::model::{Action, Step, SETTLE};
use super::scenario::{Scenario, Subject};
use super::server_limits::ServerLimits;
use super::{parse_expect, parse_send};

/// Most steps a scenario may unroll to (a guard against `repeat` blow-ups).
pub const MAX_STEPS: usize = 200_000;
/// Most iterations of one `repeat`.
pub const MAX_REPEAT: u32 = 100_000;

/// Reads and parses a scenario file.
pub fn parse_file(path: &Path) -> Result<Scenario, ParseError> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| ParseError::file(path, format!("cannot read: {e}")))?;
    parse_str(&source, path)
}

/// Parses scenario text; `path` names it in errors and locates `files/`.
pub fn parse_str(source: &str, path: &Path) -> Result<Scenario, ParseError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut parser = Parser {
        scenario: Scenario {
            path: path.to_owned(),
            description: None,
            tags: Vec::new(),
            checks: Vec::new(),
            timeout: None,
            server_limits: None,
            steps: Vec::new(),
            subject: Subject::Server,
        },
        dir,
        clients: HashSet::new(),
        budget: Rc::new(Cell::new(DATA_BUDGET)),
        seat: None,
    };
    let lines = logical_lines(source);
    parser.block(&lines, None).map_err(|e| ParseError {
        path: path.to_owned(),
        ..e
    })?;
    if let Some(script) = parser.seat {
        parser.scenario.subject = Subject::Client(Box::new(script));
    }
    Ok(parser.scenario)
}

struct Parser<'a> {
    scenario: Scenario,
    dir: &'a Path,
    clients: HashSet<String>,
    budget: Rc<Cell<usize>>,
    /// Set by `tests: client`: the steps then belong to a client scenario.
    seat: Option<ClientScript>,
}

fn opens_block(line: &Line) -> bool {
    line.text.trim_start().starts_with("repeat")
}

/// The index of the line that closes the block opened on `lines[open]`.
fn block_end(lines: &[Line], open: usize) -> Result<usize, ParseError> {
    let mut depth = 0usize;
    for (i, line) in lines.iter().enumerate().skip(open) {
        let tokens = tokenize(line)?;
        if tokens.last().map(|t| &t.kind) == Some(&TokenKind::Open) {
            depth += 1;
        } else if tokens.len() == 1 && tokens[0].kind == TokenKind::Close {
            depth -= 1;
            if depth == 0 {
                return Ok(i);
            }
        }
    }
    let line = &lines[open];
    Err(ParseError::at(
        line,
        line.text.chars().count(),
        "this `{` is never closed: add a line with `}`",
    ))
}

impl Parser<'_> {
    fn block(&mut self, lines: &[Line], iteration: Option<u32>) -> Result<(), ParseError> {
        let mut i = 0;
        while i < lines.len() {
            // `{i}` is the iteration of the innermost `repeat`; nested blocks substitute their
            // own, so only lines of this level are rewritten here.
            let substituted;
            let line = match iteration {
                Some(k) if lines[i].text.contains("{i}") && !opens_block(&lines[i]) => {
                    substituted = Line {
                        number: lines[i].number,
                        text: lines[i].text.replace("{i}", &k.to_string()),
                    };
                    &substituted
                }
                _ => &lines[i],
            };
            i += 1;
            if self.header(line)? {
                continue;
            }
            let tokens = tokenize(line)?;
            let budget = self.budget.clone();
            let mut cur = Cursor::new(line, &tokens, self.dir, &budget);
            match cur.peek() {
                None => continue,
                Some(TokenKind::Close) => return Err(cur.error("this `}` closes no block")),
                _ => {}
            }
            if cur.eat("repeat") {
                i = self.repeat(&mut cur, lines, i)?;
                continue;
            }
            self.line_steps(&mut cur, line, iteration)?;
        }
        Ok(())
    }

    /// `repeat N {`: runs the block's lines (up to the matching `}`) N times, each with its
    /// iteration for `{i}`; returns the index of the line after the block.
    fn repeat(
        &mut self,
        cur: &mut Cursor<'_>,
        lines: &[Line],
        i: usize,
    ) -> Result<usize, ParseError> {
        let count: u32 = cur.int("repeat count")?;
        if count > MAX_REPEAT {
            return Err(cur.error_back(format!("at most {MAX_REPEAT} repetitions")));
        }
        if !cur.eat_kind(&TokenKind::Open) {
            return Err(cur.error("expected `{` to open the block to repeat"));
        }
        cur.end()?;
        let end = block_end(lines, i - 1)?;
        for k in 1..=count {
            self.block(&lines[i..end], Some(k))?;
        }
        Ok(end + 1)
    }

    /// The steps of one statement line: a peer's in an interop scenario, the client seat's in
    /// a client scenario, the scenario's own otherwise.
    fn line_steps(
        &mut self,
        cur: &mut Cursor<'_>,
        line: &Line,
        iteration: Option<u32>,
    ) -> Result<(), ParseError> {
        let source = line
            .text
            .split(" #")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let too_many = |cur: &Cursor<'_>| {
            cur.error(format!(
                "the scenario unrolls to more than {MAX_STEPS} steps"
            ))
        };
        if self.seat.as_ref().is_some_and(|s| s.interop) && client_parse::interop_peer(cur)? {
            let actions = self.statement(cur)?;
            let seat = self.seat.get_or_insert_with(ClientScript::default);
            for action in actions {
                if seat.steps.len() >= MAX_STEPS {
                    return Err(too_many(cur));
                }
                seat.steps.push(SeatStep {
                    line: line.number,
                    source: source.clone(),
                    iteration,
                    action: client_script::SeatAction::Peer(action),
                });
            }
            return Ok(());
        }
        if let Some(seat) = self.seat.as_mut() {
            let action = client_parse::statement(cur)?;
            if seat.steps.len() >= MAX_STEPS {
                return Err(too_many(cur));
            }
            seat.steps.push(SeatStep {
                line: line.number,
                source,
                iteration,
                action,
            });
            return Ok(());
        }
        for action in self.statement(cur)? {
            if self.scenario.steps.len() >= MAX_STEPS {
                return Err(too_many(cur));
            }
            self.scenario.steps.push(Step {
                line: line.number,
                source: source.clone(),
                iteration,
                action,
            });
        }
        Ok(())
    }

    /// Handles `description:`, `tags:`, `checks:`, `timeout:` and `server-limits:` lines (and
    /// the client seat's); false for anything else.
    fn header(&mut self, line: &Line) -> Result<bool, ParseError> {
        let text = line.text.trim_start();
        let Some((key, value)) = text.split_once(':') else {
            return Ok(false);
        };
        let value_col = line.text.chars().count() - value.trim_start().chars().count() + 1;
        let value = value.trim();
        match key {
            "description" => self.scenario.description = Some(value.to_owned()),
            "tags" => {
                let value = value.split('#').next().unwrap_or_default();
                self.scenario
                    .tags
                    .extend(value.split_whitespace().map(str::to_owned));
            }
            "checks" => {
                let value = value.split('#').next().unwrap_or_default();
                self.scenario
                    .checks
                    .extend(value.split_whitespace().map(str::to_owned));
            }
            "timeout" => {
                let value = value.split('#').next().unwrap_or_default().trim();
                let timeout = parse_duration(value).ok_or_else(|| {
                    ParseError::at(
                        line,
                        value_col,
                        format!("`{value}` is not a duration (e.g. 2s)"),
                    )
                })?;
                self.scenario.timeout = Some(timeout);
            }
            "server-limits" => {
                let value = value.split('#').next().unwrap_or_default().trim();
                let limits =
                    ServerLimits::parse(value).map_err(|e| ParseError::at(line, value_col, e))?;
                self.scenario.server_limits = Some(limits);
            }
            "tests" | "timezone" => {
                let started = !self.scenario.steps.is_empty() || !self.clients.is_empty();
                client_parse::header(&mut self.seat, self.dir, started, line, key, value)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn client(&self, cur: &mut Cursor<'_>) -> Result<String, ParseError> {
        let name = cur.expect_word("a client name")?;
        if !self.clients.contains(name) {
            return Err(cur.error_back(format!(
                "unknown client `{name}`: connect it first (`connect {name}`)"
            )));
        }
        Ok(name.to_owned())
    }

    fn statement(&mut self, cur: &mut Cursor<'_>) -> Result<Vec<Action>, ParseError> {
        match (cur.peek(), cur.peek_at(1)) {
            (Some(TokenKind::Word(_)), Some(TokenKind::Gt)) => {
                let client = self.client(cur)?;
                cur.bump();
                return parse_send::send(cur, client).map(|s| vec![Action::Send(s)]);
            }
            (Some(TokenKind::Word(_)), Some(TokenKind::Lt)) => {
                let client = self.client(cur)?;
                cur.bump();
                return parse_expect::expect(cur, client).map(|e| vec![Action::Expect(e)]);
            }
            _ => {}
        }
        let verb = cur.expect_word("a statement")?;
        let mut actions = Vec::new();
        match verb {
            "connect" => {
                while let Some(name) = cur.peek_word() {
                    if !name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                    {
                        return Err(cur.error("a client name is letters, digits, `_` and `-`"));
                    }
                    cur.bump();
                    self.clients.insert(name.to_owned());
                    actions.push(Action::Connect(name.to_owned()));
                }
            }
            "pause" => actions.push(Action::Pause(cur.duration()?)),
            // The server's time to finish what a notice or a 0x00 announced (a thread-per-client
            // server frees a name after its leave notice, sends a join after the 0x00).
            "settle" => actions.push(Action::Pause(if cur.at_end() {
                SETTLE
            } else {
                cur.duration()?
            })),
            "read-slowly" => {
                let client = self.client(cur)?;
                let bytes = cur.size()?;
                if cur.peek_word() != Some("per") {
                    return Err(cur.error("expected `per`, as in `read-slowly bob 2MB per 1s`"));
                }
                cur.bump();
                let per = cur.duration()?;
                if bytes == 0 || per.is_zero() {
                    return Err(cur.error_back("a reading pace must be above zero"));
                }
                actions.push(Action::ReadSlowly { client, bytes, per });
            }
            "pause-reading" => {
                let client = self.client(cur)?;
                actions.push(Action::PauseReading(client, cur.duration()?));
            }
            "close" | "reset" | "half-close" | "stop-reading" | "resume-reading"
            | "ignore-notices" | "heed-notices" => {
                while cur.peek_word().is_some() {
                    let name = self.client(cur)?;
                    actions.push(match verb {
                        "close" => Action::Close(name),
                        "reset" => Action::Reset(name),
                        "half-close" => Action::HalfClose(name),
                        "stop-reading" => Action::Reading(name, false),
                        "resume-reading" => Action::Reading(name, true),
                        "ignore-notices" => Action::IgnoreNotices(name, true),
                        _ => Action::IgnoreNotices(name, false),
                    });
                }
            }
            other => {
                return Err(cur.error_back(format!(
                "unknown statement `{other}` (a send is `NAME> ...`, an expectation `NAME< ...`)"
            )))
            }
        }
        if actions.is_empty() {
            return Err(cur.error(format!("`{verb}` needs at least one client name")));
        }
        cur.end()?;
        Ok(actions)
    }
}
