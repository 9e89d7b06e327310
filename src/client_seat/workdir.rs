//! The client's private working directory: created fresh for each scenario with the sample
//! files in `files/`, snapshotted before the client starts (so only files it created or
//! changed count as saved), searched for saved files by glob, checked for writes beside it,
//! and removed afterwards.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use regex::Regex;

/// The working directory sits this deep below a private root, so that a file name climbing
/// out with `../..` still lands inside the root, where [`WorkDir::outside`] sees it.
const NESTING: [&str; 2] = ["jail", "cell"];

/// Most files listed when searching (a client that floods its folder is cut off here).
const MAX_LISTED: usize = 10_000;

/// A private root with the client's working directory inside.
#[derive(Debug)]
pub struct WorkDir {
    root: PathBuf,
    work: PathBuf,
    /// Every file below the working directory before the client started, with what it was
    /// then: a file that is still the same is not something the client saved.
    before: HashMap<String, Stamp>,
}

/// What tells a file apart from the one that was there before: its size, its modification
/// time and its inode (a file replaced by a copy of itself gets a new one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        })
    }
}

impl WorkDir {
    /// Creates `<tmp>/chat-harness-client-<pid>-<n>/jail/cell/work/files/` and copies the files
    /// of `samples` (nearest folder first) into `files/`.
    pub fn create(samples: &[PathBuf]) -> io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("chat-harness-client-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mut work = root.clone();
        for part in NESTING {
            work.push(part);
        }
        work.push("work");
        let files = work.join("files");
        std::fs::create_dir_all(&files)?;
        for folder in samples.iter().rev() {
            for entry in std::fs::read_dir(folder)? {
                let entry = entry?;
                if entry.file_type()?.is_file() {
                    std::fs::copy(entry.path(), files.join(entry.file_name()))?;
                }
            }
        }
        let mut dir = Self {
            root,
            work,
            before: HashMap::new(),
        };
        dir.before = dir
            .all()
            .into_iter()
            .filter_map(|(rel, path)| Stamp::of(&path).map(|stamp| (rel, stamp)))
            .collect();
        Ok(dir)
    }

    fn all(&self) -> Vec<(String, PathBuf)> {
        let mut out = Vec::new();
        list(&self.work, &self.work, &mut out);
        out
    }

    /// Whether the file at `rel` is one the client created or changed: not in the snapshot
    /// taken before it started, or different from what it was then.
    fn written(&self, rel: &str, path: &Path) -> bool {
        match self.before.get(rel) {
            None => true,
            Some(before) => Stamp::of(path).as_ref() != Some(before),
        }
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        &self.work
    }

    /// Files the client created or changed below the working directory whose relative path
    /// matches `glob`. The sample files, as they were put there, never match.
    pub fn matching(&self, glob: &Regex) -> Vec<(String, PathBuf)> {
        self.all()
            .into_iter()
            .filter(|(rel, path)| glob.is_match(rel) && self.written(rel, path))
            .collect()
    }

    /// Every file below the working directory, relative, those left as they were before the
    /// client started marked `(unchanged sample)` (for failure reports).
    pub fn listing(&self) -> Vec<String> {
        self.all()
            .into_iter()
            .map(|(rel, path)| {
                if self.written(&rel, &path) {
                    rel
                } else {
                    format!("{rel} (unchanged sample)")
                }
            })
            .collect()
    }

    /// The files that were there before the client started and are now changed or gone.
    pub fn samples_changed(&self) -> Vec<String> {
        let mut changed: Vec<String> = self
            .before
            .iter()
            .filter(|(rel, before)| {
                Stamp::of(&self.work.join(rel.as_str())).as_ref() != Some(*before)
            })
            .map(|(rel, _)| rel.clone())
            .collect();
        changed.sort();
        changed
    }

    /// Anything created below the private root but outside the working directory, relative
    /// to the working directory's parent chain (e.g. `../../evil.txt`).
    pub fn outside(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut all = Vec::new();
        list(&self.root, &self.root, &mut all);
        let work_rel = NESTING.join("/") + "/work/";
        for (rel, _) in all {
            if !rel.starts_with(&work_rel) {
                found.push(rel);
            }
        }
        found
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn list(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= MAX_LISTED {
            return;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            list(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}

/// A glob over relative paths as an anchored regex: `*` and `?` stay within one segment,
/// `**` crosses segments.
pub fn glob_regex(glob: &str) -> Regex {
    let mut re = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                re.push_str(".*");
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            other => re.push_str(&regex::escape(&other.to_string())),
        }
    }
    re.push('$');
    // Every piece is escaped or a fixed class, so the pattern always compiles; fall back to
    // a pattern that matches nothing rather than panic.
    Regex::new(&re).unwrap_or_else(|_| Regex::new("[^\\s\\S]").expect("a valid regex"))
}
