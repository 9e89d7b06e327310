//! `proxy --record`: the proxied conversation of `proxy::conversation` written as a scenario
//! that passes against the built-in server in both modes and fails against a test server
//! with one fault at the step where it differs.

use chat_harness::language::model::Action;
use chat_harness::language::scenario::Scenario;
use chat_harness::proxy::record::Recorder;
use chat_harness::proxy::Perturb;
use chat_harness::record::Verdict;
use chat_harness::scenario::parse_file;
use chat_harness::server::Mode;
use chat_harness::server_seat::{run_scenario, RunSettings};

use crate::faulty::{self, Fault};
use crate::proxy::conversation;
use crate::server_support::TestServer;

fn recorded(dir: &std::path::Path) -> Scenario {
    let path = dir.join("session.chat");
    let mut recorder = Recorder::new(&path);
    for event in conversation(Mode::Polling, Perturb::default()) {
        recorder.add(&event).expect("bodies saved");
    }
    recorder.write().expect("scenario written");
    parse_file(&path).unwrap_or_else(|e| {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        panic!("the recording parses: {e}\n{text}")
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn a_recorded_session_replays_on_both_designs_and_finds_a_dropped_caption() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = recorded(dir.path());
    let text = std::fs::read_to_string(dir.path().join("session.chat")).expect("written");
    // Each connection is a client named after its auth; the sent body and the received one
    // are files beside the scenario.
    for line in [
        "connect alice",
        "alice> auth \"alice\" 0",
        "alice> text \"hello bob\"",
        "bob< chat from alice \"hello bob\"",
        "bob> rename-raw \">>chname<< robert\"",
        "alice< notice \"User [bob] changed username to [robert]\"",
        "bob< notice \"User alice disconnected\"",
        "alice< closed",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    assert!(
        text.contains("alice> file-header \"notes.txt\" size 5 caption \"for you\"; body \"session-1-sent.bin\""),
        "{text}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("files/session-1-sent.bin")).expect("saved body"),
        b"12345"
    );
    assert!(
        text.contains(
            "name \"notes.txt\" caption \"for you\" size 5 body \"session-2-received.bin\""
        ),
        "{text}"
    );

    let rt = runtime();
    let settings = RunSettings::default();
    for mode in [Mode::Polling, Mode::Threaded] {
        let server = TestServer::start(mode);
        let run = rt.block_on(run_scenario(&scenario, server.addr(), &settings));
        assert!(
            matches!(run.verdict, Verdict::Pass),
            "{mode:?}: {:?}\n{text}",
            run.verdict
        );
    }
    let run = rt.block_on(async {
        let (addr, server) = faulty::start(Fault::DropsCaption).await;
        let run = run_scenario(&scenario, addr, &settings).await;
        server.abort();
        run
    });
    let Verdict::Fail(failure) = run.verdict else {
        panic!("a server that drops captions must fail: {:?}", run.verdict)
    };
    let step = &scenario
        .steps
        .iter()
        .find(|s| s.line == failure.line)
        .expect("the step");
    assert!(
        matches!(&step.action, Action::Expect(e) if e.client == "bob"),
        "fails at bob's file: {failure:?}"
    );
    assert!(
        failure
            .step
            .starts_with("bob< file from \"alice\" name \"notes.txt\" caption \"for you\""),
        "{failure:?}"
    );
}
