//! The reference client: a connection to a chat server that sends typed frames and files and
//! yields decoded events (used by the runner, the fuzzer and the load generator too), a batch
//! reader yielding borrowed frames for high-rate receivers, and the chat session behind
//! `chat-harness client`.

mod batch;
mod blocking;
mod command;
mod connection;
mod receive;
mod report;
mod session;
mod terminal;

pub use batch::{BatchItem, BatchReader, BATCH_BUFFER};
pub use blocking::BlockingConnection;
pub use command::Command;
pub use connection::{Connection, ConnectionError, Event, EventReader, FrameWriter};
pub use report::{Output, Report};
pub use session::{run, ChatError, ChatOptions};
pub use terminal::{is_interactive, open as open_terminal};

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr for `len` bytes (hidden when stderr is not a terminal).
fn progress_bar(len: u64, what: &str) -> ProgressBar {
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

/// The local UTC offset in seconds, as the original client sends it.
pub fn local_utc_offset() -> i32 {
    chrono::Local::now().offset().local_minus_utc()
}
