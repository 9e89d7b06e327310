//! How a matrix runs (the command line's part) and why it cannot run at all: shared by the
//! preparation of its implementations and the run.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use super::config::ConfigError;
use crate::scenario::suite::Retries;
use crate::server_seat::RunSettings;

/// How to run the matrix (the command line's part).
#[derive(Debug, Clone)]
pub struct MatrixSettings {
    /// Scenarios at a time in the whole matrix (implementations on a fixed port run one
    /// scenario at a time, one after another).
    pub jobs: usize,
    /// Retries of a failed scenario, and whether passing on one is enough.
    pub retries: Retries,
    /// Step timeouts and strictness.
    pub run: RunSettings,
    /// How long a spawned server may take to accept its first connection.
    pub spawn_timeout: Duration,
    /// The chat-harness binary (for the built-in reference client).
    pub exe: PathBuf,
    /// Only this part of the cells (`--shard K/N`; see [`super::shard`]); `None`: all.
    pub shard: Option<crate::shard::Shard>,
}

/// Why a matrix could not run at all.
#[derive(Debug, Error)]
pub enum MatrixError {
    /// The matrix file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A scenario or an expect file does not parse, or a path does not exist.
    #[error("{0}")]
    Scenarios(String),
    /// An implementation cannot be set up.
    #[error("{side} `{name}`: {problem}")]
    Implementation {
        /// `server` or `client`.
        side: &'static str,
        /// Its name.
        name: String,
        /// Why.
        problem: String,
    },
}
