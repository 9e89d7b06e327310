//! The stall layer, in a bounded fraction of sessions: a client (`s1`) authenticates and stops
//! reading, a bystander floods the room with 6 MB of big texts in one paced send, and the
//! witness must still get the flood's last message within the step timeout. A server that
//! writes to recipients inline (one blocked socket blocks everyone) fails here; one with a
//! bounded queue per connection does not (the suite's `backpressure/slow-reader-does-not-stall`
//! checks the same at a larger scale).

use std::time::Duration;

use super::steps::{expect, frame, send, MARK};
use crate::language::model::{Action, Chunking, FrameMatch, Part, TextMatch};
use crate::protocol::ClientFrame;

/// The flood's last message starts with this; steps that carry it belong to the layer.
pub const FLOOD: &str = "~flood";
/// Percent of sessions with a stall block (each takes about 0.3 s).
pub const CHANCE: usize = 6;
/// Texts in the flood, and the size of each: 6 MB, past what a stopped socket's kernel
/// buffers hold on Linux (about 4 MB; an inline writer then blocks).
const TEXTS: usize = 100;
const SIZE: usize = 60_000;
/// The flood is written 512 KiB at a time, 20 ms apart: a reading client never falls 4 MB
/// behind (the reference server's queue limit; past it the server would hold the sender back,
/// and the stopped client's queue would hold up the flood until its stall timeout).
const PACE: (usize, Duration) = (512 << 10, Duration::from_millis(20));

/// The stall block: `slow` joins and stops reading, `from` floods, `witness` must keep up.
pub fn block(slow: &str, from: &str, witness: &str) -> Vec<Action> {
    let mut parts: Vec<Part> = (0..TEXTS)
        .map(|_| Part::Frame(ClientFrame::Text(MARK.to_string().repeat(SIZE))))
        .collect();
    let last = format!("{FLOOD} from {from}");
    parts.push(Part::Frame(ClientFrame::Text(last.clone())));
    vec![
        Action::Connect(slow.to_owned()),
        send(
            slow,
            vec![Part::Frame(ClientFrame::auth(slow.to_owned(), 0))],
            None,
        ),
        expect(
            slow,
            vec![frame(FrameMatch::AuthOk(TextMatch::Any))],
            true,
            false,
        ),
        Action::Reading(slow.to_owned(), false),
        send(
            from,
            parts,
            Some(Chunking {
                chunk: Some(PACE.0),
                split_at: Vec::new(),
                pause: PACE.1,
            }),
        ),
        expect(
            witness,
            vec![frame(FrameMatch::Chat {
                sender: TextMatch::Exact(from.to_owned()),
                message: TextMatch::Exact(last),
            })],
            true,
            false,
        ),
    ]
}
