//! The matrix file (`chat-harness matrix FILE.toml`), read with the `toml` crate: which
//! scenarios to run and the implementations to run them on, `[[server]]` and `[[client]]`
//! tables. Relative paths in it (`scenarios`, `dir`, `expect`) are taken from the file's
//! folder; checked here, so that a mistake stops the run before anything starts.

use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixFile {
    /// Scenario files or folders, or ids of the built-in suite (default: the whole built-in
    /// suite, whatever the current folder). Server
    /// scenarios run on every server, client scenarios on every client.
    #[serde(default)]
    pub scenarios: Vec<PathBuf>,
    /// Only scenarios with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only scenarios whose id matches this regex.
    #[serde(default)]
    pub filter: Option<String>,
    /// The servers.
    #[serde(default)]
    pub server: Vec<Implementation>,
    /// The clients.
    #[serde(default)]
    pub client: Vec<Implementation>,
    /// The weight of each level in `grades.csv`'s score.
    #[serde(default)]
    pub grading: super::grades::Weights,
    /// Interop pairs per client: each client runs through this many servers, taken in turn
    /// (client *i* with servers *i*, *i* + 1, …), so every server is in about as many pairs;
    /// default: every server (all client × server pairs).
    #[serde(default)]
    pub interop_pairs: Option<usize>,
}

/// One implementation: the built-in one or a command.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// Its name in the grid (unique within its side).
    pub name: String,
    /// A built-in implementation: `polling` or `threaded` (servers), `reference` (clients).
    #[serde(default)]
    pub builtin: Option<String>,
    /// A command run through `sh -c`, with `{port}` (and for clients `{host}`) filled in.
    #[serde(default)]
    pub spawn: Option<String>,
    /// The fixed port of a command without `{port}` (its scenarios then run one at a time).
    #[serde(default)]
    pub port: Option<u16>,
    /// The working directory of the command (a server runs in it; a client runs in a
    /// private folder of its own, and the command's words naming files in `dir` are made
    /// absolute).
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Known failures of this implementation (an `--expect` file).
    #[serde(default)]
    pub expect: Option<PathBuf>,
}

/// What is wrong with a matrix file.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// It cannot be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It is not valid TOML or has unknown or mistyped keys.
    #[error("{path}: {message}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// An implementation is described inconsistently.
    #[error("{path}: {side} `{name}`: {problem}")]
    Implementation {
        /// The file.
        path: PathBuf,
        /// `server` or `client`.
        side: &'static str,
        /// Its name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// Nothing to test.
    #[error("{0}: names no [[server]] and no [[client]]")]
    Empty(PathBuf),
}

impl MatrixFile {
    /// Reads and checks `path`, with its relative paths resolved against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        Self::parse(&text, path, base)
    }

    /// Parses `text` (read from `path`), resolving relative paths against `base`.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<Self, ConfigError> {
        let mut file: Self = toml::from_str(text).map_err(|e| ConfigError::Toml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        if file.server.is_empty() && file.client.is_empty() {
            return Err(ConfigError::Empty(path.to_owned()));
        }
        if file.interop_pairs == Some(0) {
            return Err(ConfigError::Toml {
                path: path.to_owned(),
                message: "`interop_pairs` is 0: give at least 1, or leave it out for every client × server pair".into(),
            });
        }
        // None named: the built-in suite (`scenario::embedded`), from any folder.
        file.scenarios = file.scenarios.iter().map(|p| resolve(base, p)).collect();
        for (side, list) in [("server", &mut file.server), ("client", &mut file.client)] {
            let mut seen = std::collections::BTreeSet::new();
            for imp in list.iter_mut() {
                let problem = |problem: String| ConfigError::Implementation {
                    path: path.to_owned(),
                    side,
                    name: imp.name.clone(),
                    problem,
                };
                if !seen.insert(imp.name.clone()) {
                    return Err(problem("the name is used twice".into()));
                }
                imp.check(side).map_err(problem)?;
                imp.dir = imp.dir.as_ref().map(|d| resolve(base, d));
                imp.expect = imp.expect.as_ref().map(|e| resolve(base, e));
            }
        }
        Ok(file)
    }
}

impl Implementation {
    fn check(&self, side: &str) -> Result<(), String> {
        let builtins: &[&str] = if side == "server" {
            &["polling", "threaded"]
        } else {
            &["reference"]
        };
        match (&self.builtin, &self.spawn) {
            (Some(_), Some(_)) => Err("give either `builtin` or `spawn`, not both".into()),
            (None, None) => Err("give `builtin` or `spawn`".into()),
            (Some(b), None) if !builtins.contains(&b.as_str()) => Err(format!(
                "unknown builtin {b:?} (one of: {})",
                builtins.join(", ")
            )),
            (Some(_), None) if self.dir.is_some() => {
                Err("`dir` goes with `spawn`, not with `builtin`".into())
            }
            (None, Some(cmd)) if !cmd.contains("{port}") && self.port.is_none() => Err(format!(
                "the command {cmd:?} has no {{port}}: add one, or give the `port` it uses"
            )),
            _ => Ok(()),
        }
    }
}

/// `path` against `base` when relative, with `.` and `name/..` removed lexically (so replay
/// lines read `scenarios/auth/x.chat`, not `examples/../scenarios/auth/x.chat`).
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_owned()
    } else {
        base.join(path)
    };
    let mut out: Vec<Component> = Vec::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MatrixFile, ConfigError> {
        MatrixFile::parse(text, Path::new("examples/m.toml"), Path::new("examples"))
    }

    #[test]
    fn the_issue_example_parses_with_paths_from_the_file() {
        let file = parse(
            r#"
scenarios = ["../scenarios"]
[[server]]
name = "reference (polling)"
builtin = "polling"
[[server]]
name = "lab server"
spawn = "python3 Server.py"
port = 55555
dir = "../lab"
expect = "lab.expect"
[[client]]
name = "lab client"
spawn = "python3 Client.py"
port = 55555
"#,
        )
        .unwrap();
        assert_eq!(file.scenarios, [PathBuf::from("scenarios")]);
        assert_eq!(file.server.len(), 2);
        assert_eq!(file.server[1].dir, Some(PathBuf::from("lab")));
        assert_eq!(
            file.server[1].expect,
            Some(PathBuf::from("examples/lab.expect"))
        );
        assert_eq!(file.client[0].port, Some(55555));
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("[[server]]\nname='a'\n", "give `builtin` or `spawn`"),
            ("[[server]]\nname='a'\nbuiltin='fast'\n", "unknown builtin"),
            ("[[client]]\nname='a'\nspawn='x'\n", "has no {port}"),
            ("[[client]]\nname='a'\nbuiltin='reference'\n[[client]]\nname='a'\nbuiltin='reference'\n", "used twice"),
            ("[[server]]\nname='a'\nbuiltin='polling'\ncolour='red'\n", "unknown field"),
            ("", "names no [[server]]"),
            ("interop_pairs=0\n[[server]]\nname='a'\nbuiltin='polling'\n", "`interop_pairs` is 0"),
        ];
        for (text, wanted) in cases {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains(wanted), "{text:?}: {message}");
        }
    }

    #[test]
    fn paths_are_cleaned_lexically() {
        let base = Path::new("a/b");
        assert_eq!(
            resolve(base, Path::new("../../c/./d")),
            PathBuf::from("c/d")
        );
        assert_eq!(resolve(base, Path::new("/x/y")), PathBuf::from("/x/y"));
        assert_eq!(
            resolve(Path::new(""), Path::new("../x")),
            PathBuf::from("../x")
        );
    }
}
