//! Waits for what an expectation step describes at one client: tries each alternative over
//! the arrivals (fetching more as needed, until the deadline) and consumes what matched.

use std::time::Duration;

use tokio::time::Instant;

use super::client::Client;
use super::FailKind;
use crate::language::model::{Expect, Expectation, FrameMatch};
use crate::protocol::ServerFrame;
use crate::record::deviation::{Deviation, Got, Skipped, Wanted};
use crate::record::matcher::check_frame;
use crate::record::received::{Incoming, Received};

/// Why no alternative matched.
pub struct Miss {
    /// In words (every alternative's reason when there are several).
    pub reason: String,
    /// The first arrival that did not match, if one did arrive.
    pub actual: Option<Received>,
    /// What kind of deviation it is.
    pub kind: FailKind,
    /// The kind of thing the failing expectation waited for.
    pub expected: Option<Wanted>,
    /// What the step passed over before it failed.
    pub skipped: Skipped,
}

impl Miss {
    /// The typed shape of this miss, for grouping failures.
    pub fn deviation(&self) -> Option<Deviation> {
        Some(Deviation {
            kind: self.kind,
            expected: self.expected?,
            received: self
                .actual
                .as_ref()
                .map_or(Got::Nothing, |r| Got::of(&r.incoming)),
        })
    }

    fn new(reason: String, actual: Option<Received>) -> Self {
        let kind = match actual.as_ref().map(|r| &r.incoming) {
            Some(Incoming::Closed { .. }) => FailKind::Closed,
            _ => FailKind::Mismatch,
        };
        Self {
            reason,
            actual,
            kind,
            expected: None,
            skipped: Skipped::default(),
        }
    }

    fn expecting(mut self, expected: &Expectation, skipped: Skipped) -> Self {
        self.expected = Some(Wanted::of(expected));
        self.skipped = skipped;
        self
    }
}

fn skippable(client: &Client, received: &Received, expected: &Expectation) -> bool {
    let ignored = client.ignore_notices
        && !matches!(
            expected,
            Expectation::Frame(FrameMatch::Notice(_) | FrameMatch::Text(_))
        );
    received.incoming.is_notice() && (ignored || foreign(client, received))
}

/// A notice about other scenarios' clients only, on a shared server.
fn foreign(client: &Client, received: &Received) -> bool {
    let Some(names) = &client.foreign_names else {
        return false;
    };
    match &received.incoming {
        Incoming::Frame(ServerFrame::Text(text)) => names.only_others(&text.body),
        _ => false,
    }
}

/// Matches `expect` at `client`; returns the tolerated wording differences.
pub async fn expect(
    client: &mut Client,
    expect: &Expect,
    timeout: Duration,
    lenient: bool,
) -> Result<Vec<String>, Miss> {
    if expect.never {
        let watch = expect.timeout.map_or(Duration::ZERO, |_| timeout);
        return never(client, expect, watch).await.map(|()| Vec::new());
    }
    let deadline = Instant::now() + timeout;
    let mut misses = Vec::new();
    for alternative in &expect.alternatives {
        match sequence(
            client,
            alternative,
            deadline,
            timeout,
            expect.eventually,
            lenient,
            expect.strict_wording,
        )
        .await
        {
            Ok((consumed, warnings)) => {
                client.seen.drain(..consumed);
                return Ok(warnings);
            }
            Err(miss) => misses.push(miss),
        }
    }
    if misses.len() == 1 {
        return Err(misses.remove(0));
    }
    let reason = misses
        .iter()
        .enumerate()
        .map(|(i, m)| format!("alternative {}: {}", i + 1, m.reason))
        .collect::<Vec<_>>()
        .join("; ");
    // The kind of the whole step: the first alternative's, unless another saw the
    // connection end (a server that closed is the more telling fact).
    let kind = misses
        .iter()
        .map(|m| m.kind)
        .find(|k| *k == FailKind::Closed)
        .unwrap_or(misses[0].kind);
    let expected = misses[0].expected;
    let skipped = misses[0].skipped;
    let actual = misses.into_iter().find_map(|m| m.actual);
    Err(Miss {
        reason: format!("no alternative matched ({reason})"),
        actual,
        kind,
        expected,
        skipped,
    })
}

/// A `never` step: takes in what has arrived (and what arrives within `watch`), then fails on
/// the first arrival of this connection, consumed or not, that matches an alternative.
async fn never(client: &mut Client, expect: &Expect, watch: Duration) -> Result<(), Miss> {
    let until = Instant::now() + watch;
    while client.fill(client.seen.len(), until).await {}
    for received in &client.history {
        for alternative in &expect.alternatives {
            for expected in alternative {
                let hit = match (expected, &received.incoming) {
                    (Expectation::Closed, Incoming::Closed { .. }) => true,
                    (Expectation::Malformed, Incoming::Malformed(_)) => true,
                    (Expectation::Frame(pattern), _) => {
                        check_frame(pattern, received, client.offset).is_ok()
                    }
                    _ => false,
                };
                if hit {
                    let mut miss = Miss::new(
                        format!(
                            "expected never {}, but it arrived",
                            crate::language::writer::expectation(expected)
                        ),
                        Some(received.clone()),
                    );
                    miss.expected = Some(Wanted::Absence);
                    return Err(miss);
                }
            }
        }
    }
    Ok(())
}

async fn sequence(
    client: &mut Client,
    steps: &[Expectation],
    deadline: Instant,
    timeout: Duration,
    eventually: bool,
    lenient: bool,
    strict_wording: bool,
) -> Result<(usize, Vec<String>), Miss> {
    let mut index = 0;
    let mut warnings = Vec::new();
    let mut skipped = Skipped::default();
    for expected in steps {
        if let Expectation::Nothing(quiet) = expected {
            index = quiet_for(client, index, *quiet, expected, skipped).await?;
            continue;
        }
        loop {
            if !client.fill(index, deadline).await {
                return Err(nothing_came(client, expected, timeout, skipped));
            }
            let received = &client.seen[index];
            index += 1;
            if skippable(client, received, expected) {
                skipped.add(&received.incoming);
                continue;
            }
            match matches(expected, received, client.offset) {
                Ok(()) => break,
                Err(m) if m.wording_only && lenient => {
                    warnings.push(m.reason);
                    break;
                }
                Err(_) if eventually => {
                    skipped.add(&received.incoming);
                    continue;
                }
                Err(m) => {
                    let mut miss =
                        Miss::new(m.reason, Some(received.clone())).expecting(expected, skipped);
                    // `wording` is the kind of a strict-wording step under --strict (it is a
                    // warning otherwise); on any other step a text that differs is a `fail`.
                    if m.wording_only && strict_wording {
                        miss.kind = FailKind::Wording;
                    }
                    return Err(miss);
                }
            }
        }
    }
    Ok((index, warnings))
}

/// `nothing for D`: nothing but skippable arrivals (and no partial frame) for `quiet`;
/// returns the index past what was looked at.
async fn quiet_for(
    client: &mut Client,
    mut index: usize,
    quiet: Duration,
    expected: &Expectation,
    skipped: Skipped,
) -> Result<usize, Miss> {
    let until = Instant::now() + quiet;
    while client.fill(index, until).await {
        let received = &client.seen[index];
        index += 1;
        if skippable(client, received, expected) {
            continue;
        }
        return Err(Miss::new(
            format!("expected nothing for {quiet:?}, but something arrived"),
            Some(received.clone()),
        )
        .expecting(expected, skipped));
    }
    // Bytes of an unfinished frame or file body are something received too.
    if let Some(partial) = client.partial() {
        return Err(Miss::new(
            format!("expected nothing for {quiet:?}, but part of a frame arrived"),
            Some(Received {
                at: std::time::SystemTime::now(),
                incoming: Incoming::Partial(partial),
            }),
        )
        .expecting(expected, skipped));
    }
    Ok(index)
}

/// The miss when nothing (more) arrived for `expected`: the connection had ended, or the
/// deadline passed (with whatever partial frame the decoder holds).
fn nothing_came(
    client: &Client,
    expected: &Expectation,
    timeout: Duration,
    skipped: Skipped,
) -> Miss {
    if client.drained() {
        let reason = match skipped.any() {
            true => format!("the connection had already ended ({})", skipped.summary()),
            false => "the connection had already ended".to_owned(),
        };
        return Miss {
            reason,
            actual: None,
            kind: FailKind::Closed,
            expected: Some(Wanted::of(expected)),
            skipped,
        };
    }
    let partial = client.partial().map(|partial| Received {
        at: std::time::SystemTime::now(),
        incoming: Incoming::Partial(partial),
    });
    let reason = match (&partial, skipped.any()) {
        (_, true) => format!(
            "nothing matching arrived within {timeout:?} ({})",
            skipped.summary()
        ),
        (Some(_), false) => format!("nothing whole arrived within {timeout:?}"),
        (None, false) => format!("nothing arrived within {timeout:?}"),
    };
    Miss {
        reason,
        actual: partial,
        kind: FailKind::Timeout,
        expected: Some(Wanted::of(expected)),
        skipped,
    }
}

/// Whether `received` is what `expected` describes.
fn matches(
    expected: &Expectation,
    received: &Received,
    offset: i32,
) -> Result<(), crate::record::matcher::Mismatch> {
    match (expected, &received.incoming) {
        (Expectation::Closed, Incoming::Closed { .. }) => Ok(()),
        (Expectation::Closed, other) => Err(crate::record::matcher::Mismatch {
            reason: format!(
                "expected the server to close the connection, got {}",
                other.summary()
            ),
            wording_only: false,
        }),
        (Expectation::Malformed, Incoming::Malformed(_)) => Ok(()),
        (Expectation::Malformed, other) => Err(crate::record::matcher::Mismatch {
            reason: format!("expected an undecodable frame, got {}", other.summary()),
            wording_only: false,
        }),
        (Expectation::Frame(pattern), _) => check_frame(pattern, received, offset),
        (Expectation::Nothing(_), _) => Ok(()),
    }
}
