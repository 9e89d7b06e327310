//! The writer is the parser's inverse: every scenario of the suite, and every kind of step,
//! written back to text parses into the same model.

use std::path::{Path, PathBuf};

use chat_harness::language::scenario::Scenario;
use chat_harness::language::{parse_str, writer};
use chat_harness::scenario::suite;

/// The model without line numbers and source text, which the writer does not keep.
fn shape(scenario: &Scenario) -> String {
    let steps: Vec<String> = scenario
        .steps
        .iter()
        .map(|s| format!("{:?}", s.action))
        .collect();
    format!(
        "{:?} {:?} {:?}\n{}",
        scenario.description,
        scenario.tags,
        scenario.timeout,
        steps.join("\n")
    )
}

fn round_trip(scenario: &Scenario) {
    let text = writer::write(scenario);
    let again = parse_str(&text, &scenario.path).unwrap_or_else(|e| {
        panic!(
            "{}: the written text does not parse: {e}\n{text}",
            scenario.path.display()
        )
    });
    assert_eq!(
        shape(scenario),
        shape(&again),
        "{}:\n{text}",
        scenario.path.display()
    );
    assert_eq!(text, writer::write(&again));
}

#[test]
fn every_suite_scenario_survives_writing_and_parsing() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (entries, errors) = suite::load(suite::discover(&[dir]).expect("scenarios/"));
    assert!(errors.is_empty(), "{errors:?}");
    assert!(entries.len() >= 50);
    // The writer writes what the fuzzer produces: scenarios that test servers.
    for entry in entries.iter().filter(|e| !e.scenario.tests_client()) {
        round_trip(&entry.scenario);
    }
}

#[test]
fn hostile_bytes_names_and_options_survive() {
    let source = r#"description: odd "quotes" and bytes
tags: fuzz robust
timeout: 750ms
connect a b
a> auth "we ird\"name" -50400; text "\xc3\xa9"; raw ff fe; raw ff ff 00 "x" * 300
a> text "caf\xc3\xa9 \t\n" "z" * 65000 chunk 3 split-at 1,4,9 pause 1500us within 2s
a> file-header "f.bin" size 4294967295 caption "a b"; body generated 10
a> rename-raw ">>chname<< c d"; exit "bye"; exit
b< never malformed or chat from a * or closed within 20ms
b< eventually chat from /^a$/ "x" then notice * or reply /in use/ within 1s strict-wording
b< text "{time} a connected" or text "plain" or text /^<\d\d:\d\d> a\/b/
b< file from a name "f.bin" caption none size 3 body generated 3
b< file from * name * caption "c" or auth-ok or renamed "r" or nothing for 10ms
stop-reading b
resume-reading b
ignore-notices b
heed-notices b
pause 3ms
half-close a
reset b
close a
"#;
    let scenario = parse_str(source, Path::new("/tmp/x.chat")).expect("parses");
    round_trip(&scenario);
}

#[test]
fn never_takes_single_expectations_only() {
    let bad = "connect a\na< never chat from b * then closed\n";
    assert!(parse_str(bad, Path::new("x.chat")).is_err());
    let bad = "connect a\na< never nothing for 1s\n";
    assert!(parse_str(bad, Path::new("x.chat")).is_err());
}

/// `never` looks back over everything the connection received, consumed or not.
#[tokio::test]
async fn never_fails_on_a_past_arrival_even_when_consumed() {
    use chat_harness::record::Verdict;
    use chat_harness::server::{self, Mode, ServerConfig};
    use chat_harness::server_seat::{run_scenario, RunSettings};
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = server::spawn(ServerConfig::new(Mode::Polling, dir.path())).expect("server");
    let source = "connect a b\na> auth a 0\na< auth-ok\nb> auth b 0\nb< auth-ok\n\
                  a> text \"hi\"\nb< eventually chat from a \"hi\"\na< never chat from a *\n\
                  b< never malformed or closed\nb< never chat from a \"hi\" within 10ms\n";
    let scenario = parse_str(source, Path::new("n.chat")).expect("parses");
    let run = run_scenario(&scenario, handle.addr(), &RunSettings::default()).await;
    let Verdict::Fail(failure) = run.verdict else {
        panic!("the last step must fail: {:?}", run.verdict);
    };
    assert_eq!(failure.line, 10, "{failure:?}");
    assert!(failure.reason.contains("never chat from a"), "{failure:?}");
    tokio::task::spawn_blocking(move || handle.shutdown())
        .await
        .expect("join")
        .expect("shutdown");
}
