//! The conformance suite alone against the built-in server, one test per server mode: the
//! small test target `cargo mutants` runs for each mutant of `src/core/` (see
//! `.cargo/mutants.toml` and docs/MUTATION.md). A mutant is caught when a server scenario
//! fails or a reply's wording differs (a `strict-wording` warning counts here). The process
//! ends at the first deviation, with its report on stderr.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use chat_harness::report;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::{self, Slots, Status};
use chat_harness::server::Mode;
use chat_harness::server_seat::RunSettings;
use chat_harness::under_test::target::Target;

async fn suite_on(mode: Mode) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (entries, errors) = suite::load(suite::discover(&[dir]).expect("scenarios/ is there"));
    assert!(errors.is_empty(), "{errors:?}");
    let servers: Vec<_> = entries
        .into_iter()
        .filter(|e| !e.scenario.tests_client())
        .collect();
    // The core scenarios first, on their own: outcomes are reported in input order, so a
    // mutant that breaks the server outright is caught by the first of them within seconds,
    // not once the floods (started first in a mixed run) have waited out their timeouts.
    let (core, rest): (Vec<_>, Vec<_>) = servers
        .into_iter()
        .partition(|e| e.scenario.tags.iter().any(|t| t == "core"));
    let mut outcomes = Vec::new();
    for entries in [core, rest] {
        outcomes.extend(
            suite::run_all(
                entries,
                Arc::new(Target::builtin(mode)),
                Arc::new(RunSettings::default()),
                Arc::new(KnownFailures::default()),
                // Four at a time, heavy or not, as the figures in docs/MUTATION.md were taken.
                Slots::flat(4),
                stop_at_the_first_deviation(mode),
            )
            .await,
        );
    }
    assert!(outcomes.len() >= 80, "{}", outcomes.len());
    let failed: String = outcomes
        .iter()
        .filter(|o| o.status != Status::Pass || !o.run.warnings.is_empty())
        .map(|o| format!("{}{:?}\n", report::failure_details(o), o.run.warnings))
        .collect();
    assert!(failed.is_empty(), "{mode} mode:\n{failed}");
}

/// Ends the whole test process at the first scenario that fails or warns, printing why. A
/// mutant that breaks the server would otherwise wait out every failing scenario's timeouts
/// (70 s a mutant instead of a few); one deviation is all `cargo mutants` needs to know.
fn stop_at_the_first_deviation(mode: Mode) -> impl FnMut(&suite::Outcome) {
    move |outcome| {
        if outcome.status != Status::Pass || !outcome.run.warnings.is_empty() {
            // Straight to the stderr file descriptor: libtest's capture (eprintln!) is lost
            // when the process exits here.
            let _ = writeln!(
                std::io::stderr(),
                "{mode} mode:\n{}{:?}",
                report::failure_details(outcome),
                outcome.run.warnings
            );
            std::process::exit(1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_on_the_polling_server() {
    suite_on(Mode::Polling).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_on_the_threaded_server() {
    suite_on(Mode::Threaded).await;
}
