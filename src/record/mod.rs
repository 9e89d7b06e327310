//! The record of a run: what a scenario run produces (verdicts, failures, deviations, the
//! timeline, transcripts, received frames, upload digests) and the matchers that judge
//! frames against a scenario's expectations. It sits below both seats (the server runner in
//! [`crate::server_seat`], the client seat in [`crate::client_seat`]) and the proxy's checker,
//! and above nothing but the protocol and the language; reports, the matrix and the fuzzer's
//! oracles read it, never an engine.

pub mod cut;
pub mod describe;
pub mod deviation;
pub mod fail_kind;
pub mod matcher;
pub mod received;
pub mod timeline;
pub mod transcript;
pub mod uploads;
pub mod verdict;

pub use describe::describe as describe_client_frame;
pub use deviation::{amount, Deviation, Got, Skipped, Wanted};
pub use matcher::{
    check_body, check_frame, check_time, compare_bodies, digest, show_offset, Mismatch,
};
pub use received::{
    frame_summary as server_frame_summary, grouped, hex_dump, Body, Incoming, Partial, Received,
};
pub use timeline::{
    Act, Entry, EntryKind, Mark, Sent, Timeline, TimelineLog, WriteGroup, TIMELINE_CAP,
};
pub use transcript::{note, note_act, Transcript};
pub use uploads::Digest;
pub use verdict::{FailKind, Failure, FinishedRun, Verdict, Warning};
