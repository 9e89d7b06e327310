//! Hints: the pitfall of `docs/PROTOCOL.md` §8 that a failure most likely is, decided from the
//! observed symptom on the runner's types (the failed expectation's [`Wanted`]/[`Got`], what
//! the clients sent and did before the failing step, the writes that carried several frames),
//! never from rendered text. A unit test checks every hint against the document.

use crate::record::{Act, Entry, EntryKind, Failure, Got, Mark, Sent, TimelineLog, Wanted};
use crate::scenario::suite::Outcome;

/// A pitfall listed in `docs/PROTOCOL.md` §8 "Pitfalls of the original implementation".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pitfall {
    /// 1: one frame per `recv(1024)`.
    OneFramePerRead,
    /// 2: merged and split frames.
    MergedOrSplit,
    /// 3: file bytes right behind the header.
    BodyBehindHeader,
    /// 4: dead entries after an abrupt disconnect.
    DeadEntry,
    /// 5: a loop stalled by a client that does not read.
    StalledByReader,
    /// 6: auth without an offset.
    AuthWithoutOffset,
    /// 7: text before auth.
    TextBeforeAuth,
    /// 10: a 65 534-byte message.
    Overlong,
    /// 11: the newcomer race.
    NewcomerRace,
    /// 13: joins announced to every socket.
    JoinToEverySocket,
    /// 14: a body counted 4096 per `recv(4096)`.
    BodyCountedPerCall,
    /// 9: invalid UTF-8.
    InvalidUtf8,
}

impl Pitfall {
    /// Every pitfall a hint can name.
    #[cfg(test)]
    pub const ALL: [Self; 12] = [
        Self::OneFramePerRead,
        Self::MergedOrSplit,
        Self::BodyBehindHeader,
        Self::DeadEntry,
        Self::StalledByReader,
        Self::AuthWithoutOffset,
        Self::TextBeforeAuth,
        Self::Overlong,
        Self::NewcomerRace,
        Self::JoinToEverySocket,
        Self::BodyCountedPerCall,
        Self::InvalidUtf8,
    ];

    /// Its number in `docs/PROTOCOL.md` §8.
    pub fn item(self) -> u8 {
        match self {
            Self::OneFramePerRead => 1,
            Self::MergedOrSplit => 2,
            Self::BodyBehindHeader => 3,
            Self::DeadEntry => 4,
            Self::StalledByReader => 5,
            Self::AuthWithoutOffset => 6,
            Self::TextBeforeAuth => 7,
            Self::Overlong => 10,
            Self::NewcomerRace => 11,
            Self::JoinToEverySocket => 13,
            Self::BodyCountedPerCall => 14,
            Self::InvalidUtf8 => 9,
        }
    }

    /// Words of the item's title in the document (the test checks they are there).
    #[cfg(test)]
    pub fn title(self) -> &'static str {
        match self {
            Self::OneFramePerRead => "One frame per `recv(1024)`",
            Self::MergedOrSplit => "Merged and split frames",
            Self::BodyBehindHeader => "The 2-second sleep",
            Self::DeadEntry => "Dead entries after an abrupt disconnect",
            Self::StalledByReader => "stalled by a client that doesn't read",
            Self::AuthWithoutOffset => "Auth without an offset",
            Self::TextBeforeAuth => "Text before auth",
            Self::Overlong => "A 65 534-byte message corrupts the stream",
            Self::NewcomerRace => "The newcomer race",
            Self::JoinToEverySocket => "Joins announced to every socket",
            Self::BodyCountedPerCall => "counted 4096 per call",
            Self::InvalidUtf8 => "Invalid UTF-8",
        }
    }

    /// What was seen, in the hint's words.
    fn symptom(self) -> &'static str {
        match self {
            Self::OneFramePerRead => "frames sent back to back were lost or skipped",
            Self::MergedOrSplit => "frames sent together in one write, or one frame cut into several writes, did not come back one for one",
            Self::BodyBehindHeader => "a file body that followed its header at once was not relayed",
            Self::DeadEntry => "the server went quiet after a client vanished without exit",
            Self::StalledByReader => "a client that reads slowly or not at all held up the server",
            Self::AuthWithoutOffset => "the server went quiet after an auth without an offset",
            Self::TextBeforeAuth => "the server went quiet after a frame sent before auth",
            Self::Overlong => "a text near the 65 534-byte limit did not come back intact",
            Self::NewcomerRace => "a newcomer got a notice before its own 0x00",
            Self::JoinToEverySocket => "a connection that is not authenticated got a notice",
            Self::BodyCountedPerCall => "a file body that came in short pieces left the receivers with an unfinished file",
            Self::InvalidUtf8 => "a text that was not UTF-8 was relayed with U+FFFD in place of its bytes instead of getting a reply",
        }
    }

    /// The one-line hint.
    pub fn line(self) -> String {
        format!(
            "{} — see PROTOCOL.md \"Pitfalls\", {}",
            self.symptom(),
            self.item()
        )
    }
}

/// What the run did before the failing step, read from the timeline.
struct Before<'a> {
    entries: &'a [Entry],
    /// Frames sent together did not come back one for one.
    merged_write: bool,
}

impl<'a> Before<'a> {
    fn acts(&self, wanted: &[Act]) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.kind, EntryKind::Event { act } if wanted.contains(&act)))
    }

    fn sent<'b>(&self, client: Option<&'b str>) -> impl Iterator<Item = (Sent, &'a Entry)> + 'b
    where
        'a: 'b,
    {
        self.entries.iter().filter_map(move |e| match e.kind {
            EntryKind::Sent { what, .. } if client.is_none_or(|c| *e.client == *c) => {
                Some((what, e))
            }
            _ => None,
        })
    }

    fn received(&self, client: &str, got: Got) -> bool {
        self.entries.iter().any(|e| {
            *e.client == *client && matches!(e.kind, EntryKind::Received { got: g } if g == got)
        })
    }

    /// Whether the last file header sent was followed by a send in pieces on purpose (its
    /// body trickled in).
    fn file_sent_in_pieces(&self) -> bool {
        let header = self.entries.iter().rposition(|e| {
            matches!(
                e.kind,
                EntryKind::Sent {
                    what: Sent::FileHeader,
                    ..
                }
            )
        });
        header.is_some_and(|at| {
            self.entries[at..].iter().any(|e| {
                matches!(
                    e.kind,
                    EntryKind::Event {
                        act: Act::SentInPieces
                    }
                )
            })
        })
    }

    /// Whether the last thing `client` did was to send in pieces on purpose.
    fn last_send_in_pieces(&self) -> bool {
        self.entries
            .iter()
            .rev()
            .find(|e| !matches!(e.kind, EntryKind::Received { .. }))
            .is_some_and(|e| {
                matches!(
                    e.kind,
                    EntryKind::Event {
                        act: Act::SentInPieces
                    }
                )
            })
    }
}

/// The pitfall this failure most likely is, if the symptom points at one.
pub fn decide(failure: &Failure, log: &TimelineLog, mark: Option<Mark>) -> Option<Pitfall> {
    let end = mark.map_or(log.entries.len(), |m| m.entry.min(log.entries.len()));
    let before = Before {
        entries: &log.entries[..end],
        merged_write: super::cause::merged_write(log).is_some(),
    };
    let client = failure.client.as_deref();
    let (wanted, got) = match &failure.deviation {
        Some(d) => (Some(d.expected), Some(d.received)),
        None => (None, None),
    };
    let silent = matches!(got, None | Some(Got::Nothing | Got::Closed));
    let last_sent = before.sent(client).last().map(|(what, e)| (what, e.bytes));
    let pitfall = match (wanted, got) {
        // A notice that reached the socket before it even sent its auth is a join announced
        // to an unauthenticated socket, not the newcomer race.
        (Some(Wanted::AuthOk), Some(Got::Notice | Got::Chat))
            if client.is_some_and(|c| heard_before_auth(&log.entries, c)) =>
        {
            Pitfall::JoinToEverySocket
        }
        (Some(Wanted::AuthOk), Some(Got::Notice | Got::Chat)) => Pitfall::NewcomerRace,
        (Some(Wanted::Nothing), Some(Got::Notice))
            if client.is_some_and(|c| !before.received(c, Got::AuthOk)) =>
        {
            Pitfall::JoinToEverySocket
        }
        _ if relayed_lossily(&log.entries) => Pitfall::InvalidUtf8,
        // A body that came in short pieces is miscounted per call; one that followed its
        // header at once lost the bytes read with the header.
        (_, Some(Got::Partial)) if before.sent(None).any(|(what, _)| what == Sent::FileHeader) => {
            if before.file_sent_in_pieces() {
                Pitfall::BodyCountedPerCall
            } else {
                Pitfall::BodyBehindHeader
            }
        }
        (Some(Wanted::File), Some(Got::Nothing)) => Pitfall::BodyBehindHeader,
        _ if before.acts(&[Act::StopReading, Act::PauseReading, Act::ReadSlowly]) => {
            Pitfall::StalledByReader
        }
        _ if before.merged_write => Pitfall::MergedOrSplit,
        _ if silent && before.last_send_in_pieces() => Pitfall::MergedOrSplit,
        _ if silent && before.acts(&[Act::Reset, Act::Close]) => Pitfall::DeadEntry,
        _ if silent && matches!(last_sent, Some((Sent::AuthWithoutOffset, _))) => {
            Pitfall::AuthWithoutOffset
        }
        _ if silent
            && matches!(
                last_sent,
                Some((Sent::Text | Sent::Rename | Sent::FileHeader, _))
            )
            && !before
                .sent(client)
                .any(|(what, _)| matches!(what, Sent::Auth | Sent::AuthWithoutOffset)) =>
        {
            Pitfall::TextBeforeAuth
        }
        _ if before
            .sent(None)
            .any(|(what, e)| what == Sent::Text && e.bytes > 65_000) =>
        {
            Pitfall::Overlong
        }
        (Some(Wanted::Chat | Wanted::Text), Some(Got::Chat)) => Pitfall::OneFramePerRead,
        _ => return None,
    };
    Some(pitfall)
}

/// Whether `client` received a notice or chat before it first sent an auth.
fn heard_before_auth(entries: &[Entry], client: &str) -> bool {
    let mine = entries.iter().filter(|e| *e.client == *client);
    for e in mine {
        match e.kind {
            EntryKind::Sent {
                what: Sent::Auth | Sent::AuthWithoutOffset,
                ..
            } => return false,
            EntryKind::Received {
                got: Got::Notice | Got::Chat,
            } => return true,
            _ => {}
        }
    }
    false
}

/// Whether a chat line came through with U+FFFD in its message: bytes that were not UTF-8,
/// decoded lossily and relayed instead of refused.
fn relayed_lossily(entries: &[Entry]) -> bool {
    entries.iter().any(|e| {
        matches!(e.kind, EntryKind::Received { got: Got::Chat })
            && e.message.as_deref().is_some_and(|m| m.contains('\u{fffd}'))
    })
}

/// The hint a report gives for `outcome`'s failure `f`: none when a spawned server exited
/// (its stderr says why; the symptom is the exit's, not a pitfall's).
pub fn for_failure(outcome: &Outcome, f: &Failure) -> Option<Pitfall> {
    decide(f, &outcome.run.timeline, outcome.run.failed_at)
        .filter(|_| outcome.run.server_exit.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/PROTOCOL.md` §8, one entry per numbered item: (number, the item's text).
    fn pitfall_items() -> Vec<(u8, String)> {
        let doc = include_str!("../../../docs/PROTOCOL.md");
        let section = doc
            .split("\n## ")
            .find(|s| s.starts_with("8. Pitfalls"))
            .expect("PROTOCOL.md has a section \"8. Pitfalls\"");
        let mut items: Vec<(u8, String)> = Vec::new();
        for line in section.lines() {
            let numbered = line
                .split_once(". ")
                .and_then(|(n, rest)| Some((n.parse::<u8>().ok()?, rest)));
            match (numbered, items.last_mut()) {
                (Some((n, rest)), _) => items.push((n, rest.to_owned())),
                (None, Some((_, text))) if line.starts_with("   ") => {
                    text.push(' ');
                    text.push_str(line.trim());
                }
                _ => {}
            }
        }
        items
    }

    #[test]
    fn every_hint_names_a_pitfall_that_exists_with_that_title() {
        let items = pitfall_items();
        assert!(items.len() >= 14, "§8 lists {} items", items.len());
        for pitfall in Pitfall::ALL {
            let (_, text) = items
                .iter()
                .find(|(n, _)| *n == pitfall.item())
                .unwrap_or_else(|| panic!("§8 has no item {}", pitfall.item()));
            assert!(
                text.contains(pitfall.title()),
                "§8 item {} does not say {:?}: {text}",
                pitfall.item(),
                pitfall.title()
            );
            assert!(pitfall
                .line()
                .ends_with(&format!("\"Pitfalls\", {}", pitfall.item())));
        }
    }

    #[test]
    fn the_section_check_fails_for_an_item_that_does_not_exist() {
        let items = pitfall_items();
        assert!(!items.iter().any(|(n, _)| *n == 99));
    }
}
