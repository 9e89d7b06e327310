//! Help examples never break inside a quoted argument: every example line of every
//! subcommand's help holds whole quoted arguments at an 80-column terminal and when the help
//! is not printed to a terminal (clap wraps long help to the width it finds).

use std::process::Command;

const SUBCOMMANDS: [&str; 8] = [
    "serve",
    "client",
    "run",
    "fuzz",
    "bench",
    "matrix",
    "scenarios",
    "proxy",
];

fn help(subcommand: &str, columns: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat-harness"));
    command.args([subcommand, "--help"]);
    match columns {
        Some(c) => command.env("COLUMNS", c),
        None => command.env_remove("COLUMNS"),
    };
    let out = command.output().expect("help");
    assert!(out.status.success(), "{subcommand} --help");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

#[test]
fn no_example_wraps_inside_quotes() {
    for subcommand in SUBCOMMANDS {
        for columns in [Some("80"), None] {
            let text = help(subcommand, columns);
            let examples = text.lines().filter(|l| {
                l.trim_start().starts_with("chat-harness ") || l.contains(" chat-harness ")
            });
            for line in examples {
                let quotes = line.matches('\'').count();
                assert!(
                    quotes % 2 == 0,
                    "`{subcommand} --help` (COLUMNS={columns:?}) cuts a quoted argument: {line:?}"
                );
            }
            if columns.is_some() {
                assert!(
                    text.lines().all(|l| l.chars().count() <= 80),
                    "{subcommand} --help fits 80 columns"
                );
            }
        }
    }
}
