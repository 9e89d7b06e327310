//! The client binary against an in-process reference server: chat, name clash, rename, a
//! 5 MiB file, exit, and the server going away.

use chat_harness::server::{self, Mode, ServerConfig, ServerHandle};

use crate::cli_client::ClientProcess;

fn start_server(files: &std::path::Path) -> ServerHandle {
    server::spawn(ServerConfig::new(Mode::Polling, files.join("server"))).expect("server starts")
}

/// Logs `name` in and waits for the confirmation.
fn login(server: &ServerHandle, files: &std::path::Path, name: &str) -> ClientProcess {
    let mut client = ClientProcess::start(server.addr(), files, &[]);
    client.type_line(name);
    client.expect("logged in", |l| {
        l.starts_with(&format!("* logged in as {name}."))
    });
    client
}

#[test]
fn two_clients_chat_both_ways_then_exit_with_status_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(dir.path());
    let mut alice = login(&server, dir.path(), "alice");
    let mut bob = login(&server, dir.path(), "bob");
    alice.expect("bob's arrival", |l| l.ends_with("> bob connected"));
    alice.type_line("hello bob");
    bob.expect("alice's message", |l| l.ends_with("> [alice] hello bob"));
    bob.type_line("hi alice, ünïcode too");
    alice.expect("bob's reply", |l| {
        l.ends_with("> [bob] hi alice, ünïcode too")
    });
    bob.type_line(">>exit<<");
    bob.expect("the goodbye", |l| l == "* left the chat");
    alice.expect("bob leaving", |l| l.ends_with("> User bob disconnected"));
    let (status, stderr) = bob.finish();
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn a_taken_name_prompts_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(dir.path());
    let _alice = login(&server, dir.path(), "alice");
    let mut second = ClientProcess::start(server.addr(), dir.path(), &["--name", "alice"]);
    second.expect("the refusal", |l| l == "! The name is already in use");
    second.type_line("alice2");
    second.expect("logged in", |l| l.starts_with("* logged in as alice2."));
}

#[test]
fn rename_is_confirmed_and_the_others_see_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(dir.path());
    let mut alice = login(&server, dir.path(), "alice");
    let mut bob = login(&server, dir.path(), "bob");
    alice.type_line(">>chname<< carol and more words");
    alice.expect("the confirmation", |l| l == "* Username changed to carol");
    bob.expect("the notice", |l| {
        l.ends_with("> User [alice] changed username to [carol]")
    });
    alice.type_line("now as carol");
    bob.expect("the renamed sender", |l| {
        l.ends_with("> [carol] now as carol")
    });
}

#[test]
fn a_5_mib_binary_file_arrives_identical_in_the_receivers_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(dir.path());
    let body: Vec<u8> = (0..5u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(dir.path().join("photo.bin"), &body).expect("write");
    let mut alice = login(&server, dir.path(), "alice");
    let mut bob = login(&server, dir.path(), "bob");
    alice.type_line(">>sendfile<< photo.bin holiday snaps");
    alice.expect("the send report", |l| {
        l.starts_with("* sent") && l.ends_with("(5242880 bytes)")
    });
    let line = bob.expect("the file", |l| l.starts_with("* file photo.bin"));
    assert!(
        line.contains("\"holiday snaps\" from alice: 5242880 bytes saved to"),
        "{line}"
    );
    let saved = dir.path().join("bob").join("photo.bin");
    assert!(line.ends_with(&saved.display().to_string()), "{line}");
    assert!(
        std::fs::read(&saved).expect("saved") == body,
        "the bytes differ"
    );
    bob.expect("the upload notice", |l| {
        l.ends_with("> User alice uploaded file photo.bin")
    });
}

#[test]
fn a_missing_file_or_an_overlong_message_is_a_local_error_and_the_chat_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(dir.path());
    let mut alice = login(&server, dir.path(), "alice");
    let mut bob = login(&server, dir.path(), "bob");
    alice.type_line(">>sendfile<< nope.bin");
    alice.expect("file not found", |l| {
        l.starts_with("! cannot send") && l.contains("nope.bin")
    });
    alice.type_line(&"x".repeat(70_000));
    alice.expect("too long", |l| {
        l.starts_with("! not sent:") && l.contains("longer than")
    });
    alice.type_line("still here");
    bob.expect("the next message", |l| l.ends_with("> [alice] still here"));
}

#[test]
fn the_server_going_away_ends_the_client_with_a_message_and_status_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_server(dir.path());
    let alice = login(&server, dir.path(), "alice");
    server.shutdown().expect("clean shutdown");
    let (status, stderr) = alice.finish_without_closing_input();
    assert_eq!(status.code(), Some(1), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("chat-harness: connection lost"),
        "{stderr}"
    );
}
