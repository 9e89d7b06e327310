//! The implementations of a matrix, ready to run: a provider per `[[server]]` and
//! `[[client]]` (the built-in one, or a command in its `dir`) with its known failures, and the
//! client × server pairs of the interop grid.

use std::path::Path;
use std::sync::Arc;

use super::config::Implementation;
use super::settings::{MatrixError, MatrixSettings};
use super::Column;
use crate::client_seat::ClientTarget;
use crate::scenario::known_failures::KnownFailures;
use crate::scenario::replay::shell_quote;
use crate::server::Mode;
use crate::server_seat::provider::Provider;
use crate::under_test::target::Target;

/// One implementation, ready to run.
pub(super) struct Prepared {
    pub(super) column: Column,
    pub(super) provider: Arc<dyn Provider>,
    pub(super) known_failures: Arc<KnownFailures>,
    /// Its part in the interop pairs.
    pub(super) role: Role,
}

/// What an implementation brings to an interop pair.
pub(super) enum Role {
    Server(Target),
    Client(ClientTarget),
}

/// The client × server pairs: the client's program through the server, known failures of
/// either. Every pair, or with `per_client`, that many servers for each client, in turn.
pub(super) fn pairs(
    clients: &[Prepared],
    servers: &[Prepared],
    per_client: Option<usize>,
) -> Vec<Prepared> {
    let mut out = Vec::new();
    let take = per_client.unwrap_or(servers.len()).min(servers.len());
    for (i, client) in clients.iter().enumerate() {
        let Role::Client(target) = &client.role else {
            continue;
        };
        for server in (0..take).map(|j| &servers[(i + j) % servers.len()]) {
            let Role::Server(source) = &server.role else {
                continue;
            };
            let target = target.clone().with_interop_server(source.clone());
            out.push(Prepared {
                column: Column {
                    name: format!("{} × {}", client.column.name, server.column.name),
                    description: target.describe(),
                    client: Some(client.column.name.clone()),
                    server: Some(server.column.name.clone()),
                },
                known_failures: Arc::new(client.known_failures.merged(&server.known_failures)),
                provider: Arc::new(target.clone()),
                role: Role::Client(target),
            });
        }
    }
    out
}

pub(super) fn prepare_all(
    side: &'static str,
    list: &[Implementation],
    settings: &MatrixSettings,
) -> Result<Vec<Prepared>, MatrixError> {
    list.iter()
        .map(|imp| {
            prepare(side, imp, settings).map_err(|problem| MatrixError::Implementation {
                side,
                name: imp.name.clone(),
                problem,
            })
        })
        .collect()
}

fn prepare(
    side: &str,
    imp: &Implementation,
    settings: &MatrixSettings,
) -> Result<Prepared, String> {
    let known_failures = match &imp.expect {
        Some(path) => KnownFailures::load(path).map_err(|e| e.to_string())?,
        None => KnownFailures::default(),
    };
    let (provider, description, role): (Arc<dyn Provider>, String, Role) =
        match (side, &imp.builtin, &imp.spawn) {
            ("server", Some(mode), _) => {
                let mode = if mode == "threaded" {
                    Mode::Threaded
                } else {
                    Mode::Polling
                };
                server(Target::builtin(mode))
            }
            ("server", None, Some(command)) => {
                let command = match imp.dir.as_ref().filter(|d| *d != Path::new(".")) {
                    Some(dir) => format!(
                        "cd {} && {command}",
                        shell_quote(&dir.display().to_string())
                    ),
                    None => command.clone(),
                };
                server(
                    Target::spawn(&command, settings.spawn_timeout, imp.port)
                        .map_err(|e| e.to_string())?,
                )
            }
            (_, Some(_), _) => {
                let target = ClientTarget::builtin(&settings.exe, imp.port);
                let description = target.describe();
                (Arc::new(target.clone()), description, Role::Client(target))
            }
            (_, None, Some(command)) => {
                let command = match &imp.dir {
                    Some(dir) => absolute_words(command, dir),
                    None => command.clone(),
                };
                let target =
                    ClientTarget::command(&command, imp.port).map_err(|e| e.to_string())?;
                let description = target.describe();
                (Arc::new(target.clone()), description, Role::Client(target))
            }
            _ => return Err("give `builtin` or `spawn`".into()),
        };
    Ok(Prepared {
        column: Column {
            name: imp.name.clone(),
            description,
            client: None,
            server: None,
        },
        provider,
        known_failures: Arc::new(known_failures),
        role,
    })
}

/// A server implementation: its provider, description and role.
fn server(target: Target) -> (Arc<dyn Provider>, String, Role) {
    let description = target.describe();
    (Arc::new(target.clone()), description, Role::Server(target))
}

/// The words of `command` that name a file in `dir`, made absolute: a client runs in a
/// private working directory of its own, not in `dir`.
fn absolute_words(command: &str, dir: &Path) -> String {
    command
        .split(' ')
        .map(|word| {
            let candidate = dir.join(word);
            let is_file = !word.is_empty() && Path::new(word).is_relative() && candidate.is_file();
            match std::path::absolute(&candidate) {
                Ok(absolute) if is_file => absolute.display().to_string(),
                _ => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
