//! The keep/drop rule, seen from `fuzz`: a provider that fails a bystander's echo check on a
//! fixed schedule of its runs stands in for a racy server, so how often a reproducer fails
//! its re-runs is known exactly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{reproducible, RECHECKS};
use crate::language::model::Action;
use crate::language::scenario::Scenario;
use crate::netfuzz::rng::Rng;
use crate::netfuzz::role::Role;
use crate::netfuzz::steps::expected_sender;
use crate::netfuzz::{fuzz, Budget, Event, FuzzConfig, Generator, Oracle, Profile, Shape, Summary};
use crate::record::{FailKind, Failure, FinishedRun, Verdict};
use crate::server_seat::provider::Provider;
use crate::server_seat::RunSettings;

/// A bystander's echo check (`bN< never chat from bN *`), by line and source.
fn echo_check(scenario: &Scenario) -> Option<(usize, String, String)> {
    scenario.steps.iter().find_map(|s| match &s.action {
        Action::Expect(e)
            if e.never
                && Role::of(&e.client) == Role::Bystander
                && expected_sender(&s.action) == Some(e.client.as_str()) =>
        {
            Some((s.line, s.source.clone(), e.client.clone()))
        }
        _ => None,
    })
}

/// Fails the echo check of the scenario it runs (when it has one) on the runs `fails`
/// picks, counted from 0 over the whole fuzz run; passes every other run.
struct Scripted {
    fails: fn(usize) -> bool,
    runs: AtomicUsize,
}

impl Provider for Scripted {
    fn run<'a>(
        &'a self,
        scenario: &'a Scenario,
        _: &'a RunSettings,
    ) -> futures_util::future::BoxFuture<'a, (FinishedRun, Option<String>)> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        let mut run = FinishedRun::error(String::new());
        run.verdict = match echo_check(scenario).filter(|_| (self.fails)(n)) {
            Some((line, step, client)) => Verdict::Fail(Box::new(Failure {
                kind: FailKind::Mismatch,
                line,
                step,
                iteration: None,
                client: Some(client),
                reason: "received its own message".into(),
                actual: None,
                actual_hex: None,
                deviation: None,
                skipped: None,
            })),
            None => Verdict::Pass,
        };
        Box::pin(async move { (run, None) })
    }

    fn isolated(&self) -> bool {
        true
    }
}

/// One session whose first run fails the echo check, fuzzed against `fails`; returns the
/// summary, the saved and dropped events, and the text of each reproducer written.
async fn fuzz_one(fails: fn(usize) -> bool) -> (Summary, Vec<String>, Vec<String>) {
    let shape = Shape {
        attackers: 2,
        max_turns: 8,
        suffix: String::new(),
        timeout: Duration::from_millis(600),
        profile: Profile::Robust,
    };
    let seed = (0..500)
        .find(|&s| {
            let session = Generator::new(shape.clone()).session(Rng::session_seed(s, 0));
            echo_check(&session).is_some()
        })
        .expect("a run seed whose first session has an echo check");
    let out = tempfile::tempdir().expect("tempdir");
    let config = FuzzConfig {
        seed,
        budget: Budget::Sessions(1),
        shape,
        out: out.path().to_owned(),
        keep_going: false,
        shrink_runs: 300,
        shrink_time: Duration::from_secs(60),
        shard: None,
    };
    let provider = Arc::new(Scripted {
        fails,
        runs: AtomicUsize::new(0),
    });
    let mut events = Vec::new();
    let summary = fuzz(&config, provider, |e| match e {
        Event::Saved(f) => events.push(format!("saved {} {:?}", f.oracle, f.reproduced)),
        Event::Dropped(f) => events.push(format!("dropped {} {:?}", f.oracle, f.reproduced)),
        _ => {}
    })
    .await;
    assert!(summary.error.is_none(), "{:?}", summary.error);
    let files = std::fs::read_dir(out.path())
        .expect("out")
        .map(|f| std::fs::read_to_string(f.expect("entry").path()).expect("a reproducer"))
        .collect();
    (summary, events, files)
}

#[test]
fn a_majority_of_the_rechecks_must_fail() {
    assert_eq!(RECHECKS, 3);
    let kept: Vec<usize> = (0..=RECHECKS)
        .filter(|&n| reproducible(n, RECHECKS))
        .collect();
    assert_eq!(kept, [2, 3]);
    assert!(!reproducible(2, 4) && reproducible(3, 4) && !reproducible(0, 0));
}

#[tokio::test]
async fn a_failure_that_reproduces_1_of_3_reruns_is_reported_flaky_and_not_saved() {
    // Every third run fails: the first session does, and so does exactly one of any three
    // re-runs; no shrink candidate fails twice in a row, so nothing shrinks.
    let (summary, events, files) = fuzz_one(|n| n % 3 == 0).await;
    assert!(summary.findings.is_empty(), "{:?}", summary.findings);
    assert!(files.is_empty(), "no reproducer written: {files:?}");
    assert_eq!(summary.flaky.len(), 1, "{:?}", summary.flaky);
    let flaky = &summary.flaky[0];
    assert_eq!(flaky.oracle, Oracle::Echo);
    assert_eq!(flaky.reproduced, (1, 3));
    assert_eq!((flaky.session, summary.sessions), (0, 1));
    assert!(
        flaky.observed.contains("received its own message"),
        "{}",
        flaky.observed
    );
    assert_eq!(events, ["dropped echo (1, 3)"]);
}

#[tokio::test]
async fn a_failure_that_reproduces_2_of_3_reruns_is_saved() {
    // Two runs of every three fail (the first session's among them).
    let (summary, events, files) = fuzz_one(|n| n % 3 != 2).await;
    assert!(summary.flaky.is_empty(), "{:?}", summary.flaky);
    assert_eq!(summary.findings.len(), 1);
    let finding = &summary.findings[0];
    assert_eq!((finding.oracle, finding.reproduced), (Oracle::Echo, (2, 3)));
    assert_eq!(files.len(), 1);
    assert!(
        files[0].contains("failed the same way 2 of 3 re-runs"),
        "{}",
        files[0]
    );
    assert_eq!(events, ["saved echo (2, 3)"]);
}
