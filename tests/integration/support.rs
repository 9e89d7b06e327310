//! Helpers shared by the integration tests.

use chat_harness::fuzz_targets::{decode_whole, Decoded};
use chat_harness::protocol::Frame;

/// Encodes frames back to back, panicking on frames that cannot be encoded.
pub fn encode_all<F: Frame + std::fmt::Debug>(frames: &[F]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        frame
            .encode(&mut out)
            .unwrap_or_else(|e| panic!("{frame:?}: {e}"));
    }
    out
}

/// Decodes a complete stream and returns only the frames, asserting nothing else came out.
pub fn frames_of<F: Frame + Clone + std::fmt::Debug>(stream: &[u8]) -> Vec<F> {
    decode_whole::<F>(stream)
        .into_iter()
        .map(|item| match item {
            Decoded::Frame(frame) => frame,
            other => panic!("expected only frames, got {other:?}"),
        })
        .collect()
}

/// An address where nothing listens, for as long as the returned socket lives: it is bound but
/// not listening, so connections are refused and no other test can be handed the port.
pub fn refusing_address() -> (socket2::Socket, std::net::SocketAddr) {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let any_port = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&any_port.into()).expect("bind");
    let addr = socket
        .local_addr()
        .expect("local address")
        .as_socket()
        .expect("an IP address");
    (socket, addr)
}

/// A human report made comparable from run to run: the milliseconds of timeline entries
/// become `[ms]`, and each run of consecutive received entries is put in a fixed order, the
/// mark of the failing step's start first. Frames received by different clients at nearly the
/// same time are recorded by separate tasks, and an answer may land just before or just after
/// the step that waits for it starts, so their order within such a run is the scheduler's;
/// sends and actions keep their place (a test about an order asserts it on the unsorted text).
/// The counts of entries left out between rows kept as evidence (`… 3 entries not shown`)
/// depend on that same order and are left out.
pub fn settle_timeline(report: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut received: Vec<String> = Vec::new();
    for line in report.lines() {
        if line.starts_with("    … ") && line.ends_with(" not shown") {
            continue;
        }
        let entry = line
            .split_once(" ms  ")
            .filter(|(ms, _)| {
                !ms.trim().is_empty() && ms.trim().chars().all(|c| c.is_ascii_digit())
            })
            .map(|(_, rest)| format!("      [ms]  {rest}"));
        let mark = line.starts_with("    ---- the failing step");
        match entry {
            Some(e) if e.contains("  < ") || e.contains("  &lt; ") => received.push(e),
            None if mark => received.push(line.to_owned()),
            other => {
                received.sort_by_key(|l| (!l.starts_with("    ----"), l.clone()));
                out.append(&mut received);
                out.push(other.unwrap_or_else(|| line.to_owned()));
            }
        }
    }
    received.sort_by_key(|l| (!l.starts_with("    ----"), l.clone()));
    out.append(&mut received);
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Snapshot filter for the suite's version in report headers (`0.1.0+1a2b3c4d`), which
/// changes whenever a scenario file does.
pub const VERSION_FILTER: (&str, &str) = (r"\b\d+\.\d+\.\d+\+[0-9a-f]{8}\b", "[VERSION]");

/// Snapshot filters for the time of day a run happened at: `<HH:MM>` prefixes as text, and
/// the same prefix in a hex dump (`<`, four digits around `:`, `>`).
pub fn time_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"<\d\d:\d\d>", "<HH:MM>"),
        (
            r"3c( +)3\d( +)3\d( +)3a( +)3\d( +)3\d( +)3e",
            "3c${1}3H${2}3H${3}3a${4}3M${5}3M${6}3e",
        ),
    ]
}

/// Whether `python3` runs here (the tests that start Python programs skip without it).
pub fn python() -> bool {
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the `chat-harness` binary with `args` in the crate's folder, to its end.
pub fn harness(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chat-harness"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run chat-harness")
}

/// `chat-harness run` ended as the binary ends it: the library's typed end turned into the
/// exit status, with the error lines `main.rs` prints written to `err`, so that a test asserts
/// what a user sees.
pub async fn execute(
    config: chat_harness::scenario::command::RunConfig,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> u8 {
    use chat_harness::scenario::run_end::{RunEnd, RunError};
    match chat_harness::scenario::command::execute(config, out, err).await {
        Ok(RunEnd::Passed) => 0,
        Ok(RunEnd::Failed) => 1,
        Ok(RunEnd::Errors) => 2,
        Ok(RunEnd::Interrupted { signal, unwritten }) => {
            if let Some(e) = unwritten {
                let _ = writeln!(err, "chat-harness: {e}");
            }
            u8::try_from(128 + signal).unwrap_or(130)
        }
        Err(RunError::Unparsed(errors)) => {
            for e in &errors {
                let _ = writeln!(err, "chat-harness: {e}\n");
            }
            let _ = writeln!(err, "{}", RunError::Unparsed(errors));
            2
        }
        Err(e) => {
            let _ = writeln!(err, "chat-harness: {e}");
            2
        }
    }
}

/// The one snapshot helper: asserts `text` against `tests/snapshots/NAME.snap`, with the
/// version filter ([`VERSION_FILTER`]) and then `filters`, in order (each a regex and its
/// replacement).
pub fn snapshot(name: &str, text: &str, filters: &[(&str, &str)]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    for (pattern, replacement) in std::iter::once(&VERSION_FILTER).chain(filters) {
        settings.add_filter(pattern, *replacement);
    }
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The text of every element of an HTML page that `selector` picks, in document order.
pub fn texts(page: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).expect("selector");
    page.select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect()
}
