//! The end-of-scenario check: no reading client may be left holding an unfinished frame or
//! file body.

use std::time::Duration;

use tokio::time::Instant;

use super::{FailKind, Failure, Run};
use crate::language::model::Step;
use crate::record::received::{Incoming, Received};

impl Run<'_> {
    /// The end-of-scenario check: no reading client may be left holding an unfinished frame
    /// or file body. One that is still arriving may complete: the check fails once the same
    /// unfinished frame has made no progress for the scenario's timeout.
    pub(super) async fn nothing_unfinished(&self, last: &Step) -> Result<(), Box<Failure>> {
        for (name, _) in &self.order {
            let Some(client) = self.clients.get(name) else {
                continue;
            };
            let mut stalled_since = Instant::now();
            let mut seen = None;
            while let Some(partial) = client.partial() {
                if seen.as_ref() != Some(&partial) {
                    stalled_since = Instant::now();
                } else if stalled_since.elapsed() >= self.timeout {
                    let received = Received {
                        at: std::time::SystemTime::now(),
                        incoming: Incoming::Partial(partial),
                    };
                    let reason = format!(
                        "at the end of the scenario {name} holds an unfinished frame ({:?} without progress)",
                        self.timeout
                    );
                    let mut failure = Self::failure(
                        last,
                        FailKind::Mismatch,
                        Some(name),
                        reason,
                        Some(&received),
                    );
                    failure.step = format!("(end of scenario, after line {})", last.line);
                    return Err(failure);
                }
                seen = Some(partial);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }
}
