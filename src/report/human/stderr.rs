//! A spawned server's stderr in the human report, cut into blocks: a traceback stays whole
//! (never cut mid-way), repeated blocks are collapsed, the first traceback (usually the cause)
//! is shown apart from the last lines, and tracebacks that end in a connection error are
//! marked as what a server prints when its clients go away (teardown, not the cause).

use std::fmt::Write as _;

/// Lines of stderr shown from the end (whole blocks; the last block is shown whole anyway).
const TAIL_LINES: usize = 10;

/// Exceptions a server raises when a peer is gone: after a failure, the harness closing its
/// clients causes them.
const CONNECTION_ERRORS: [&str; 4] = [
    "BrokenPipeError",
    "ConnectionResetError",
    "ConnectionAbortedError",
    "ConnectionError",
];

/// A run of stderr lines that belong together.
#[derive(Debug, PartialEq, Eq)]
struct Block<'a> {
    lines: Vec<&'a str>,
    traceback: bool,
}

impl Block<'_> {
    fn connection_error(&self) -> bool {
        self.traceback
            && self.lines.last().is_some_and(|last| {
                CONNECTION_ERRORS
                    .iter()
                    .any(|e| last.trim_start().starts_with(e))
            })
    }
}

fn starts_traceback(line: &str) -> bool {
    line.starts_with("Traceback (most recent call last):")
        || line.starts_with("Exception in thread")
}

fn blocks(stderr: &str) -> Vec<Block<'_>> {
    let mut blocks: Vec<Block<'_>> = Vec::new();
    let mut open = false;
    for line in stderr.lines() {
        let indented = line.starts_with(' ') || line.starts_with('\t');
        match blocks.last_mut() {
            Some(b) if open && (indented || line.starts_with("Traceback (most recent")) => {
                b.lines.push(line)
            }
            Some(b) if open => {
                // The exception line closes the traceback.
                b.lines.push(line);
                open = false;
            }
            _ => {
                open = starts_traceback(line);
                blocks.push(Block {
                    lines: vec![line],
                    traceback: open,
                });
            }
        }
    }
    blocks
}

/// Python's `^^^^` marks under the failing expression: they point into the line above and
/// say nothing on their own (`--format json` keeps them).
fn decoration(line: &str) -> bool {
    let mark = line.trim();
    !mark.is_empty() && mark.chars().all(|c| matches!(c, '^' | '~'))
}

fn show(out: &mut String, block: &Block<'_>, times: usize) {
    for line in block.lines.iter().filter(|l| !decoration(l)) {
        let _ = writeln!(out, "    | {line}");
    }
    if times > 1 {
        let _ = writeln!(out, "    (the same {} more times)", times - 1);
    }
    if block.connection_error() {
        out.push_str("    (a connection error: the server wrote to or read from a client that was gone; printed when clients go away, it is rarely the cause)\n");
    }
}

/// Where the first traceback that is not a connection error (usually the cause) was raised:
/// its lines without the exception's own line, so that the same fault with other values
/// (`unknown frame type 9`, `... 120`) is the same place.
pub fn first_traceback(stderr: &str) -> Option<String> {
    first_block(stderr).map(|b| b.lines[..b.lines.len() - 1].join("\n"))
}

/// The first traceback that is not a connection error, else the first connection error.
fn first_block(stderr: &str) -> Option<Block<'_>> {
    let all = blocks(stderr);
    let cause = all
        .iter()
        .position(|b| b.traceback && !b.connection_error());
    let any = all.iter().position(|b| b.traceback);
    all.into_iter().nth(cause.or(any)?)
}

/// Renders `stderr`; when its first traceback comes from the place already shown for the
/// scenario `earlier`, only says so, with this one's exception line.
pub fn render(stderr: &str, earlier: Option<&str>) -> String {
    let total = stderr.lines().count();
    if let Some(id) = earlier {
        let exception = first_block(stderr)
            .and_then(|b| b.lines.last().map(|l| (*l).to_owned()))
            .unwrap_or_default();
        return format!(
            "  server stderr: {total} lines; a traceback from the same place as in {id}: {exception}\n"
        );
    }
    let all = blocks(stderr);
    // Collapse consecutive repeats: (block, times).
    let mut runs: Vec<(&Block<'_>, usize)> = Vec::new();
    for block in &all {
        match runs.last_mut() {
            Some((last, times)) if *last == block => *times += 1,
            _ => runs.push((block, 1)),
        }
    }
    let mut start = runs.len();
    let mut lines = 0;
    while start > 0 {
        let size = runs[start - 1].0.lines.len() + 1;
        if start < runs.len() && lines + size > TAIL_LINES {
            break;
        }
        lines += size;
        start -= 1;
    }
    let first_cause = runs[..start]
        .iter()
        .position(|(b, _)| b.traceback && !b.connection_error());
    let mut out = String::new();
    let _ = writeln!(out, "  server stderr ({total} lines):");
    if let Some(i) = first_cause {
        out.push_str("    first traceback:\n");
        show(&mut out, runs[i].0, runs[i].1);
    }
    let left_out: usize = runs[..start]
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != first_cause)
        .map(|(_, (b, times))| b.lines.len() * times)
        .sum();
    let noise = runs[..start]
        .iter()
        .filter(|(b, _)| b.connection_error())
        .map(|(_, times)| times)
        .sum::<usize>();
    if left_out > 0 {
        let noise = match noise {
            0 => String::new(),
            n => format!(
                ", {n} connection-error traceback{}",
                if n == 1 { "" } else { "s" }
            ),
        };
        let _ = writeln!(
            out,
            "    ... {left_out} lines left out{noise} (--format json has them all); the last ones:"
        );
    }
    for (block, times) in &runs[start..] {
        show(&mut out, block, *times);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "Traceback (most recent call last):\n  File \"s.py\", line 1, in handle\n    x()\nValueError: bad\nlistening\nTraceback (most recent call last):\n  File \"s.py\", line 9, in broadcast\n    conn.sendall(b)\nBrokenPipeError: [Errno 32] Broken pipe\n";

    #[test]
    fn a_traceback_is_one_block_ended_by_its_exception_line() {
        let b = blocks(TWO);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].lines.len(), 4);
        assert!(b[0].traceback && !b[0].connection_error());
        assert_eq!(b[1].lines, vec!["listening"]);
        assert!(b[2].connection_error());
    }

    #[test]
    fn tracebacks_are_never_cut_and_repeats_are_collapsed() {
        let mut stderr = String::new();
        for _ in 0..10 {
            stderr.push_str(TWO);
        }
        let shown = render(&stderr, None);
        assert!(shown.contains("first traceback:"), "{shown}");
        assert!(shown.contains("ValueError: bad"), "{shown}");
        // Whatever is shown of a traceback is shown from its first line to its exception.
        let firsts = shown.matches("| Traceback").count();
        let ends =
            shown.matches("| ValueError").count() + shown.matches("| BrokenPipeError").count();
        assert_eq!(firsts, ends, "{shown}");
        assert!(shown.contains("connection error"), "{shown}");
    }
}
