//! `chat-harness client`: resolve the server, start the runtime, run a chat session through
//! the terminal or pipes, and map how it ended to an exit status.

use std::net::{SocketAddr, ToSocketAddrs};

use anyhow::{anyhow, Context, Result};

use chat_harness::client::{self, ChatError, ChatOptions};

use crate::cli::args::ClientArgs;
use crate::cli::Outcome;

fn resolve(address: &str) -> Result<SocketAddr> {
    address
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {address}"))?
        .next()
        .ok_or_else(|| anyhow!("{address} resolves to no address"))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Chats until `>>exit<<` or the end of input (passed) or until the connection is lost.
pub fn run(args: ClientArgs) -> Result<Outcome> {
    let options = ChatOptions {
        server: resolve(&args.connect)?,
        name: args.name.clone(),
        files_dir: args.files_dir.clone(),
        offset: args.offset.unwrap_or_else(client::local_utc_offset),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let runtime = runtime()?;
    let result = runtime.block_on(async {
        let (lines, out) = client::open_terminal(args.json);
        client::run(options, lines, out).await
    });
    // The stdin reader may still be blocked on a read; don't wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => Ok(Outcome::Passed),
        Err(e @ ChatError::ConnectionLost(_)) => Ok(Outcome::Lost(e.into())),
        Err(e @ (ChatError::Unreachable { .. } | ChatError::NoName)) => Err(e.into()),
    }
}
