//! The client seat's pieces: the `tests: client` statements and their errors, the `TZ` value,
//! escape stripping and line splitting, path globs, and a client that opens a second
//! connection (`accept`), driven by a scripted Python client.

use std::path::Path;
use std::sync::Arc;

use chat_harness::client_seat::{
    glob_regex, strip_escapes, tz_value, ClientTarget, LineSplitter, SeatAction,
};
use chat_harness::language::scenario::Subject;
use chat_harness::record::Verdict;
use chat_harness::scenario::{parse_str, Scenario};
use chat_harness::server_seat::provider::Provider;
use chat_harness::server_seat::RunSettings;

fn parse(text: &str) -> Scenario {
    parse_str(text, Path::new("scenarios/client/x.chat")).unwrap()
}

fn error(text: &str) -> String {
    parse_str(text, Path::new("scenarios/client/x.chat"))
        .unwrap_err()
        .to_string()
}

#[test]
fn a_client_scenario_parses_into_seat_steps_with_its_timezone_and_samples() {
    let s = parse(
        "tests: client\ntimezone: -05:30\nuser> \"hi\"\nserver< auth /^a -?\\d+$/ within 1s\n\
         server> auth-ok; chat from bob \"yo\" at 09:30 chunk 1 pause 1ms\nuser< \"yo\"\n\
         saved \"files*/**pic.png\" body \"pic.png\"\nsaved nothing outside\nclose stdin\n\
         close connection\nreset connection\naccept within 1s\nclient exits status 0 within 2s\n\
         client runs for 10ms\nuser< never /oops/ within 5ms\nuser< nothing for 5ms\n",
    );
    assert!(s.steps.is_empty());
    let Subject::Client(script) = &s.subject else {
        panic!("not a client scenario")
    };
    assert_eq!(script.utc_offset, -(5 * 3600 + 30 * 60));
    assert!(script
        .sample_files
        .iter()
        .any(|d| d.ends_with("scenarios/files")));
    assert_eq!(script.steps.len(), 14);
    assert!(matches!(script.steps[0].action, SeatAction::Type(ref t) if t == "hi"));
    assert!(matches!(
        script.steps[9].action,
        SeatAction::Accept(Some(_))
    ));
    assert_eq!(script.steps[2].line, 5);
}

#[test]
fn client_statement_mistakes_are_located() {
    assert!(error("timezone: +03:00\n").contains("`tests: client` above it"));
    assert!(error("tests: client\ntimezone: +15:00\n").contains("is not a UTC offset"));
    assert!(error("tests: robot\n").contains("`client` or a `server`"));
    assert!(error("tests: client\nconnect a\n").contains("unknown statement `connect`"));
    assert!(error("tests: client\nserver< hello\n").contains("cannot expect `hello`"));
    assert!(error("tests: client\nserver> chat from bob \"x\" at 25:00\n").contains("not a time"));
    assert!(error("tests: client\nclose door\n").contains("close what"));
    assert!(error("connect a\ntests: client\n").contains("belongs in the header"));
}

#[test]
fn tz_values_count_west_as_posix_does() {
    assert_eq!(tz_value(10800), "<+0300>-3:00");
    assert_eq!(tz_value(-18000), "<-0500>5:00");
    assert_eq!(tz_value(0), "<+0000>0:00");
    assert_eq!(tz_value(19800), "<+0530>-5:30");
}

#[test]
fn output_lines_lose_escapes_and_split_at_carriage_returns() {
    assert_eq!(
        strip_escapes("\u{1b}[1;32mhi\u{1b}[0m \u{1b}]0;title\u{7}there"),
        "hi there"
    );
    let mut splitter = LineSplitter::default();
    let lines = splitter.push(b"> half\rreceiving 50%\r\n\n\x1b[2Kdone\npartial");
    assert_eq!(lines, ["> half", "receiving 50%", "done"]);
    assert_eq!(splitter.finish().as_deref(), Some("partial"));
}

#[test]
fn globs_stay_within_segments_unless_doubled() {
    let g = glob_regex("files*/pic.png");
    assert!(g.is_match("filesalice/pic.png"));
    assert!(g.is_match("files/pic.png"));
    assert!(!g.is_match("files/alice/pic.png"));
    assert!(glob_regex("files*/**pic.png").is_match("files/alice/pic.png"));
    assert!(!glob_regex("a.b").is_match("axb"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_connection_is_accepted_and_played_separately() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        return;
    }
    // Two connections: a 0x03 "first" on one, a 0x03 "second" on the other, then a line.
    let script = "import socket,sys\n\
        a=socket.create_connection((sys.argv[1],int(sys.argv[2])))\n\
        a.sendall(bytes([0,6,3])+b'first')\n\
        b=socket.create_connection((sys.argv[1],int(sys.argv[2])))\n\
        b.sendall(bytes([0,7,3])+b'second')\n\
        print(b.recv(100)[3:].decode(), flush=True)\n\
        sys.stdin.read()\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.py");
    std::fs::write(&path, script).unwrap();
    let scenario = parse(
        "tests: client\nserver< text \"first\"\naccept\nserver< text \"second\"\n\
         server> reply \"to the second\"\nuser< \"to the second\"\nclient runs\nclose stdin\n\
         client exits status 0 within 2s\n",
    );
    let command = format!("python3 {} {{host}} {{port}}", path.display());
    let client: Arc<dyn Provider> = Arc::new(ClientTarget::command(&command, None).unwrap());
    let (run, _) = client.run(&scenario, &RunSettings::default()).await;
    assert_eq!(run.verdict, Verdict::Pass, "{:#?}", run.transcripts);
    let lines = &run.transcripts[0].1;
    assert!(
        lines.iter().any(|l| l.contains("connection 2")),
        "{lines:#?}"
    );
}
