//! Shrinking a failing session and saving it: the statements after the failing one go at
//! once, then checks that only watch, then whole blocks (tried away side by side); the result
//! is re-run and, when a majority of the re-runs fail the same way, written as a
//! `tests: client` scenario with a header saying how it was found.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::exec::{prologue, render, Exec, Outcome};
use super::generate::{self, Session};
use super::oracle::ClientOracle;
use super::{ClientFinding, ClientFuzzConfig};
use crate::netfuzz::finding::reproducible;
use crate::netfuzz::{clip, fnv};

/// Shrinks a failing session by whole blocks, re-checks it, and saves it.
pub(super) async fn minimise(
    config: &ClientFuzzConfig,
    exec: &Exec,
    session: Session,
    (oracle, line): (ClientOracle, usize),
    seed: u64,
    index: u64,
) -> std::io::Result<Option<ClientFinding>> {
    const RECHECKS: usize = 3;
    let until = Instant::now() + config.shrink_time;
    // The login's four statements count too.
    let before: usize = 4 + session.blocks.iter().map(Vec::len).sum::<usize>();
    let mut blocks = match (line.saturating_sub(1)).checked_sub(prologue(config.timeout).len()) {
        Some(index) => truncate(session.blocks.clone(), index),
        None => Vec::new(),
    };
    let whole = blocks.clone();
    // The other checks only watch: without them the traffic is the same.
    let quiet = without_checks(&blocks);
    if quiet != blocks && exec.fails_with(&quiet, oracle).await {
        blocks = quiet;
    }
    // Each block is tried away on its own, side by side; then all the blocks that could go
    // at once, or else one by one from the end.
    if blocks.len() > 1 && Instant::now() < until {
        let candidates: Vec<Vec<generate::Block>> = (0..blocks.len() - 1)
            .map(|i| {
                let mut c = blocks.clone();
                c.remove(i);
                c
            })
            .collect();
        let mut removable = Vec::new();
        for (chunk_start, chunk) in candidates.chunks(config.jobs.max(1)).enumerate() {
            let results = join_all(chunk.iter().map(|c| exec.fails_with(c, oracle))).await;
            let first = chunk_start * config.jobs.max(1);
            removable.extend(
                results
                    .into_iter()
                    .enumerate()
                    .filter(|(_, still)| *still)
                    .map(|(k, _)| first + k),
            );
        }
        let all_gone = |blocks: &[generate::Block], gone: &[usize]| -> Vec<generate::Block> {
            blocks
                .iter()
                .enumerate()
                .filter(|(i, _)| !gone.contains(i))
                .map(|(_, b)| b.clone())
                .collect()
        };
        let together = all_gone(&blocks, &removable);
        if removable.len() > 1 && !exec.fails_with(&together, oracle).await {
            let mut gone = Vec::new();
            for &i in removable.iter().rev() {
                if Instant::now() >= until {
                    break;
                }
                let mut trial = gone.clone();
                trial.push(i);
                if exec.fails_with(&all_gone(&blocks, &trial), oracle).await {
                    gone = trial;
                }
            }
            blocks = all_gone(&blocks, &gone);
        } else {
            blocks = together;
        }
    }
    // Kept only when a majority of its re-runs fail the same way, as the server fuzzer's
    // findings: the shrunk form first, else the session as it ran.
    let (mut reproduced, mut observed, mut failed_line) =
        recheck(exec, &blocks, oracle, RECHECKS).await;
    if !reproducible(reproduced, RECHECKS) && whole != blocks {
        blocks = whole;
        (reproduced, observed, failed_line) = recheck(exec, &blocks, oracle, RECHECKS).await;
    }
    if !reproducible(reproduced, RECHECKS) {
        return Ok(None);
    }
    let after: usize = 4 + blocks.iter().map(Vec::len).sum::<usize>();
    let (text, _) = render(config.timeout, &blocks);
    let text = text.replacen(
        "description: client fuzz session",
        &format!(
            "description: fuzz finding: {} ({})",
            oracle.name(),
            oracle.meaning()
        ),
        1,
    );
    let mut header = vec![
        "Found by chat-harness fuzz --client.".to_owned(),
        format!(
            "seed: {} (session {index} of `chat-harness fuzz --client ... --seed {}`; session seed {seed:#018x})",
            config.seed, config.seed
        ),
        format!("oracle: {} — {}", oracle.name(), oracle.meaning()),
        format!("observed: {}", clip(&observed.replace('\n', " "), 400)),
        format!("shrunk from {before} to {after} statements; failed the same way {reproduced} of {RECHECKS} re-runs"),
    ];
    // Counted in the file, this header (and the line saying so) included.
    header.push(format!("fails at line {}", failed_line + header.len() + 1));
    let mut file: String = header.iter().map(|l| format!("# {l}\n")).collect();
    file.push_str(&text);
    let path = config.out.join(format!(
        "client-{}-{:08x}.chat",
        oracle.name(),
        fnv(&text) as u32
    ));
    std::fs::create_dir_all(&config.out)?;
    std::fs::write(&path, file)?;
    Ok(Some(ClientFinding {
        oracle,
        observed,
        path,
        line: failed_line + header.len(),
        steps: (before, after),
        reproduced: (reproduced, RECHECKS),
        found_after: Duration::ZERO,
    }))
}

/// Runs `blocks` `runs` times side by side: how many failed `oracle`, with what the last of
/// them observed and the line it failed at.
async fn recheck(
    exec: &Exec,
    blocks: &[generate::Block],
    oracle: ClientOracle,
    runs: usize,
) -> (usize, String, usize) {
    let mut reproduced = 0;
    let mut observed = String::new();
    let mut failed_line = 0;
    for rerun in join_all((0..runs).map(|_| exec.run(blocks))).await {
        if let Outcome::Found(o, what, at) = rerun {
            if o == oracle {
                reproduced += 1;
                observed = what;
                failed_line = at;
            }
        }
    }
    (reproduced, observed, failed_line)
}

/// The blocks up to and including the statement at `index` (0-based, after the prologue):
/// what came after it never ran.
fn truncate(blocks: Vec<generate::Block>, index: usize) -> Vec<generate::Block> {
    let mut out = Vec::new();
    let mut left = index + 1;
    for mut block in blocks {
        if left == 0 {
            break;
        }
        if block.len() >= left {
            block.truncate(left);
            out.push(block);
            break;
        }
        left -= block.len();
        out.push(block);
    }
    out
}

/// The blocks with every check but the last statement's removed, except the expectations of
/// frames from the client (each consumes a frame the next one would otherwise see).
fn without_checks(blocks: &[generate::Block]) -> Vec<generate::Block> {
    let last = blocks.len().saturating_sub(1);
    blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let end = if i == last {
                block.len().saturating_sub(1)
            } else {
                block.len()
            };
            block
                .iter()
                .enumerate()
                .filter(|(j, l)| *j >= end || l.oracle.is_none() || l.text.starts_with("server<"))
                .map(|(_, l)| l.clone())
                .collect()
        })
        .filter(|b: &generate::Block| !b.is_empty())
        .collect()
}
