//! The server named by [`TargetArgs`] (`--target`, `--spawn` or the built-in one): the one
//! builder from the command line's target arguments that `run`, `fuzz` and `bench` use, and
//! the provider `run` and `fuzz` hand scenarios and sessions to.

use std::sync::Arc;

use chat_harness::server_seat::provider::Provider;
use chat_harness::under_test::target::Target;

use crate::cli::args::TargetArgs;

/// The server under test that `args` name: `--target`, `--spawn`, or the built-in server in
/// `--server-mode`.
pub fn server_under_test(args: &TargetArgs) -> anyhow::Result<Target> {
    Ok(match (&args.target, &args.spawn) {
        (Some(addr), _) => Target::address(addr)?,
        (None, Some(cmd)) => Target::spawn(cmd, args.spawn_timeout, args.port)?,
        (None, None) => Target::builtin(args.server_mode.into()),
    })
}

/// The server behind `--target`, `--spawn` or the built-in one, and its description; shared
/// by `run` and `fuzz`.
pub fn provider(args: &TargetArgs) -> anyhow::Result<(Arc<dyn Provider>, String)> {
    if args.port.is_some() && args.spawn.is_none() {
        anyhow::bail!(
            "--port goes with --spawn (a server listening on it), or in `run` with --client (a client connecting to it)"
        );
    }
    let target = server_under_test(args)?;
    let description = target.describe();
    Ok((Arc::new(target), description))
}
