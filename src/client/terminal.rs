//! Where the client's input comes from and its output goes: a line editor on a terminal (so
//! incoming messages never garble the line being typed), or plain lines through pipes.

use std::io::IsTerminal;
use std::sync::Arc;

use rustyline::error::ReadlineError;
use rustyline::{DefaultEditor, ExternalPrinter};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use super::report::Printer;

/// Input lines waiting to be handled; a small bound keeps a fast pipe from racing ahead.
const LINE_QUEUE: usize = 64;

/// True when both stdin and stdout are terminals: a person is typing.
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Input lines and the output for them. On a terminal, a line editor runs on its own thread
/// and reports are printed above the line being edited; otherwise stdin is read line by line
/// and reports go to stdout, one line each.
pub fn open(json: bool) -> (mpsc::Receiver<String>, Arc<Printer>) {
    if is_interactive() {
        match line_editor(json) {
            Ok(pair) => return pair,
            Err(e) => eprintln!("line editor unavailable ({e}); reading plain lines"),
        }
    }
    let (tx, rx) = mpsc::channel(LINE_QUEUE);
    tokio::spawn(async move {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line).await.is_err() {
                break;
            }
        }
    });
    (rx, Arc::new(Printer::stdout(json)))
}

fn line_editor(json: bool) -> rustyline::Result<(mpsc::Receiver<String>, Arc<Printer>)> {
    let mut editor = DefaultEditor::new()?;
    let mut printer = editor.create_external_printer()?;
    let (tx, rx) = mpsc::channel(LINE_QUEUE);
    std::thread::spawn(move || loop {
        match editor.readline("> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if tx.blocking_send(line).is_err() {
                    break;
                }
            }
            // Ctrl-D and Ctrl-C end the input, which leaves the chat cleanly.
            Err(ReadlineError::Eof | ReadlineError::Interrupted) => break,
            Err(e) => {
                eprintln!("input error: {e}");
                break;
            }
        }
    });
    let sink = Box::new(move |line: String| {
        if printer.print(line.clone()).is_err() {
            println!("{line}");
        }
    });
    Ok((rx, Arc::new(Printer::new(json, true, sink))))
}
