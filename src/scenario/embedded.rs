//! The conformance suite built into the binary: every file of `scenarios/` at build time
//! (`build.rs`), its version, and where a run takes its scenario files from. With no path a
//! run takes the built-in suite; a path on disk is taken as it is; a path that does not
//! exist but names a scenario or a folder of the built-in suite (`auth/accepted`, `file/`)
//! takes those. The built-in files are written to a private temporary folder for the run
//! (`.../scenarios/...`, so ids are the same as for the repository's files) and removed
//! when the run is over. This module owns that folder; it parses nothing.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::language::error::ParseError;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded_suite.rs"));
}

/// The built-in suite's files: each path below `scenarios/` (`/`-separated) and its bytes,
/// sorted by path.
pub fn files() -> &'static [(&'static str, &'static [u8])] {
    generated::FILES
}

/// The suite's version: the crate's version and the first 8 hex digits of a digest of every
/// built-in file (path and content), e.g. `0.1.0+1a2b3c4d`.
pub fn version() -> String {
    format!("{}+{}", env!("CARGO_PKG_VERSION"), &generated::DIGEST[..8])
}

/// The built-in scenario with this id (`auth/accepted`), as text.
pub fn scenario_text(id: &str) -> Option<&'static str> {
    let wanted = format!("{}.chat", normalise(id));
    files()
        .iter()
        .find(|(path, _)| *path == wanted)
        .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok())
}

/// Writes every built-in file below `dir` (`dir/auth/accepted.chat`, `dir/files/hello.txt`,
/// ...), creating folders as needed. A file that exists already with other content is an
/// error (nothing is overwritten); one with the same content is left alone. Returns the
/// number of files written.
pub fn export(dir: &Path) -> io::Result<usize> {
    let mut written = 0;
    for (relative, bytes) in files() {
        let path = dir.join(relative);
        match std::fs::read(&path) {
            Ok(existing) if existing == *bytes => continue,
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists with other content", path.display()),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        written += 1;
    }
    Ok(written)
}

/// Where a run's scenario files are, and the built-in suite's private folder if it needed
/// one (removed when this is dropped, so keep it until the run is over).
#[derive(Debug)]
pub struct Sources {
    paths: Vec<PathBuf>,
    builtin: Option<Materialised>,
}

impl Sources {
    /// The files and folders to discover scenarios in.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Whether any scenario comes from the built-in suite.
    pub fn uses_builtin(&self) -> bool {
        self.builtin.is_some()
    }

    /// One line for report headers: the suite's version and where the files came from.
    pub fn describe(&self) -> String {
        let on_disk = self.paths.iter().any(|p| !self.is_builtin(p));
        match (self.uses_builtin(), on_disk) {
            (true, false) => format!("suite {} (built in)", version()),
            (true, true) => format!(
                "suite {} (built in), and scenario files from disk",
                version()
            ),
            (false, _) => format!(
                "scenario files from disk (the built-in suite is {})",
                version()
            ),
        }
    }

    fn is_builtin(&self, path: &Path) -> bool {
        self.builtin
            .as_ref()
            .is_some_and(|b| path.starts_with(b.scenarios()))
    }
}

/// The scenario files of `paths`: the whole built-in suite when there are none; each path
/// that exists, as it is; each other one that names a built-in scenario (`auth/accepted`,
/// `auth/accepted.chat`, `scenarios/auth/accepted`) or folder (`file`, `file/`) from the
/// built-in suite. A path that is neither is an error.
pub fn locate(paths: &[PathBuf]) -> Result<Sources, ParseError> {
    let mut sources = Sources {
        paths: Vec::new(),
        builtin: None,
    };
    if paths.is_empty() {
        let builtin = materialise()?;
        sources.paths.push(builtin.scenarios());
        sources.builtin = Some(builtin);
        return Ok(sources);
    }
    for path in paths {
        if path.exists() {
            sources.paths.push(path.clone());
            continue;
        }
        let Some(relative) = builtin_relative(&path.to_string_lossy()) else {
            return Err(ParseError::file(
                path,
                "no such file or folder, and no scenario or folder of the built-in suite has this id (`chat-harness scenarios list` shows them)",
            ));
        };
        if sources.builtin.is_none() {
            sources.builtin = Some(materialise()?);
        }
        if let Some(builtin) = &sources.builtin {
            sources.paths.push(builtin.scenarios().join(relative));
        }
    }
    Ok(sources)
}

/// The path below `scenarios/` that `id` names in the built-in suite: a scenario file
/// (`auth/accepted.chat`), a folder holding scenarios (`auth`), or the whole suite (`""` for
/// `scenarios`).
fn builtin_relative(id: &str) -> Option<String> {
    // `run scenarios/` out of habit, outside the repository: the whole built-in suite.
    if id.trim_start_matches("./").trim_end_matches('/') == "scenarios" {
        return Some(String::new());
    }
    let id = normalise(id);
    if id.is_empty() {
        return None;
    }
    let file = format!("{id}.chat");
    let folder = format!("{id}/");
    let chats = files()
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| p.ends_with(".chat"));
    for path in chats {
        if path == file {
            return Some(file);
        }
        if path.starts_with(&folder) {
            return Some(id.to_owned());
        }
    }
    None
}

/// `id` without a leading `./` or `scenarios/`, a trailing `/` or `.chat`.
fn normalise(id: &str) -> &str {
    let id = id.trim_start_matches("./");
    let id = id.strip_prefix("scenarios/").unwrap_or(id);
    let id = id.trim_end_matches('/');
    id.strip_suffix(".chat").unwrap_or(id)
}

/// The built-in files, written to a private temporary folder for one run.
#[derive(Debug)]
struct Materialised {
    dir: tempfile::TempDir,
}

impl Materialised {
    fn scenarios(&self) -> PathBuf {
        self.dir.path().join("scenarios")
    }
}

impl Drop for Materialised {
    fn drop(&mut self) {
        if let Ok(mut roots) = ROOTS.lock() {
            roots.retain(|r| r != &self.scenarios());
        }
    }
}

/// The `scenarios` folders of the built-in suite written out by runs in this process, so that
/// a replay line names a built-in scenario by its id rather than by a temporary path.
static ROOTS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn materialise() -> Result<Materialised, ParseError> {
    let problem = |e: io::Error| {
        ParseError::file(
            &std::env::temp_dir(),
            format!("cannot write the built-in suite to a temporary folder: {e}"),
        )
    };
    let dir = tempfile::Builder::new()
        .prefix("chat-harness-suite-")
        .tempdir()
        .map_err(problem)?;
    let built = Materialised { dir };
    export(&built.scenarios()).map_err(problem)?;
    if let Ok(mut roots) = ROOTS.lock() {
        roots.push(built.scenarios());
    }
    Ok(built)
}

/// What a replay line says for the scenario file at `path`: its id when it is a built-in
/// scenario written out for this run (`chat-harness run auth/accepted` selects it again from
/// any folder), else the path.
pub fn replay_word(path: &Path) -> String {
    let roots = ROOTS.lock().map(|r| r.clone()).unwrap_or_default();
    for root in roots {
        if let Ok(relative) = path.strip_prefix(&root) {
            let relative = relative.with_extension("");
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            return parts.join("/");
        }
    }
    path.display().to_string()
}

/// How reports show the scenario file at `path`: `built-in:auth/accepted.chat` for a
/// built-in scenario written out for this run (its folder is gone once the run is over; read
/// it with `chat-harness scenarios show auth/accepted`), else the path.
pub fn display_path(path: &Path) -> String {
    let word = replay_word(path);
    if word == path.display().to_string() {
        word
    } else {
        format!("built-in:{word}.chat")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_builtin_scenarios_and_folders() {
        assert_eq!(
            builtin_relative("auth/accepted").as_deref(),
            Some("auth/accepted.chat")
        );
        assert_eq!(
            builtin_relative("scenarios/auth/accepted.chat").as_deref(),
            Some("auth/accepted.chat")
        );
        assert_eq!(builtin_relative("file/").as_deref(), Some("file"));
        assert_eq!(builtin_relative("scenarios/").as_deref(), Some(""));
        assert_eq!(builtin_relative("./scenarios").as_deref(), Some(""));
        assert_eq!(builtin_relative("auth/nothing-like-this"), None);
        assert_eq!(builtin_relative("files"), None, "no scenario below files/");
        assert_eq!(builtin_relative(""), None);
    }

    #[test]
    fn a_run_without_paths_writes_the_whole_suite_and_removes_it_afterwards() {
        let sources = locate(&[]).expect("the suite is written");
        let root = sources.paths()[0].clone();
        assert!(root.join("auth/accepted.chat").is_file());
        assert!(root.join("files/hello.txt").is_file());
        assert_eq!(
            replay_word(&root.join("auth/accepted.chat")),
            "auth/accepted"
        );
        assert!(sources.describe().contains(&version()));
        drop(sources);
        assert!(!root.exists());
        assert_eq!(
            replay_word(&root.join("auth/accepted.chat")),
            root.join("auth/accepted.chat").display().to_string()
        );
    }
}
