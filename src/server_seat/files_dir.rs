//! The check made of a server's private files directory ([`FilesDir`]) after a scenario: the
//! directory lies a few levels deep inside a private root (`ROOT/a/b/c/files`), so that a
//! server which writes `../../x` relative to it still lands inside the root and is seen; every
//! regular file stored in it must be byte-identical (same length and FNV-1a 64 digest) to a
//! file body the scenario sent completely, and nothing may exist in the root outside it.
//! A write to an absolute path elsewhere cannot be seen.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::language::scenario::Scenario;
use crate::record::{Digest, FailKind, Failure, FinishedRun, Verdict};
use crate::under_test::files_dir::{FilesDir, NESTING};

/// Most entries looked at in one check (a server could create millions).
const MOST_ENTRIES: usize = 10_000;

/// What is wrong with a files directory after a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offence {
    /// Something was created outside the files directory (path relative to the root).
    Outside(PathBuf),
    /// A stored file matches no file body the scenario sent completely.
    Unmatched {
        /// Its path relative to the files directory.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
    /// Something in the files directory that is neither a file nor a directory (a link).
    NotRegular(PathBuf),
    /// The directory could not be read.
    Unreadable(String),
}

impl Offence {
    fn describe(&self) -> String {
        match self {
            Self::Outside(p) => format!(
                "written outside the files directory: ROOT/{} (the files directory is ROOT/{}/files)",
                p.display(),
                NESTING.join("/")
            ),
            Self::Unmatched { path, len } => format!(
                "stored file {} ({len} bytes) matches no file body the scenario sent",
                path.display()
            ),
            Self::NotRegular(p) => format!("{} is neither a file nor a folder", p.display()),
            Self::Unreadable(e) => format!("cannot read the files directory: {e}"),
        }
    }
}

/// Everything wrong with the directory, given the bodies the scenario sent completely.
pub fn offences(dir: &FilesDir, sent: &[Digest]) -> Vec<Offence> {
    let sent: BTreeSet<Digest> = sent.iter().copied().collect();
    let mut found = Vec::new();
    let mut budget = MOST_ENTRIES;
    outside(dir, dir.root(), 0, &mut found, &mut budget);
    stored(dir, dir.path(), &sent, &mut found, &mut budget);
    found
}

/// Entries of the root other than the nesting folders and the files directory.
fn outside(
    files: &FilesDir,
    dir: &Path,
    depth: usize,
    found: &mut Vec<Offence>,
    budget: &mut usize,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return found.push(Offence::Unreadable(e.to_string())),
    };
    for entry in entries.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let path = entry.path();
        let name = entry.file_name();
        let expected = match NESTING.get(depth) {
            Some(level) => name == *level,
            None => name == "files",
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if expected && is_dir {
            if depth < NESTING.len() {
                outside(files, &path, depth + 1, found, budget);
            }
        } else {
            let relative = path.strip_prefix(files.root()).unwrap_or(&path).to_owned();
            found.push(Offence::Outside(relative));
        }
    }
}

/// Regular files under `dir` that match no sent body.
fn stored(
    files: &FilesDir,
    dir: &Path,
    sent: &BTreeSet<Digest>,
    found: &mut Vec<Offence>,
    budget: &mut usize,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let path = entry.path();
        let relative = path.strip_prefix(files.path()).unwrap_or(&path).to_owned();
        match entry.file_type() {
            Ok(t) if t.is_dir() => stored(files, &path, sent, found, budget),
            Ok(t) if t.is_file() => match digest_of(&path) {
                Ok(d) if sent.contains(&d) => {}
                Ok(d) => found.push(Offence::Unmatched {
                    path: relative,
                    len: d.len,
                }),
                // Deleted between listing and reading (a relayed upload): nothing stored.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => found.push(Offence::Unreadable(format!("{}: {e}", path.display()))),
            },
            _ => found.push(Offence::NotRegular(relative)),
        }
    }
}

fn digest_of(path: &Path) -> std::io::Result<Digest> {
    let mut file = std::fs::File::open(path)?;
    let mut digest = Digest::empty();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(digest);
        }
        digest.push(&buf[..n]);
    }
}

/// Fails a passing `run` when `dir` holds an offence (a failing run keeps its first failure).
pub fn judge(run: &mut FinishedRun, dir: &FilesDir, scenario: &Scenario) {
    if run.verdict != Verdict::Pass {
        return;
    }
    let offences = offences(dir, &run.sent_bodies);
    if !offences.is_empty() {
        let last = scenario.steps.last().map_or(0, |s| s.line);
        run.verdict = Verdict::Fail(Box::new(failure(&offences, last)));
    }
}

/// The step-less failure for `offences` after a scenario whose last step is at `last_line`.
pub fn failure(offences: &[Offence], last_line: usize) -> Failure {
    let listed: Vec<String> = offences.iter().map(Offence::describe).collect();
    Failure {
        kind: FailKind::Mismatch,
        line: last_line,
        step: format!("(files directory, after line {last_line})"),
        iteration: None,
        client: None,
        reason: format!(
            "the server's files directory holds what the scenario did not send: {}",
            listed.join("; ")
        ),
        actual: None,
        actual_hex: None,
        deviation: None,
        skipped: None,
    }
}
