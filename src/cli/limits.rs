//! `--limits`: parsed over a subcommand's defaults and set for every program it starts.

use chat_harness::under_test::limits::{self, Limits};

/// Sets the limits of the programs this run starts: `text` (if given) over `defaults`.
pub fn configure(text: Option<&str>, defaults: Limits) -> anyhow::Result<()> {
    let chosen = match text {
        Some(text) => {
            Limits::parse(text, defaults).map_err(|e| anyhow::anyhow!("--limits: {e}"))?
        }
        None => defaults,
    };
    limits::configure(chosen);
    Ok(())
}
