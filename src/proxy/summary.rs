//! A frame in the reports' words, for both directions: the one summary the proxy's checker
//! and its renderer share.

use std::fmt::Write as _;

use super::watch::AnyFrame;
use crate::protocol::ServerFrame;
use crate::record::{describe_client_frame, server_frame_summary};

/// A frame in the reports' words.
pub fn frame_summary(frame: &AnyFrame) -> String {
    match frame {
        AnyFrame::Client(f) => describe_client_frame(f),
        // A file header with its time and caption, as a received file shows in reports.
        AnyFrame::Server(ServerFrame::File(h)) => {
            let mut s = format!(
                "0x02 file <{}> [{}] {:?} size {}",
                h.time, h.sender, h.filename, h.size
            );
            if let Some(caption) = &h.caption {
                let _ = write!(s, " caption {caption:?}");
            }
            s
        }
        AnyFrame::Server(f) => server_frame_summary(f),
    }
}
