//! The waiting steps of a client scenario: output lines (`user<`), frames from the client
//! (`server<`), server sends (`server>`) cut into writes, and saved files.

use std::time::SystemTime;

use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use super::check::{check, describe_expected};
use super::process::shown;
use super::runner::SeatRun;
use super::step_error::StepError;
use super::workdir::glob_regex;
use crate::language::client_script::{
    ClientExpect, ClientExpectation, OutputExpect, OutputMatch, SavedFile, ServerPart, ServerSend,
};
use crate::language::model::{BodySource, Chunking};
use crate::protocol::{Frame, HhMm, ServerFrame};
use crate::record::{compare_bodies, digest, hex_dump, note, Body, FailKind, Got, Incoming};

/// Most bytes one server send may hold in memory.
const SEND_CAP: usize = 64 << 20;
/// How often a saved file is looked for.
const FILE_POLL: std::time::Duration = std::time::Duration::from_millis(20);

impl SeatRun<'_> {
    /// Moves output lines that have arrived into the queue, waiting until `deadline` for one
    /// when `wait`; false when nothing more came.
    async fn next_line(&mut self, deadline: Instant) -> bool {
        match tokio::time::timeout_at(deadline, self.program.lines.recv()).await {
            Ok(Some(line)) => {
                self.history.push(line.clone());
                self.lines.push_back(line);
                true
            }
            _ => false,
        }
    }

    pub(super) async fn output(&mut self, expect: &OutputExpect) -> Result<(), StepError> {
        match &expect.kind {
            OutputMatch::Line(m) => {
                let deadline = self.deadline(expect.within);
                let mut index = 0;
                loop {
                    while index < self.lines.len() {
                        if m.matches(&self.lines[index]) {
                            self.lines.drain(..=index);
                            return Ok(());
                        }
                        index += 1;
                    }
                    if !self.next_line(deadline).await {
                        let ended = if self.program.exited().is_some() {
                            " (the client has exited)"
                        } else {
                            ""
                        };
                        let reason = format!(
                            "no line of the client's output matched {} within {:?}{ended}",
                            shown(&m.0.to_string()),
                            self.settings.cap(expect.within.unwrap_or(self.timeout))
                        );
                        let failure = match self.lines.back() {
                            Some(last) => StepError::fail_line(reason, last),
                            None => StepError::fail(reason),
                        };
                        return Err(failure.of_kind(FailKind::Timeout));
                    }
                }
            }
            OutputMatch::Nothing(quiet) => {
                let deadline = Instant::now() + *quiet;
                if self.lines.is_empty() {
                    self.next_line(deadline).await;
                }
                match self.lines.front() {
                    None => Ok(()),
                    Some(line) => Err(StepError::fail_line(
                        format!("expected no output for {quiet:?}"),
                        line,
                    )),
                }
            }
            OutputMatch::Never(m) => {
                let deadline = Instant::now() + expect.within.unwrap_or_default();
                while self.next_line(deadline).await {}
                match self.history.iter().find(|l| m.matches(l)) {
                    None => Ok(()),
                    Some(line) => Err(StepError::fail_line(
                        format!(
                            "the client printed a line matching {}",
                            shown(&m.0.to_string())
                        ),
                        &line.clone(),
                    )),
                }
            }
        }
    }

    pub(super) async fn receive(&mut self, expect: &ClientExpect) -> Result<(), StepError> {
        let deadline = self.deadline(expect.within);
        if let [ClientExpectation::Nothing(quiet)] = expect.alternatives.as_slice() {
            let until = Instant::now() + *quiet;
            let peer = self.peer(deadline).await?;
            peer.fill(0, until).await;
            return match peer.seen.front() {
                None => Ok(()),
                Some(arrival) => Err(StepError::fail_with(
                    format!("expected nothing from the client for {quiet:?}"),
                    arrival,
                )),
            };
        }
        let timeout = self.settings.cap(expect.within.unwrap_or(self.timeout));
        let peer = self.peer(deadline).await?;
        let mut index = 0;
        loop {
            if !peer.fill(index, deadline).await {
                let what = expect
                    .alternatives
                    .iter()
                    .map(describe_expected)
                    .collect::<Vec<_>>()
                    .join(" or ");
                return Err(StepError::fail(format!(
                    "nothing arrived from the client within {timeout:?} (expected {what})"
                ))
                .of_kind(FailKind::Timeout));
            }
            let arrival = &peer.seen[index];
            let mut first_reason = None;
            for alternative in &expect.alternatives {
                match check(alternative, arrival) {
                    Ok(()) => {
                        peer.seen.drain(..=index);
                        return Ok(());
                    }
                    Err(reason) => {
                        first_reason.get_or_insert(reason);
                    }
                }
            }
            if !expect.eventually {
                let reason = first_reason.unwrap_or_default();
                return Err(StepError::fail_with(reason, arrival));
            }
            index += 1;
        }
    }

    pub(super) async fn send(&mut self, send: &ServerSend) -> Result<(), StepError> {
        let deadline = self.deadline(send.within);
        let bytes = self.server_bytes(send)?;
        let peer = self.peer(deadline).await?;
        let Some(writer) = peer.writer() else {
            return Err(StepError::Error(
                "this connection was closed by the scenario".into(),
            ));
        };
        let writes = write_chunked(writer, &bytes, &send.chunking, deadline).await?;
        if writes > 1 {
            note(&self.transcript, format!("  (in {writes} writes)"));
        }
        Ok(())
    }

    /// The bytes of a server send (frames stamped with the time now unless they give one),
    /// each part noted in the transcript.
    fn server_bytes(&self, send: &ServerSend) -> Result<Vec<u8>, StepError> {
        let mut bytes = Vec::new();
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let clock = HhMm::from_unix(now, self.utc_offset);
        for part in &send.parts {
            match part {
                ServerPart::Frame(timed) => {
                    let frame =
                        stamped(&timed.frame, timed.timed.then(|| timed.at.unwrap_or(clock)));
                    let summary = Incoming::Frame(frame.clone()).summary();
                    note(&self.transcript, format!("server> {summary}"));
                    let encoded = frame.to_bytes().map_err(|e| {
                        StepError::Error(format!("this frame cannot be encoded: {e}"))
                    })?;
                    bytes.extend(encoded);
                }
                ServerPart::Raw(raw) => {
                    let dump = hex_dump(raw, 4);
                    note(
                        &self.transcript,
                        format!("server> raw {} bytes\n{}", raw.len(), dump.trim_end()),
                    );
                    bytes.extend_from_slice(raw);
                }
                ServerPart::Body(source) => {
                    let body = body_bytes(source).map_err(|e| {
                        StepError::Error(format!("cannot read the body to send: {e}"))
                    })?;
                    note(
                        &self.transcript,
                        format!("server> file body: {} bytes", body.len()),
                    );
                    bytes.extend(body);
                }
            }
            if bytes.len() > SEND_CAP {
                return Err(StepError::Error(
                    "a server send holds at most 64 MiB".into(),
                ));
            }
        }
        Ok(bytes)
    }

    pub(super) async fn saved(&mut self, file: &SavedFile) -> Result<(), StepError> {
        let deadline = self.deadline(file.within);
        let glob = glob_regex(&file.glob);
        let expected = match &file.body {
            Some(source) => Some(
                digest(source)
                    .map_err(|e| StepError::Error(format!("cannot read the expected body: {e}")))?,
            ),
            None => None,
        };
        loop {
            let found = self.workdir.matching(&glob);
            let mut problems = Vec::new();
            for (rel, path) in &found {
                match saved_matches(path, file.size, expected.as_ref()) {
                    Ok(()) => {
                        note(&self.transcript, format!("-- saved: {rel} --"));
                        return Ok(());
                    }
                    Err(problem) => problems.push(format!("{rel}: {problem}")),
                }
            }
            if Instant::now() >= deadline {
                let reason = if found.is_empty() {
                    let listing = self.workdir.listing();
                    format!(
                        "no file the client created or changed matches {:?} in its working directory (it holds: {})",
                        file.glob,
                        if listing.is_empty() {
                            "nothing".to_owned()
                        } else {
                            listing.join(", ")
                        }
                    )
                } else {
                    problems.join("; ")
                };
                let got = if found.is_empty() {
                    Got::NoFile
                } else {
                    Got::WrongFile
                };
                return Err(StepError::fail(reason).shaped(None, got));
            }
            tokio::time::sleep(FILE_POLL).await;
        }
    }
}

fn saved_matches(
    path: &std::path::Path,
    size: Option<u64>,
    expected: Option<&Body>,
) -> Result<(), String> {
    let actual = digest(&BodySource::File(path.to_owned())).map_err(|e| e.to_string())?;
    if let Some(size) = size {
        if actual.len != size {
            return Err(format!("{} bytes, expected {size}", actual.len));
        }
    }
    match expected {
        Some(expected) => compare_bodies(expected, &actual).map_err(|m| m.reason),
        None => Ok(()),
    }
}

/// The frame with its time prefix set to `time` (`None`: untimed frames stay as they are).
fn stamped(frame: &ServerFrame, time: Option<HhMm>) -> ServerFrame {
    let mut frame = frame.clone();
    if let Some(time) = time {
        match &mut frame {
            ServerFrame::Text(text) => text.time = Some(time),
            ServerFrame::File(header) => header.time = time,
            ServerFrame::AuthOk(_) | ServerFrame::Renamed(_) => {}
        }
    }
    frame
}

fn body_bytes(source: &BodySource) -> std::io::Result<Vec<u8>> {
    match source {
        BodySource::File(path) => std::fs::read(path),
        BodySource::Generated(n) => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX).min(SEND_CAP + 1);
            Ok((0..n as u64).map(BodySource::generated_byte).collect())
        }
    }
}

/// Writes `bytes` in the chunks `chunking` cuts, pausing between them; each write has until
/// `deadline` plus the pauses so far. Returns how many writes it took.
async fn write_chunked(
    writer: &mut tokio::net::tcp::OwnedWriteHalf,
    bytes: &[u8],
    chunking: &Chunking,
    deadline: Instant,
) -> Result<u32, StepError> {
    let mut pos = 0;
    let mut writes = 0;
    while pos < bytes.len() {
        let end = chunking
            .next_boundary(pos)
            .map_or(bytes.len(), |b| b.min(bytes.len()));
        if writes > 0 && !chunking.pause.is_zero() {
            tokio::time::sleep(chunking.pause).await;
        }
        let written = tokio::time::timeout_at(
            deadline + chunking.pause * (writes + 1),
            writer.write_all(&bytes[pos..end]),
        )
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(StepError::fail(format!(
                    "writing to the client failed: {e} (did it close the connection?)"
                ))
                .of_kind(FailKind::Closed))
            }
            Err(_) => {
                return Err(StepError::fail(
                    "the client did not take the bytes in time (has it stopped reading?)",
                )
                .of_kind(FailKind::Timeout))
            }
        }
        pos = end;
        writes += 1;
    }
    Ok(writes)
}
