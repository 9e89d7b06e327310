//! [`TargetError`]: why a server under test could not be used (resolved, started, reached);
//! a leaf that `target` and `spawn` both name.

use thiserror::Error;

/// Why a target could not be used.
#[derive(Debug, Error)]
pub enum TargetError {
    /// `--target` does not name an address.
    #[error("cannot resolve {0:?} to an address (expected HOST:PORT)")]
    Resolve(String),
    /// The spawn command has no `{port}`, and no fixed port was given.
    #[error("the command {0:?} has no {{port}} placeholder: add one, or give the port it listens on with --port")]
    NoPortPlaceholder(String),
    /// The server process could not be started or did not become ready.
    #[error("{0}")]
    Spawn(String),
    /// The server exited at once, saying its port is in use.
    #[error("{0}")]
    PortTaken(String),
    /// Nothing accepts connections at the `--target` address.
    #[error("cannot reach the server at {0}; nothing was run")]
    Unreachable(String),
    /// The built-in server could not be started.
    #[error("{0}")]
    Builtin(String),
    /// Other I/O trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
