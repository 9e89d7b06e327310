//! Replay lines: the one shell command that re-runs a scenario (or a fuzzer's finding) against
//! the same server, with the words quoted so that it can be pasted as it is.

use std::path::Path;

use crate::server_seat::RunSettings;

/// `word` quoted for a POSIX shell: as it is when it holds only safe characters, else in
/// single quotes (a single quote inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `chat-harness run FILE` with the target's arguments (`--spawn CMD --port N`, `--target
/// ADDR`, `--server-mode MODE`) and the settings that change a verdict (`--strict`,
/// `--timeout`).
pub fn run_command(path: &Path, target_args: &[String], settings: &RunSettings) -> String {
    let mut words = vec![
        "chat-harness".to_owned(),
        "run".to_owned(),
        path.display().to_string(),
    ];
    words.extend(target_args.iter().cloned());
    if settings.strict {
        words.push("--strict".to_owned());
    }
    if settings.default_timeout != RunSettings::default().default_timeout {
        words.push("--timeout".to_owned());
        words.push(format!("{}ms", settings.default_timeout.as_millis()));
    }
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_plain_words_and_wraps_the_rest() {
        assert_eq!(
            shell_quote("scenarios/text/utf8.chat"),
            "scenarios/text/utf8.chat"
        );
        assert_eq!(shell_quote("python3 s.py {port}"), "'python3 s.py {port}'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn the_command_carries_the_target_and_strictness() {
        let settings = RunSettings {
            strict: true,
            ..RunSettings::default()
        };
        let args = [
            "--spawn".to_owned(),
            "python3 s.py".to_owned(),
            "--port".to_owned(),
            "5555".to_owned(),
        ];
        assert_eq!(
            run_command(Path::new("scenarios/a b.chat"), &args, &settings),
            "chat-harness run 'scenarios/a b.chat' --spawn 'python3 s.py' --port 5555 --strict"
        );
    }
}
