//! The reference client's library side: a connection to a chat server that sends typed frames
//! and files and yields decoded events. The scenario runner, the fuzzer and the load generator
//! use it instead of their own socket code.

mod connection;

pub use connection::{Connection, ConnectionError, Event, EventReader, FrameWriter};
