//! Lines that say what a failure's timeline shows about its cause: frames sent in one write
//! that did not come back one for one (and whether they came back merged into one message),
//! and the numbers a flow-control scenario pushed toward a client that reads slowly or not
//! at all.

use crate::record::{amount, Act, EntryKind, TimelineLog};

/// For the first write of several texts that did not come back one for one: which frames
/// were in it and what became of them.
pub fn merged_write(log: &TimelineLog) -> Option<String> {
    let received: Vec<&str> = log
        .entries
        .iter()
        .filter_map(|e| e.message.as_deref())
        .collect();
    for group in log.writes.iter().filter(|g| g.texts.len() > 1) {
        let last = group.first_frame + group.frames - 1;
        let sent: Vec<&str> = group.texts.iter().map(|(_, t)| t.as_str()).collect();
        let merged = received.iter().find(|m| {
            !sent.contains(m)
                && sent
                    .iter()
                    .any(|t| !t.is_empty() && m.starts_with(t) && m.len() > t.len())
        });
        let back = sent.iter().filter(|t| received.contains(t)).count();
        let how = match group.writes {
            1 => "in one write".to_owned(),
            n => format!("back to back in {n} writes"),
        };
        let head = format!(
            "{}'s frames {}–{last} were sent {how} ({})",
            group.client,
            group.first_frame,
            amount(group.bytes)
        );
        if let Some(m) = merged {
            return Some(format!(
                "{head}; the server relayed them as one message ({} bytes: {:?}...)",
                m.len(),
                m.chars().take(24).collect::<String>()
            ));
        }
        if back < sent.len() {
            return Some(format!(
                "{head}; {back} of its {} texts came back as messages of their own: the server read the write as fewer frames",
                sent.len()
            ));
        }
    }
    None
}

/// For a run where a client stopped, paused or slowed its reading: when, how much the others
/// sent after that, how much it received, and the limit the suite assumes.
pub fn pushed_numbers(log: &TimelineLog) -> Option<String> {
    let entries = &log.entries;
    let (start, reader, how) = entries.iter().enumerate().find_map(|(i, e)| match e.kind {
        EntryKind::Event { act } => {
            let how = match act {
                Act::StopReading => "stopped reading",
                Act::PauseReading => "paused its reading",
                Act::ReadSlowly => "began to read slowly",
                _ => return None,
            };
            Some((i, e, how))
        }
        _ => None,
    })?;
    let (mut sent, mut frames, mut got) = (0u64, 0usize, 0u64);
    for e in &entries[start..] {
        match e.kind {
            EntryKind::Sent { .. } if e.client != reader.client => {
                sent += e.bytes;
                frames += 1;
            }
            EntryKind::Received { .. } if e.client == reader.client => got += e.bytes,
            _ => {}
        }
    }
    Some(format!(
        "{} {how} at {} ms; after that the others sent {} in {frames} frames and {} received {}; the suite assumes an outbound queue per client well below 20 MB (PROTOCOL.md §7)",
        reader.client,
        reader.at.as_millis(),
        amount(sent),
        reader.client,
        amount(got),
    ))
}
