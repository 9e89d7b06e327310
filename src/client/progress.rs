//! Progress of large file transfers. Where no line editor owns the terminal, an indicatif bar
//! on stderr; under the line editor, a bar would be drawn over the line being typed, so progress
//! goes out as lines printed above it, like messages: at most one a second, and a closing
//! 100 % line when any was shown (a quick transfer shows none and leaves nothing behind).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::report::{Printer, Report};

/// How often a progress line may be printed under the line editor.
const LINE_EVERY: Duration = Duration::from_secs(1);

/// The progress display of one transfer.
pub enum Progress {
    /// Nothing shown (a small file, or no terminal).
    Hidden,
    /// A bar on stderr.
    Bar(ProgressBar),
    /// Lines above the line being edited.
    Lines(LineProgress),
}

/// Progress printed as lines.
pub struct LineProgress {
    what: String,
    total: u64,
    last: Instant,
    shown: bool,
}

impl Progress {
    /// The display for a transfer of `total` bytes described by `what` (`receiving big.bin`),
    /// or [`Progress::Hidden`] when `show` is false.
    pub fn new(out: &Printer, show: bool, total: u64, what: &str, now: Instant) -> Self {
        if !show {
            Self::Hidden
        } else if out.is_line_editor() {
            Self::Lines(LineProgress {
                what: what.to_owned(),
                total,
                last: now,
                shown: false,
            })
        } else {
            Self::Bar(bar(total, what))
        }
    }

    /// `done` bytes have been transferred.
    pub fn update(&mut self, done: u64, out: &Printer, now: Instant) {
        match self {
            Self::Hidden => {}
            Self::Bar(bar) => bar.set_position(done),
            Self::Lines(lines) => {
                if now.duration_since(lines.last) >= LINE_EVERY && done < lines.total {
                    lines.last = now;
                    lines.shown = true;
                    out.show(&Report::Info {
                        text: lines.line(done),
                    });
                }
            }
        }
    }

    /// The transfer is complete: the bar goes away; after progress lines, a 100 % line.
    pub fn finish(self, out: &Printer) {
        match self {
            Self::Hidden => {}
            Self::Bar(bar) => bar.finish_and_clear(),
            Self::Lines(lines) => {
                if lines.shown {
                    out.show(&Report::Info {
                        text: lines.line(lines.total),
                    });
                }
            }
        }
    }

    /// The transfer was cut off: the bar stays where it stopped; no line is added (the caller
    /// reports the cut).
    pub fn abandon(self) {
        if let Self::Bar(bar) = self {
            bar.abandon();
        }
    }
}

impl LineProgress {
    fn line(&self, done: u64) -> String {
        let percent = (done.saturating_mul(100))
            .checked_div(self.total)
            .unwrap_or(100);
        format!(
            "{}: {percent}% ({} of {})",
            self.what,
            indicatif::HumanBytes(done),
            indicatif::HumanBytes(self.total)
        )
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    );
    if let Ok(style) = style {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn editor_output() -> (Printer, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let out = Printer::new(false, true, Box::new(move |l| sink.lock().unwrap().push(l)));
        (out, lines)
    }

    #[test]
    fn under_the_line_editor_progress_is_lines_ending_at_100_percent() {
        let (out, lines) = editor_output();
        let t0 = Instant::now();
        let mut p = Progress::new(&out, true, 2_000_000, "receiving big.bin", t0);
        assert!(matches!(p, Progress::Lines(_)));
        p.update(100_000, &out, t0 + Duration::from_millis(200));
        p.update(1_000_000, &out, t0 + Duration::from_millis(1100));
        p.update(1_500_000, &out, t0 + Duration::from_millis(1500));
        p.finish(&out);
        let lines = lines.lock().unwrap().clone();
        assert_eq!(
            lines,
            [
                "* receiving big.bin: 50% (976.56 KiB of 1.91 MiB)",
                "* receiving big.bin: 100% (1.91 MiB of 1.91 MiB)"
            ]
        );
    }

    #[test]
    fn a_quick_transfer_leaves_no_progress_behind() {
        let (out, lines) = editor_output();
        let t0 = Instant::now();
        let mut p = Progress::new(&out, true, 2_000_000, "receiving big.bin", t0);
        p.update(2_000_000, &out, t0 + Duration::from_millis(30));
        p.finish(&out);
        assert!(lines.lock().unwrap().is_empty());
    }

    #[test]
    fn without_the_line_editor_it_is_a_bar_and_hidden_when_not_asked() {
        let out = Printer::new(false, false, Box::new(|_| {}));
        let t0 = Instant::now();
        assert!(matches!(
            Progress::new(&out, true, 10, "x", t0),
            Progress::Bar(_)
        ));
        assert!(matches!(
            Progress::new(&out, false, 10, "x", t0),
            Progress::Hidden
        ));
    }
}
