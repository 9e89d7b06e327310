//! The binary's command-line layer (the library never imports it): the clap arguments of
//! every subcommand in [`args`], one file per subcommand turning its arguments into a run of
//! the library, and the [`Outcome`] each returns. `main.rs` dispatches and maps the outcome
//! to the exit status.

pub mod args;
pub mod bench;
pub mod client;
pub mod coverage;
pub mod fuzz;
pub mod fuzz_client;
pub mod fuzz_merge;
pub mod fuzz_progress;
pub mod limits;
pub mod matrix;
pub mod matrix_merge;
pub mod matrix_progress;
pub mod outcome;
pub mod proxy;
pub mod run;
pub mod scenarios;
pub mod serve;
pub mod target;

pub use outcome::Outcome;
