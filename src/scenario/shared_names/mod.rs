//! Names of their own for each scenario's clients when scenarios share one server (`run
//! --target`): a server that outlives a scenario may still hold its names (a lab server even
//! keeps the entries of clients that are gone), so `alice` of one scenario becomes
//! `alice-7qx3` and `alice` of the next `alice-7qx4`. The renaming is the same within a
//! scenario, in what is sent (auth and rename frames) and in every expectation that names the
//! clients (notices, replies, chat and file senders, whole `0x03` texts, regexes), and stays
//! within the protocol's 32-byte limit. Only plain names are renamed (ASCII letters, digits,
//! `_` and `-`, short enough for the suffix): scenarios that test names themselves (brackets,
//! control characters, Unicode whitespace, the length limit) keep theirs as written, and chat
//! messages and file names are never touched. This module also explains a name refused at a
//! client's first auth on such a server.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::entry::Entry;
use super::outcome::Outcome;
use crate::language::model::{Action, Expectation, FrameMatch, Part, TextMatch};
use crate::language::model::{Expect, TextPattern};
use crate::language::scenario::Scenario;
use crate::protocol::ClientFrame;
use crate::record::{FinishedRun, Got, Verdict, Wanted};

/// The protocol's limit on a name, in bytes.
const NAME_LIMIT: usize = 32;

/// The suffix for the scenario at `index` of this run, on its `attempt` (1-based): `-`, three
/// characters that differ from run to run (so a second run on the same server meets no name of
/// the first), then the index in base 36, then the attempt when it is a retry.
pub fn suffix(index: usize, attempt: u32) -> String {
    let mut out = format!("-{}{}", run_tag(), base36(index as u64));
    if attempt > 1 {
        out.push_str(&format!("r{attempt}"));
    }
    out
}

/// Three base-36 characters for this process's run, from the clock and the process id.
pub fn run_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mixed = nanos ^ (u64::from(std::process::id()) << 20);
        let mut tag = base36(mixed % (36 * 36 * 36));
        while tag.len() < 3 {
            tag.insert(0, '0');
        }
        tag
    })
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// `scenario` with its plain names suffixed, and the names it renamed (old, new), in order.
pub fn rename(scenario: &Scenario, suffix: &str) -> (Scenario, Vec<(String, String)>) {
    let names = names(scenario, suffix);
    if names.is_empty()
        || too_long_to_relay(scenario, &names)
        || named_in_raw_bytes(scenario, &names)
    {
        return (scenario.clone(), Vec::new());
    }
    let mut out = scenario.clone();
    // A step's source stays as written, so that a failure names the line of the file; the
    // report lists the names used beside it.
    for step in &mut out.steps {
        match &mut step.action {
            Action::Send(send) => {
                for part in &mut send.parts {
                    if let Part::Frame(frame) = part {
                        swap_frame(frame, &names);
                    }
                }
            }
            Action::Expect(expect) => swap_expect(expect, &names),
            _ => {}
        }
    }
    (out, names.into_iter().collect())
}

/// The plain names the scenario's clients ask for (auth and rename frames), with their new
/// names.
fn names(scenario: &Scenario, suffix: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for step in &scenario.steps {
        let Action::Send(send) = &step.action else {
            continue;
        };
        for part in &send.parts {
            let asked = match part {
                Part::Frame(ClientFrame::Auth { name, .. }) => name.split(' ').next(),
                Part::Frame(frame @ ClientFrame::Rename(_)) => frame.new_name(),
                _ => None,
            };
            if let Some(name) = asked.filter(|n| plain(n) && n.len() + suffix.len() <= NAME_LIMIT) {
                names.insert(name.to_owned(), format!("{name}{suffix}"));
            }
        }
    }
    names
}

/// Whether a longer name would push a chat line or a relayed file header the scenario sends
/// over the protocol's frame limit (`text/longest-relayable` and
/// `file/longest-relayable-header` send the longest that can be relayed from `alice`): such a
/// scenario keeps its names, since its point is the exact length.
fn too_long_to_relay(scenario: &Scenario, names: &BTreeMap<String, String>) -> bool {
    /// The most payload bytes a frame holds (its length field counts the type byte too).
    const MAX_PAYLOAD: usize = u16::MAX as usize - 1;
    /// `<HH:MM> [` and `] ` around the sender's name in a relayed chat line.
    const CHAT_FRAMING: usize = "<HH:MM> [] ".len();
    /// `<HH:MM> `, a space, the 0xFF divider and the 4-byte size around the sender's name in
    /// a relayed file header.
    const FILE_FRAMING: usize = 8 + 1 + 1 + 4;
    let longest = names.values().map(String::len).max().unwrap_or(0);
    scenario.steps.iter().any(|step| match &step.action {
        Action::Send(send) => send.parts.iter().any(|part| match part {
            Part::Frame(ClientFrame::Text(text)) => {
                text.len() + CHAT_FRAMING + longest > MAX_PAYLOAD
            }
            Part::Frame(ClientFrame::File(header)) => {
                let described =
                    header.filename.len() + header.caption.as_ref().map_or(0, |c| 1 + c.len());
                described + FILE_FRAMING + longest > MAX_PAYLOAD
            }
            _ => false,
        }),
        _ => false,
    })
}

/// Whether raw bytes the scenario sends hold one of the names (a hand-made rename or auth
/// frame, as the fuzzer's reproducers write them): those bytes cannot be rewritten, so the
/// scenario keeps its names, or a rename to a taken name would become one to a free name.
fn named_in_raw_bytes(scenario: &Scenario, names: &BTreeMap<String, String>) -> bool {
    scenario.steps.iter().any(|step| match &step.action {
        Action::Send(send) => send.parts.iter().any(|part| match part {
            Part::Raw(bytes) => names.keys().any(|name| {
                bytes
                    .windows(name.len())
                    .any(|window| window == name.as_bytes())
            }),
            _ => false,
        }),
        _ => false,
    })
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn plain(name: &str) -> bool {
    !name.is_empty() && name.chars().all(name_char)
}

/// `text` with every whole run of name characters that is a renamed name replaced.
fn swap(text: &str, names: &BTreeMap<String, String>) -> String {
    swap_runs(text, names, false)
}

/// [`swap`] over a regex's source: an escape (`\b`, `\d`) is never part of a name.
fn swap_regex(re: &Regex, names: &BTreeMap<String, String>) -> Regex {
    let source = swap_runs(re.as_str(), names, true);
    Regex::new(&source).unwrap_or_else(|_| re.clone())
}

fn swap_runs(text: &str, names: &BTreeMap<String, String>, regex: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if regex && c == '\\' {
            out.push(c);
            if let Some((_, escaped)) = chars.next() {
                out.push(escaped);
            }
        } else if name_char(c) {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if !name_char(next) {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            let run = &text[start..end];
            out.push_str(names.get(run).map_or(run, String::as_str));
        } else {
            out.push(c);
        }
    }
    out
}

fn swap_frame(frame: &mut ClientFrame, names: &BTreeMap<String, String>) {
    match frame {
        ClientFrame::Auth { name, .. } => *name = swap(name, names),
        ClientFrame::Rename(payload) => *payload = swap(payload, names),
        // Messages, file names, captions and exit payloads are the client's own words.
        _ => {}
    }
}

fn swap_expect(expect: &mut Expect, names: &BTreeMap<String, String>) {
    for sequence in &mut expect.alternatives {
        for expectation in sequence {
            let Expectation::Frame(frame) = expectation else {
                continue;
            };
            match frame {
                FrameMatch::AuthOk(m)
                | FrameMatch::Renamed(m)
                | FrameMatch::Notice(m)
                | FrameMatch::Reply(m) => swap_match(m, names),
                FrameMatch::Chat { sender, .. } => swap_match(sender, names),
                // A file's name and caption are the sender's own words.
                FrameMatch::File(file) => swap_match(&mut file.sender, names),
                FrameMatch::Text(pattern) => match pattern {
                    TextPattern::Any => {}
                    TextPattern::Exact { body, .. } => *body = swap(body, names),
                    TextPattern::Regex(re) => *re = swap_regex(re, names),
                },
            }
        }
    }
}

fn swap_match(m: &mut TextMatch, names: &BTreeMap<String, String>) {
    match m {
        TextMatch::Any => {}
        TextMatch::Exact(text) => *text = swap(text, names),
        TextMatch::Regex(re) => *re = swap_regex(re, names),
    }
}

/// On a server shared by the scenarios of a run: a client's first auth that was refused (a
/// reply where `auth-ok` was expected) most likely met a name an earlier scenario left
/// behind. Says so in the failure's reason, with how to avoid it.
pub fn explain_kept_state(run: &mut FinishedRun, scenario: &Scenario) {
    let Verdict::Fail(failure) = &mut run.verdict else {
        return;
    };
    let refused = failure
        .deviation
        .as_ref()
        .is_some_and(|d| d.expected == Wanted::AuthOk && d.received == Got::Reply);
    let Some(client) = failure.client.clone() else {
        return;
    };
    let first_auth = scenario.steps.iter().find(|s| match &s.action {
        Action::Expect(e) => e.client == client && expects_auth_ok(e),
        _ => false,
    });
    if refused && first_auth.is_some_and(|s| s.line == failure.line) {
        failure.reason.push_str(
            "\nthe server refused this client's first auth: it kept state across scenarios (a name an earlier scenario or run used is still taken). Restart the server before the run, or let the harness start a fresh one per scenario with --spawn 'CMD {port}'",
        );
    }
}

/// `entries` with the `core` scenarios first, each group in its order: on a shared server,
/// what the lab requires is judged before the robust and hostile scenarios have had a chance
/// to leave it damaged.
pub fn core_first(entries: Vec<Entry>) -> Vec<Entry> {
    let (mut core, rest): (Vec<Entry>, Vec<Entry>) = entries
        .into_iter()
        .partition(|e| e.scenario.tags.iter().any(|t| t == "core"));
    core.extend(rest);
    core
}

/// After a run on a shared server with failures: a failure may be the consequence of an
/// earlier scenario (a handler it killed, an entry it left), so the note names the first
/// failure and how to tell.
pub fn shared_failure_note(outcomes: &[Outcome]) -> Option<String> {
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind.failed()).collect();
    let first = failed.first()?;
    let more = failed.len() - 1;
    let tail = if more > 0 {
        format!(" ({more} more after it)")
    } else {
        String::new()
    };
    Some(format!(
        "note: every scenario met the same server, so a failure may come from what an earlier scenario left behind; the first failure is {}{tail}: run a failed scenario alone with its replay line, or every scenario on a fresh server with --spawn, to tell",
        first.id
    ))
}

fn expects_auth_ok(expect: &Expect) -> bool {
    expect
        .alternatives
        .iter()
        .flatten()
        .any(|x| matches!(x, Expectation::Frame(FrameMatch::AuthOk(_))))
}

#[cfg(test)]
mod tests;
