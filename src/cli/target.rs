//! The server named by [`TargetArgs`] (`--target`, `--spawn` or the built-in one), as the
//! provider `run` and `fuzz` hand scenarios and sessions to.

use std::sync::Arc;

use chat_harness::server_seat::provider::Provider;
use chat_harness::under_test::builtin::Builtin;
use chat_harness::under_test::target::Target;

use crate::cli::args::TargetArgs;

/// The server behind `--target`, `--spawn` or the built-in one, and its description; shared
/// by `run` and `fuzz`.
pub fn provider(args: &TargetArgs) -> anyhow::Result<(Arc<dyn Provider>, String)> {
    if args.port.is_some() && args.spawn.is_none() {
        anyhow::bail!(
            "--port goes with --spawn (a server listening on it), or in `run` with --client (a client connecting to it)"
        );
    }
    Ok(match (&args.target, &args.spawn) {
        (Some(addr), _) => {
            let target = Target::address(addr)?;
            let description = target.describe();
            (Arc::new(target), description)
        }
        (None, Some(cmd)) => {
            let target = Target::spawn(cmd, args.spawn_timeout, args.port)?;
            let description = target.describe();
            (Arc::new(target), description)
        }
        (None, None) => {
            let builtin = Builtin::new(args.server_mode.into());
            let description = builtin.describe();
            (Arc::new(builtin), description)
        }
    })
}
