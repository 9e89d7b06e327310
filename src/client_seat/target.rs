//! Where client programs come from: a command line started once per scenario (`--client`),
//! the reference client (`--client-builtin`), and [`Seats`], which sends server scenarios to a
//! server target and client scenarios to a client target within one run.

use std::path::Path;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::interop::run_interop_scenario;
use super::runner::{run_client_scenario, Launch};
use crate::language::scenario::{Scenario, Subject};
use crate::record::FinishedRun;
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;
use crate::under_test::target::{Target, TargetError};

/// A client program started fresh for each client scenario.
#[derive(Debug, Clone)]
pub struct ClientTarget {
    launch: Launch,
    description: String,
    /// The `chat-harness run` arguments that select this client again (replay lines).
    replay: Vec<String>,
    /// The real server of its interop scenarios (by default a fresh built-in one).
    server: Target,
}

impl ClientTarget {
    /// `--client CMD`: the command must hold `{port}` unless `port` says where the client
    /// connects by itself.
    pub fn command(command: &str, port: Option<u16>) -> Result<Self, TargetError> {
        if !command.contains("{port}") && port.is_none() {
            return Err(TargetError::NoPortPlaceholder(command.to_owned()));
        }
        let description = match port {
            None => format!("the client `{command}`, started once per scenario"),
            Some(p) => {
                format!("the client `{command}` connecting to port {p}, one scenario at a time")
            }
        };
        let mut replay = vec!["--client".to_owned(), command.to_owned()];
        replay.extend(
            port.map(|p| ["--port".to_owned(), p.to_string()])
                .into_iter()
                .flatten(),
        );
        Ok(Self {
            launch: Launch {
                command: command.to_owned(),
                port,
            },
            description,
            replay,
            server: default_server(),
        })
    }

    /// The reference client (`chat-harness client`) of the binary at `exe`, in its pipe mode.
    pub fn builtin(exe: &Path, port: Option<u16>) -> Self {
        let quoted = format!("'{}'", exe.display().to_string().replace('\'', r"'\''"));
        Self {
            launch: Launch {
                command: format!("{quoted} client --connect {{host}}:{{port}}"),
                port,
            },
            description: "the reference client (chat-harness client), once per scenario".into(),
            replay: std::iter::once("--client-builtin".to_owned())
                .chain(
                    port.map(|p| ["--port".to_owned(), p.to_string()])
                        .into_iter()
                        .flatten(),
                )
                .collect(),
            server: default_server(),
        }
    }

    /// The same client, with `server` as the real server of its interop scenarios.
    pub fn with_interop_server(mut self, server: Target) -> Self {
        self.description = format!(
            "{}; interop scenarios through {}",
            self.description,
            server.describe()
        );
        self.server = server;
        self
    }

    /// A description for report headers.
    pub fn describe(&self) -> String {
        self.description.clone()
    }
}

impl Provider for ClientTarget {
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> BoxFuture<'a, (FinishedRun, Option<String>)> {
        Box::pin(async move {
            match &scenario.subject {
                Subject::Client(script) if script.interop => {
                    run_interop_scenario(scenario, script, &self.launch, &self.server, settings)
                        .await
                }
                Subject::Client(script) => (
                    run_client_scenario(scenario, script, &self.launch, settings).await,
                    None,
                ),
                Subject::Server => (
                    FinishedRun::error(
                        "this scenario tests a server; a client target cannot run it".into(),
                    ),
                    None,
                ),
            }
        })
    }

    fn isolated(&self) -> bool {
        self.launch.port.is_none() && self.server.isolated()
    }

    fn accepts(&self, scenario: &Scenario) -> bool {
        scenario.tests_client()
    }

    fn replay_args(&self) -> Vec<String> {
        let mut args = self.replay.clone();
        args.extend(self.server.replay_args());
        args
    }
}

/// A fresh built-in server (polling design) per interop scenario.
fn default_server() -> Target {
    Target::builtin(crate::server::Mode::Polling)
}

/// Server scenarios on one provider, client scenarios on another, in one run.
pub struct Seats {
    /// Runs the scenarios that test a server.
    pub server: Arc<dyn Provider>,
    /// Runs the scenarios that test a client.
    pub client: Arc<dyn Provider>,
}

impl Provider for Seats {
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        settings: &'a RunSettings,
    ) -> BoxFuture<'a, (FinishedRun, Option<String>)> {
        if scenario.tests_client() {
            self.client.run(scenario, settings)
        } else {
            self.server.run(scenario, settings)
        }
    }

    fn isolated(&self) -> bool {
        self.server.isolated() && self.client.isolated()
    }

    fn accepts(&self, scenario: &Scenario) -> bool {
        self.server.accepts(scenario) || self.client.accepts(scenario)
    }

    fn preflight(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.server.preflight().await?;
            self.client.preflight().await
        })
    }

    fn replay_args_for(&self, scenario: &Scenario) -> Vec<String> {
        if scenario.tests_client() {
            self.client.replay_args_for(scenario)
        } else {
            self.server.replay_args_for(scenario)
        }
    }

    fn shares_state(&self) -> bool {
        self.server.shares_state()
    }
}
