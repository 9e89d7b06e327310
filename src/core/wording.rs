//! Every text the server puts on the wire: the original's notices byte for byte, and the
//! reference server's replies. Kept in one place so tests and clients can match them.

use crate::protocol::FrameError;

/// The 0x00 greeting, word for word the original's.
pub const GREETING: &str = "Commands: >>exit<<, >>sendfile<< 'filename', >>chname<< 'name'";

/// Reply to an auth or rename asking for a name someone else (or the client itself) holds.
pub const NAME_TAKEN: &str = "The name is already in use";
/// Reply to an auth or rename with a name that breaks the name rules.
pub const NAME_INVALID: &str =
    "Invalid name: 1 to 32 bytes, no spaces, no control characters, no [ or ]";
/// Reply to an auth whose offset is not a number of seconds within ±14 h.
pub const OFFSET_INVALID: &str =
    "Invalid UTC offset: a whole number of seconds from -50400 to 50400";
/// Reply to a second auth on an authenticated connection.
pub const ALREADY_AUTHENTICATED: &str = "You are already logged in";
/// Reply to anything but auth and exit before a successful auth.
pub const LOGIN_FIRST: &str = "Log in first: send an auth frame with your name";
/// Reply to a rename frame without a new name.
pub const RENAME_USAGE: &str = "Usage: >>chname<< newname";
/// Reply to a file whose name is empty once sanitised (such as `..`).
pub const FILE_NAME_INVALID: &str = "Invalid file name";
/// Reply to a file whose relayed header would not fit in one frame.
pub const FILE_HEADER_TOO_LONG: &str = "The file name and caption are too long to relay";
/// Reply when the server could not store an upload.
pub const FILE_NOT_STORED: &str = "The server could not store the file";
/// Reply to an upload that would take the files held by the server past `--spool-limit`
/// (sent once its body has been drained).
pub const SPOOL_FULL: &str = "The server holds too many files right now, try again later";
/// Reply to a connection over `--max-clients`, just before it is closed.
pub const SERVER_FULL: &str = "The server is full, try again later";
/// Reply to a connection that did not authenticate in time, just before it is closed.
pub const AUTH_TIMEOUT: &str = "Timed out waiting for auth";

/// Reply to a text whose relayed line would not fit in one frame.
pub fn text_too_long(max: usize) -> String {
    format!("The message is too long to relay: at most {max} bytes with your name")
}

/// Reply to a file over the size limit (sent once its body has been drained).
pub fn file_too_large(max: u64) -> String {
    format!("The file is larger than the server's limit of {max} bytes")
}

/// Reply to a frame the decoder rejected; it has been skipped.
pub fn frame_ignored(error: &FrameError) -> String {
    format!("Frame ignored: {error}")
}

/// 0x04 to the renamer.
pub fn renamed(new: &str) -> String {
    format!("Username changed to {new}")
}

/// Notice to the others when a client authenticates.
pub fn connected(name: &str) -> String {
    format!("{name} connected")
}

/// Notice to the others when a client exits, drops or is evicted.
pub fn disconnected(name: &str) -> String {
    format!("User {name} disconnected")
}

/// Notice to the others when a client renames.
pub fn changed_name(old: &str, new: &str) -> String {
    format!("User [{old}] changed username to [{new}]")
}

/// Notice to the others after a file has been relayed.
pub fn uploaded(name: &str, filename: &str) -> String {
    format!("User {name} uploaded file {filename}")
}
