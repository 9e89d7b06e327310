//! One parsed scenario file: its header and, by what it tests, the server script's steps
//! ([`super::model`]) or the client script ([`super::client_script`]) beside them.

use std::path::PathBuf;
use std::time::Duration;

use super::client_script::ClientScript;
use super::model::Step;
use super::server_limits::ServerLimits;

/// One scenario file, parsed.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it was read from.
    pub path: PathBuf,
    /// The one-line description (`description:`), if any.
    pub description: Option<String>,
    /// Tags (`tags:`), e.g. `core`, `robust`, `wording`.
    pub tags: Vec<String>,
    /// The ids of the docs/PROTOCOL.md statements it checks (`checks: 6.1.4 6.1.5`).
    pub checks: Vec<String>,
    /// Default timeout for steps that wait (`timeout:`), if the file sets one.
    pub timeout: Option<Duration>,
    /// The limits the server must be started with (`server-limits:`): only the built-in
    /// server runs such a scenario.
    pub server_limits: Option<ServerLimits>,
    /// The steps, with `repeat` blocks already unrolled.
    pub steps: Vec<Step>,
    /// What the scenario tests; a client scenario's steps are in [`Subject::Client`].
    pub subject: Subject,
}

/// What a scenario tests.
#[derive(Debug, Clone, Default)]
pub enum Subject {
    /// A server: the harness plays the clients (`steps`).
    #[default]
    Server,
    /// A client program (`tests: client`): the harness plays the server.
    Client(Box<ClientScript>),
}

impl Scenario {
    /// Whether this scenario tests a client program (`tests: client`, or `tests: interop`).
    pub fn tests_client(&self) -> bool {
        matches!(self.subject, Subject::Client(_))
    }

    /// Whether this scenario has a client program talk through a real server to peer clients
    /// (`tests: interop`).
    pub fn tests_interop(&self) -> bool {
        matches!(&self.subject, Subject::Client(script) if script.interop)
    }
}
