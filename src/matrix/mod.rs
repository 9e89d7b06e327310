//! The interoperability matrix (`chat-harness matrix FILE.toml`): every server of a matrix
//! file runs the server suite, every client the client suite, every client × server pair the
//! interop scenarios (`tests: interop`), and the results become one grid per suite
//! (scenarios × implementations; clients × servers for interop), written as `matrix.html`
//! and `matrix.json`. [`shard`] splits it over CI runners and [`merge`] puts their parts back
//! together.
//!
//! [`config`] reads the file, `prepare` builds a provider per implementation, [`run`] runs the
//! suites through the same scheduler as `chat-harness run` ([`crate::scenario::suite`]), and
//! [`json`] and [`page`] render the result. Cells are the runner's own [`Outcome`]s, so the
//! details behind a cell are the same blocks as `run --html`.

pub mod config;
pub mod grades;
pub mod json;
pub mod merge;
pub mod page;
pub mod partial;
mod prepare;
pub mod run;
mod settings;
pub mod shard;

use std::time::Duration;

use crate::scenario::suite::{Outcome, Status};

pub use config::{ConfigError, Implementation, MatrixFile};
pub use run::run_matrix;
pub use settings::{MatrixError, MatrixSettings};

/// Which suite a grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    /// Server scenarios on every `[[server]]`.
    Server,
    /// Client scenarios on every `[[client]]`.
    Client,
    /// Interop scenarios on every client × server pair.
    Interop,
}

impl Suite {
    /// Its heading on the page.
    pub fn title(self) -> &'static str {
        match self {
            Self::Server => "Servers: the server suite",
            Self::Client => "Clients: the client suite",
            Self::Interop => "Interop: clients × servers",
        }
    }
}

/// A row of a grid: one scenario.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    /// The scenario id.
    pub id: String,
    /// Its description.
    pub description: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
}

/// A column of a grid: one implementation, and what it was started as.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// Its name in the matrix file.
    pub name: String,
    /// How it runs (for the page and the JSON).
    pub description: String,
    /// In the interop grid: the client of the pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// In the interop grid: the server of the pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// One suite's grid: `cells[column][row]`.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The suite.
    pub suite: Suite,
    /// The scenarios.
    pub rows: Vec<Row>,
    /// The implementations.
    pub columns: Vec<Column>,
    /// Each column's outcomes, in row order; `None` where a scenario did not come back (its
    /// task failed).
    pub cells: Vec<Vec<Option<Outcome>>>,
}

/// The whole matrix.
#[derive(Debug, Clone)]
pub struct MatrixResult {
    /// When it ran (UTC, `YYYY-MM-DD HH:MM UTC`).
    pub date: String,
    /// The matrix file.
    pub file: String,
    /// The grids, servers first.
    pub grids: Vec<Grid>,
    /// Wall time of the whole run.
    pub duration: Duration,
}

impl MatrixResult {
    /// Every cell as it was expected to be: no unexpected failure, no cell that could not
    /// run, nothing missing.
    pub fn as_expected(&self) -> bool {
        self.grids.iter().all(|g| {
            g.cells.iter().flatten().all(|cell| {
                cell.as_ref()
                    .is_some_and(|o| !matches!(o.status, Status::Fail | Status::Error))
            })
        })
    }

    /// 0 when every cell is as expected, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.as_expected() {
            0
        } else {
            1
        }
    }
}
