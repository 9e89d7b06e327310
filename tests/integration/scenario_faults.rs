//! The suite catches faults: a clean test server passes every scenario, and each server with
//! one rule broken fails the scenarios named for it, with the report naming the failing step.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chat_harness::record::Verdict;
use chat_harness::report;
use chat_harness::scenario::known_failures::KnownFailures;
use chat_harness::scenario::suite::{self, Entry, Outcome, Status};
use chat_harness::server_seat::RunSettings;

use crate::faulty::{Fault, FaultyProvider};

fn suite_entries() -> Vec<Entry> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = suite::discover(&[dir]).expect("scenarios/ is there");
    let (entries, errors) = suite::load(files);
    assert!(errors.is_empty(), "{errors:?}");
    // Client scenarios test clients, not this server (tests/integration/client_suite.rs).
    entries
        .into_iter()
        .filter(|e| !e.scenario.tests_client())
        .collect()
}

async fn run(fault: Fault, entries: Vec<Entry>, cap: Option<Duration>) -> Vec<Outcome> {
    let settings = RunSettings {
        timeout_cap: cap,
        ..RunSettings::default()
    };
    suite::run_all(
        entries,
        Arc::new(FaultyProvider(fault)),
        Arc::new(settings),
        Arc::new(KnownFailures::default()),
        12,
        |_| {},
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_test_server_passes_every_scenario() {
    let outcomes = run(Fault::Clean, suite_entries(), None).await;
    let failed: String = outcomes
        .iter()
        .filter(|o| o.status != Status::Pass)
        .map(report::failure_details)
        .collect();
    assert!(
        failed.is_empty(),
        "the clean variant must pass everything:\n{failed}"
    );
    assert!(outcomes.len() >= 50);
}

/// For each fault, scenarios that must catch it (each is asserted to fail).
fn catchers(fault: Fault) -> &'static [&'static str] {
    match fault {
        Fault::Clean => &[],
        Fault::EchoToSender => &["text/no-echo-to-sender"],
        Fault::DuplicateNames => &["auth/duplicate-name"],
        Fault::LittleEndianLengths => &["auth/accepted", "text/relay-to-others"],
        Fault::NoTimePrefix => &["text/relay-to-others", "auth/time-in-each-offset"],
        Fault::TimeIgnoresOffset => &["auth/time-in-each-offset"],
        Fault::FileBodyOffByOne => &["file/relay-small", "file/binary-256k"],
        Fault::OneFramePerRead => &["framing/two-frames-one-write", "framing/byte-by-byte"],
        Fault::StallsOnSlowReader => &["backpressure/slow-reader-does-not-stall"],
        Fault::BroadcastToUnauthenticated => &["auth/unauthenticated-get-nothing"],
        Fault::NoDisconnectNotice => &["exit/abrupt-disconnect"],
        Fault::ClosesOnMalformed => &["hostile/unknown-type", "hostile/zero-length"],
        Fault::RelaysOverlong => &["text/overlong-refused"],
        Fault::RequiresOffset => &["auth/without-offset"],
        Fault::JoinWording => &["text/wording-chat-and-notices"],
        Fault::RenameWholePayload => &["rename/first-word-only"],
        Fault::ExitsOnUnknownType => &["hostile/unknown-type"],
        Fault::CorruptsRelayedLength => &["text/longest-relayable"],
        Fault::EvictionWithoutNotice => &["backpressure/slow-reader-disconnected"],
        Fault::RelayLimitOffByOne => &["text/overlong-by-one"],
        Fault::PreAuthFileBodyAsFrames => &["file/before-auth-body-drained"],
        Fault::RelaysOversizedFileHeader => &["file/header-too-long-to-relay"],
        Fault::OffsetWithUnderscores => &["auth/offset-syntax"],
        Fault::CutThrough => &["file/sender-reset-mid-body"],
        Fault::FileEchoedToSender => &["file/relay-small"],
        Fault::DropsCaption => &["file/caption"],
        // `hostile/huge-announced-file` resets right after the bytes, and a reset discards
        // what the server has not read yet; this scenario gives it 100 ms to read them.
        Fault::RelaysPartialFile => &["file/sender-reset-mid-body"],
        Fault::RenameToTakenAccepted => &["rename/taken"],
        Fault::FreedNameStaysTaken => &["rename/frees-old-name"],
        Fault::ChatsKeepAuthName => &["rename/accepted"],
        Fault::LeaveNoticeUsesAuthName => &["exit/notice-after-rename"],
        Fault::NameLimitInChars => &["auth/name-limit-in-bytes"],
        Fault::OversizedUploadNotDrained => &["file/oversized-body-drained"],
        Fault::RelaysInvalidUtf8 => &["hostile/invalid-utf8"],
        Fault::NewcomerHearsEarlierJoin => &["auth/newcomer-auth-ok-first"],
        Fault::OtherAnswers => &[],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_fails_its_scenarios_and_the_report_names_the_step() {
    let entries = suite_entries();
    let runs = Fault::ALL.map(|fault| {
        let entries = entries.clone();
        tokio::spawn(async move {
            (
                fault,
                run(fault, entries, Some(Duration::from_millis(800))).await,
            )
        })
    });
    let mut table = String::new();
    for joined in runs {
        let (fault, outcomes) = joined.await.expect("fault run");
        let failed: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.status == Status::Fail)
            .collect();
        assert!(!failed.is_empty(), "{fault:?}: no scenario failed");
        for id in catchers(fault) {
            let outcome = outcomes
                .iter()
                .find(|o| o.id == *id)
                .unwrap_or_else(|| panic!("no scenario {id}"));
            let Verdict::Fail(failure) = &outcome.run.verdict else {
                panic!("{fault:?}: {id} should fail, got {:?}", outcome.run.verdict);
            };
            let details = report::failure_details(outcome);
            let located = format!(
                "{}:{}: {}",
                outcome.scenario.path.display(),
                failure.line,
                failure.step
            );
            assert!(
                details.contains(&located),
                "{fault:?}: the report must name the step `{located}`:\n{details}"
            );
        }
        let ids: Vec<&str> = failed.iter().map(|o| o.id.as_str()).collect();
        table.push_str(&format!(
            "{fault:?}: {} failing: {}\n",
            ids.len(),
            ids.join(", ")
        ));
    }
    eprintln!("{table}");
}

/// The faults outside [`Fault::ALL`] that the suite catches, each at its scenario.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_character_counted_name_limit_and_an_undrained_oversized_upload_are_caught() {
    for fault in [Fault::NameLimitInChars, Fault::OversizedUploadNotDrained] {
        let mut chosen = suite_entries();
        chosen.retain(|e| catchers(fault).contains(&e.id.as_str()));
        assert_eq!(chosen.len(), 1, "{fault:?}");
        let outcomes = run(fault, chosen.clone(), None).await;
        let Verdict::Fail(_) = &outcomes[0].run.verdict else {
            panic!("{fault:?}: {:?}", outcomes[0].run.verdict);
        };
        let clean = run(Fault::Clean, chosen, None).await;
        assert_eq!(
            clean[0].status,
            Status::Pass,
            "{fault:?}: the clean variant"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_through_server_fails_at_the_step_that_sees_half_a_file() {
    let outcomes = run(
        Fault::CutThrough,
        suite_entries(),
        Some(Duration::from_millis(800)),
    )
    .await;
    let outcome = outcomes
        .iter()
        .find(|o| o.id == "file/sender-reset-mid-body")
        .expect("the scenario ran");
    let Verdict::Fail(failure) = &outcome.run.verdict else {
        panic!("cut-through relaying must fail: {:?}", outcome.run.verdict);
    };
    assert_eq!(failure.step, "bob< notice /alice disconnected/");
    let details = report::failure_details(outcome);
    // The leave notice the step waits for is swallowed as body bytes of the half file.
    for needle in [
        "nothing whole arrived",
        "file header for half.bin from [alice] announcing 100 000 bytes, then 30",
        "the rest never came",
        "0000  00 ",
    ] {
        assert!(details.contains(needle), "{needle:?} missing:\n{details}");
    }
    for id in catchers(Fault::CutThrough) {
        assert!(
            outcomes
                .iter()
                .any(|o| o.id == *id && o.status == Status::Fail),
            "{id}"
        );
    }
}
