//! The reference client: a connection to a chat server that sends typed frames and files and
//! yields decoded events (used by the runner, the fuzzer and the load generator too), a batch
//! reader yielding borrowed frames for high-rate receivers, and the chat session behind
//! `chat-harness client`.

mod batch;
mod blocking;
mod command;
mod connection;
mod progress;
mod receive;
mod report;
mod session;
mod terminal;

pub use batch::{BatchItem, BatchReader, BATCH_BUFFER};
pub use blocking::BlockingConnection;
pub use command::ChatCommand;
pub use connection::{Connection, ConnectionError, Event, EventReader, FrameWriter};
pub use report::{Printer, Report};
pub use session::{run, ChatError, ChatOptions};
pub use terminal::{is_interactive, open as open_terminal};

/// The local UTC offset in seconds, as the original client sends it.
pub fn local_utc_offset() -> i32 {
    chrono::Local::now().offset().local_minus_utc()
}
