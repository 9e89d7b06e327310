//! Arguments of `chat-harness fuzz`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{duration, TargetArgs};

const FUZZ_EXAMPLES: &str = "\
Examples:
  chat-harness fuzz --time 60s
      One minute against the built-in server (polling mode)
  chat-harness fuzz --server-mode threaded --sessions 2000 --seed 7
      2000 sessions, reproducibly, against the thread-per-client design
  chat-harness fuzz --spawn 'python3 my_server.py {port}' --time 5m \\
      --keep-going
      A fresh process per session; go on after the first finding
  chat-harness fuzz --spawn 'python3 lab_server.py {port}' --profile core
      Hold a lab server to the lab protocol only (docs/PROTOCOL.md, the baseline)
  chat-harness run fuzz-findings/decode-1a2b3c4d.chat
      Replay a saved finding: it fails the same way
  chat-harness fuzz --client 'python3 my_client.py {host} {port}' \\
      --time 60s --keep-going
      Play a hostile server for a client program (findings: client-<oracle>-<hash>.chat,
      replayed with `chat-harness run FILE --client CMD`)
  chat-harness fuzz --client-builtin --time 30s
      The same against the reference client
  chat-harness fuzz --seed 7 --time 5m --keep-going --shard 2/4 --out findings-2
      The second of 4 CI runners: sessions 1, 5, 9, ... of seed 7, none another runner runs
  chat-harness fuzz merge findings-1 findings-2 findings-3 findings-4 --out fuzz-findings
      One finding per failure (oracle, step, frame kinds), the smallest reproducer kept

Each finding is shrunk and saved as DIR/<oracle>-<hash>.chat, a scenario whose comment
gives the seed, the oracle and what was observed, once it fails the same way in at least 2
of 3 re-runs; a failure that reproduces less often is listed as NOT REPRODUCIBLE (session,
seed, what was seen) and not saved. Oracles: alive (the server keeps
accepting and never drops a well-behaved client), canary (a fresh pair can still chat),
decode (every byte decodes), relay, echo, impostor (well-behaved clients get every message
in order, never their own, never under a stolen name), leak (nothing reaches an
unauthenticated connection), notice (joins, renames and leaves are announced in the
documented wording), semantics (a probe client gets what the reference semantics define),
stall (a client that stops reading delays nobody). What the well-behaved clients must
receive is computed by running their actions through the reference core (the model oracle).

Exit status: 0 the budget ran out and nothing was found, 1 something was found,
2 usage or setup error.";

/// Arguments of `chat-harness fuzz`.
#[derive(Debug, Args)]
#[command(after_help = FUZZ_EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct FuzzArgs {
    /// `merge`: the findings of several runs as one.
    #[command(subcommand)]
    pub action: Option<FuzzAction>,
    /// The server to fuzz.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Seed of the run: the same seed and target give the same sessions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop after this long (default 60s unless --sessions is given).
    #[arg(long, value_name = "DURATION", value_parser = duration, conflicts_with = "sessions")]
    pub time: Option<std::time::Duration>,
    /// Stop after this many sessions.
    #[arg(long, value_name = "N")]
    pub sessions: Option<u64>,
    /// Attacking clients per session (besides two well-behaved bystanders and the canaries).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=16))]
    pub clients: u64,
    /// Most turns per session.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=200))]
    pub turns: u64,
    /// Where reproducers are written.
    #[arg(long, value_name = "DIR", default_value = "fuzz-findings")]
    pub out: PathBuf,
    /// Go on after a finding (each oracle is shrunk and saved once).
    #[arg(long)]
    pub keep_going: bool,
    /// Step timeout inside sessions (and in the saved reproducers).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    pub timeout: std::time::Duration,
    /// Most time spent shrinking one finding.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    pub shrink_time: std::time::Duration,
    /// What the model oracle compares and what is sent: `core` holds a server to the lab
    /// protocol (the baseline of docs/PROTOCOL.md) and sends only what core scenarios send
    /// (no attackers, offsets always given, a pause before a file body); `robust` adds the
    /// reference semantics (docs/PROTOCOL.md §6) and every mutation.
    #[arg(long, value_enum, default_value_t = chat_harness::netfuzz::Profile::Robust)]
    pub profile: chat_harness::netfuzz::Profile,
    /// Fuzz a client program instead: a command started once per session through `sh -c`,
    /// with {host} and {port} replaced by the address the harness listens on (or give the
    /// port it connects to with --port). The harness plays a hostile server.
    #[arg(long, value_name = "CMD", conflicts_with_all = ["target", "spawn", "client_builtin"])]
    pub client: Option<String>,
    /// Fuzz the reference client (`chat-harness client`).
    #[arg(long, conflicts_with_all = ["target", "spawn"])]
    pub client_builtin: bool,
    /// Run only sessions K-1, K-1+N, K-1+2N, ... of the seed's run, so N runners with one
    /// --seed never repeat a session; writes DIR/fuzz-run.json for `fuzz merge`.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["client", "client_builtin"])]
    pub shard: Option<chat_harness::shard::Shard>,
}

/// What `chat-harness fuzz` does besides fuzzing.
#[derive(Debug, Subcommand)]
pub enum FuzzAction {
    /// Merge the folders of `fuzz --shard K/N` runs: one finding per failure (oracle, step,
    /// frame kinds), its smallest reproducer copied to --out, one summary (fuzz-merged.json).
    /// Exit 0 when nothing was found, 1 when something was, 2 on errors.
    Merge(FuzzMergeArgs),
}

/// Arguments of `chat-harness fuzz merge`.
#[derive(Debug, Args)]
pub struct FuzzMergeArgs {
    /// The runs' --out folders (each with its fuzz-run.json).
    #[arg(required = true, value_name = "DIR")]
    pub runs: Vec<PathBuf>,
    /// Where the distinct reproducers and fuzz-merged.json go.
    #[arg(long, value_name = "DIR", default_value = "fuzz-findings")]
    pub out: PathBuf,
}
