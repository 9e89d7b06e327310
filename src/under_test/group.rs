//! The process groups of the programs the harness starts (servers and clients under test, with
//! `sh -c` and whatever they fork): each leads a group of its own, is registered here while it
//! may run, and is stopped as a group — SIGTERM, a short grace, SIGKILL. A [`Group`] that is
//! dropped (an error, a cancelled scenario, a panic that unwinds) kills its group at once;
//! [`kill_all`] is what a signal handler calls before the process exits.
//!
//! This module owns no `Child`: the caller reaps its own child, so a leader that exited is
//! not mistaken for a live one (see [`Group::stop`]).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::time::Instant;

/// How long a group has to end after SIGTERM before it gets SIGKILL.
pub const GRACE: Duration = Duration::from_millis(300);

/// The groups that may still have members.
static LIVE: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// A process group the harness started; registered while it lives, killed when dropped.
#[derive(Debug)]
pub struct Group {
    pgid: i32,
    /// Set once the group was seen gone or was killed: its id may then belong to another
    /// group (pids are reused, and `pid_max` is often 32 768), so it is never signalled again.
    ended: AtomicBool,
}

impl Group {
    /// Registers the group led by `pid` (a child spawned with `process_group(0)`).
    pub fn register(pid: u32) -> Option<Self> {
        let pgid = i32::try_from(pid).ok().filter(|&p| p > 1)?;
        if let Ok(mut live) = LIVE.lock() {
            live.insert(pgid);
        }
        let group = Self {
            pgid,
            ended: AtomicBool::new(false),
        };
        // Started while the process is ending (after [`kill_all`]): it goes at once.
        if CLOSING.load(Ordering::SeqCst) {
            group.kill();
        }
        Some(group)
    }

    /// The group's id (its leader's pid).
    pub fn id(&self) -> u32 {
        self.pgid.unsigned_abs()
    }

    /// Stops the group: SIGTERM, then SIGKILL to whatever is left after `grace`. `reap` is
    /// called while waiting, so the caller can collect its exited leader (a zombie counts as
    /// gone, but only once nothing but zombies is left).
    pub async fn stop(&self, grace: Duration, mut reap: impl FnMut()) {
        let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        loop {
            reap();
            if !alive(self.pgid) {
                self.ended.store(true, Ordering::SeqCst);
                return;
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.kill();
        reap();
    }

    /// Kills the group at once (SIGKILL), e.g. a client whose scenario is over.
    pub fn kill(&self) {
        if !self.ended.swap(true, Ordering::SeqCst) {
            let _ = killpg(Pid::from_raw(self.pgid), Signal::SIGKILL);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // Whatever happened before, nothing of this group outlives its owner.
        self.kill();
        if let Ok(mut live) = LIVE.lock() {
            live.remove(&self.pgid);
        }
    }
}

/// Set once the process is ending: a group registered after [`kill_all`] is killed at once.
static CLOSING: AtomicBool = AtomicBool::new(false);

/// Kills every registered group (SIGKILL), and every group registered from now on: the last
/// word of a signal handler or a panic.
pub fn kill_all() {
    CLOSING.store(true, Ordering::SeqCst);
    kill_registered();
}

/// Kills every group registered now.
fn kill_registered() {
    // The lock is held only for moments; a thread that panicked holding it leaves it
    // poisoned, which still gives the set. Bounded: a lock never released is given up.
    for _ in 0..100 {
        let groups: Vec<i32> = match LIVE.try_lock() {
            Ok(live) => live.iter().copied().collect(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().iter().copied().collect(),
            Err(std::sync::TryLockError::WouldBlock) => {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
        };
        for pgid in groups {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
        return;
    }
}

/// How many groups are registered (tests and the interrupt path).
pub fn live_count() -> usize {
    LIVE.lock().map(|l| l.len()).unwrap_or(0)
}

/// After an interrupt: kills every registered group and waits (at most a second) until the
/// owners of the groups (scenarios being cancelled) have let go of them all.
pub async fn wait_until_none_live() {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        kill_registered();
        if live_count() == 0 || Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether any process of group `pgid` is still running (zombies do not count: they have
/// ended and only wait for their parent).
pub fn alive(pgid: i32) -> bool {
    if killpg(Pid::from_raw(pgid), None).is_err() {
        return false;
    }
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return true;
    };
    dir.flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
            let Some((_, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let mut fields = rest.split_whitespace();
            let state = fields.next().unwrap_or("Z");
            let pgrp = fields.nth(1).and_then(|p| p.parse::<i32>().ok());
            pgrp == Some(pgid) && state != "Z" && state != "X"
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[tokio::test]
    async fn a_stopped_group_takes_its_grandchildren_along() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .process_group(0)
            .spawn()
            .expect("sh starts");
        let group = Group::register(child.id()).expect("a group");
        assert!(alive(group.pgid));
        group
            .stop(GRACE, || {
                let _ = child.try_wait();
            })
            .await;
        assert!(!alive(group.pgid), "the sleeps are gone too");
    }

    #[test]
    fn a_dropped_group_is_killed_and_forgotten() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .expect("sleep starts");
        let group = Group::register(child.id()).expect("a group");
        let pgid = group.pgid;
        drop(group);
        let _ = child.wait();
        assert!(!alive(pgid));
        assert!(!LIVE.lock().expect("lock").contains(&pgid));
    }
}
