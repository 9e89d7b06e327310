//! Arguments of `chat-harness matrix`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::duration;

const MATRIX_EXAMPLES: &str = "\
The matrix file names the implementations; relative paths in it are taken from its folder:

  scenarios = [\"../scenarios\"]      # default: the built-in suite
  tags = [\"core\"]                   # optional, as --tag; filter = \"REGEX\" as --filter
  [[server]]
  name = \"reference (polling)\"
  builtin = \"polling\"               # or \"threaded\"
  [[server]]
  name = \"lab server\"
  spawn = \"python3 Server.py\"       # through sh -c; {port} is filled in when present
  port = 55555                      # a fixed port: its scenarios run one at a time
  dir = \"../lab\"                    # working directory of the command
  expect = \"lab-server.expect\"      # known failures, as run --expect
  [[client]]
  name = \"reference client\"
  builtin = \"reference\"
  [[client]]
  name = \"lab client\"
  spawn = \"python3 Client.py {host} {port}\"

Examples:
  chat-harness matrix examples/matrix.toml
  chat-harness matrix class.toml -j 4 --retries 2 --out reports/
  chat-harness matrix class.toml -j 1 --out slow/   # one scenario at a time in all
  chat-harness matrix class.toml --shard 2/4 --out shard-2/     # one of 4 CI runners
  chat-harness matrix merge shard-*/matrix.json --out reports/  # the whole matrix again

Exit status: 0 when every cell is as expected (passes, or known failures of the
implementation's expect file), 1 otherwise (a failure, or a cell that could not run),
2 when the matrix cannot run (a wrong file, a scenario that does not parse).";

/// Arguments of `chat-harness matrix`.
#[derive(Debug, Args)]
#[command(
    after_help = MATRIX_EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct MatrixArgs {
    /// `merge`: put the parts of a sharded matrix back together.
    #[command(subcommand)]
    pub action: Option<MatrixAction>,
    /// The matrix file (TOML).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// Run only the K-th of N deterministic, balanced parts of the cells (for N CI runners);
    /// matrix.json is then marked as a shard and `matrix merge` makes the whole matrix of all
    /// N.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<chat_harness::shard::Shard>,
    /// Where matrix.html and matrix.json are written.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Scenarios at a time in the whole matrix: the implementations that take {port} (and the
    /// built-in ones) run side by side over these slots, those on a fixed port one scenario at
    /// a time [default: 8 per CPU, 8 to 64; at most half of them heavy scenarios at once].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Run a failed scenario again, on a fresh server or client, up to N times; one that then
    /// passes is `flaky` (and not as expected, unless --allow-flaky).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,
    /// A scenario that passes only on a retry counts as passing.
    #[arg(long)]
    pub allow_flaky: bool,
    /// Default timeout of a step that waits, unless a scenario sets its own.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration)]
    pub timeout: std::time::Duration,
    /// How long a spawned server may take to accept its first connection.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    pub spawn_timeout: std::time::Duration,
    /// Resource limits of every program started, set before it runs; stricter than run's:
    /// `cpu=30s,mem=512M,procs=64,fsize=64M,nofile=256` by default; `KEY=VALUE,...` over
    /// those, `KEY=none` to lift one, or `none`.
    #[arg(long, value_name = "LIMITS")]
    pub limits: Option<String>,
    /// Leave the date and times out of both files (for reproducible output).
    #[arg(long, hide = true)]
    pub no_timings: bool,
}

/// What `chat-harness matrix` does besides running a matrix file.
#[derive(Debug, Subcommand)]
pub enum MatrixAction {
    /// Merge the matrix.json of every `matrix --shard K/N` run into the matrix.html and
    /// matrix.json of the whole matrix (exit 2 when a shard is missing, given twice, or comes
    /// from another matrix file or suite version; else as `matrix`).
    Merge(MatrixMergeArgs),
}

/// Arguments of `chat-harness matrix merge`.
#[derive(Debug, Args)]
pub struct MatrixMergeArgs {
    /// The shards' matrix.json files, all N of them, in any order.
    #[arg(required = true, value_name = "SHARD.json")]
    pub shards: Vec<PathBuf>,
    /// Where matrix.html and matrix.json are written.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Leave the date and times out of both files (for reproducible output).
    #[arg(long, hide = true)]
    pub no_timings: bool,
}
