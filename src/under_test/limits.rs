//! Resource limits for every program the harness starts (`--limits
//! cpu=60s,mem=1G,procs=64,fsize=256M,nofile=1024`, `--limits none`): set in the child before
//! it executes the command, so `sh -c` and all it forks inherit them; and, when such a program
//! dies, the limit it hit, named from its exit signal, the kernel's pids counter or its stderr.
//!
//! CPU seconds, memory (`RLIMIT_DATA`: heap, stacks and other private writable mappings, so
//! address space a runtime only reserves is not counted), file size and open files are
//! `setrlimit`s. The number of
//! processes is `RLIMIT_NPROC`, which the kernel does not apply to root: as root, each program
//! gets a pids cgroup of its own (`pids.max`) where `/sys/fs/cgroup/pids` (v1) or a v2
//! hierarchy with the pids controller is writable; otherwise processes are not limited for root.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::resource::{setrlimit, Resource};

use crate::units::{parse_duration, parse_size};

/// Limits for one program; `None` leaves that resource as the harness has it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// CPU time (SIGXCPU at the limit, SIGKILL a second later).
    pub cpu: Option<Duration>,
    /// Private writable memory in bytes (`RLIMIT_DATA`; allocations beyond it fail).
    pub mem: Option<u64>,
    /// Processes (forks beyond it fail).
    pub procs: Option<u64>,
    /// Largest file it may write, in bytes.
    pub fsize: Option<u64>,
    /// Open files.
    pub nofile: Option<u64>,
}

impl Limits {
    /// No limits (`--limits none`).
    pub const NONE: Self = Self {
        cpu: None,
        mem: None,
        procs: None,
        fsize: None,
        nofile: None,
    };

    /// The defaults of `run`: room for any sane server, none for a runaway one.
    pub const RUN: Self = Self {
        cpu: Some(Duration::from_secs(60)),
        mem: Some(1 << 30),
        procs: Some(64),
        fsize: Some(256 << 20),
        nofile: Some(1024),
    };

    /// The defaults of `matrix`, which runs many submissions one after another. The process
    /// count is run's: a thread-per-client server holds a thread per client, 30 at once in
    /// `load/fanout-30`, and 32 (with the shell around it) failed that core scenario.
    pub const MATRIX: Self = Self {
        cpu: Some(Duration::from_secs(30)),
        mem: Some(512 << 20),
        procs: Some(64),
        fsize: Some(64 << 20),
        nofile: Some(256),
    };

    /// Parses `none`, or `key=value` pairs separated by commas over `defaults` (`cpu=10s`,
    /// `mem=2G`, `procs=16`, `fsize=1M`, `nofile=64`; a value `none` lifts that one).
    pub fn parse(text: &str, defaults: Self) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") {
            return Ok(Self::NONE);
        }
        let mut limits = defaults;
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not KEY=VALUE (e.g. cpu=60s, mem=1G)"))?;
            let value = value.trim();
            let off = value.eq_ignore_ascii_case("none");
            let count = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("`{value}` is not a whole number (in `{pair}`)"))
            };
            match key.trim() {
                "cpu" if off => limits.cpu = None,
                "cpu" => limits.cpu = Some(parse_duration(value)?),
                "mem" if off => limits.mem = None,
                "mem" => limits.mem = Some(parse_size(value)?),
                "procs" if off => limits.procs = None,
                "procs" => limits.procs = Some(count()?),
                "fsize" if off => limits.fsize = None,
                "fsize" => limits.fsize = Some(parse_size(value)?),
                "nofile" if off => limits.nofile = None,
                "nofile" => limits.nofile = Some(count()?),
                other => {
                    return Err(format!(
                        "unknown limit `{other}` (use cpu, mem, procs, fsize, nofile, or none)"
                    ))
                }
            }
        }
        Ok(limits)
    }

    /// Sets the `setrlimit` part in the calling process. Called in the child between fork and
    /// exec: no allocation, only system calls.
    pub fn apply_rlimits(&self) -> std::io::Result<()> {
        let set = |resource, value: u64, hard: u64| {
            setrlimit(resource, value, hard).map_err(std::io::Error::from)
        };
        if let Some(cpu) = self.cpu {
            let secs = cpu.as_secs().max(1);
            set(Resource::RLIMIT_CPU, secs, secs + 1)?;
        }
        if let Some(mem) = self.mem {
            set(Resource::RLIMIT_DATA, mem, mem)?;
        }
        if let Some(fsize) = self.fsize {
            set(Resource::RLIMIT_FSIZE, fsize, fsize)?;
        }
        if let Some(nofile) = self.nofile {
            set(Resource::RLIMIT_NOFILE, nofile, nofile)?;
        }
        if let Some(procs) = self.procs {
            set(Resource::RLIMIT_NPROC, procs, procs)?;
        }
        Ok(())
    }

    /// The limit a program that ended with `signal` (if a signal ended it), having written
    /// `stderr`, with `procs_refused` forks refused by its pids cgroup, most likely hit.
    pub fn hit(&self, signal: Option<i32>, stderr: &str, procs_refused: bool) -> Option<String> {
        use nix::sys::signal::Signal;
        let named = |what: &str, limit: String| Some(format!("the {what} limit ({limit}) was hit"));
        let lower = stderr.to_lowercase();
        let cpu = || self.cpu.map(|c| format!("{} s of CPU", c.as_secs().max(1)));
        if let (Some(limit), Some(s)) = (cpu(), signal) {
            if s == Signal::SIGXCPU as i32 || s == Signal::SIGKILL as i32 {
                return named("cpu", limit);
            }
        }
        if let Some(fsize) = self.fsize {
            if signal == Some(Signal::SIGXFSZ as i32) || lower.contains("file too large") {
                return named("fsize", format!("files up to {}", show_size(fsize)));
            }
        }
        if let Some(procs) = self.procs {
            let refused = lower.contains("resource temporarily unavailable")
                && (lower.contains("fork") || lower.contains("blockingioerror"));
            if procs_refused || refused {
                return named("procs", format!("{procs} processes"));
            }
        }
        if let Some(mem) = self.mem {
            let words = [
                "memoryerror",
                "cannot allocate memory",
                "out of memory",
                "bad_alloc",
            ];
            if words.iter().any(|w| lower.contains(w)) {
                return named("mem", format!("{} of memory", show_size(mem)));
            }
        }
        if let Some(nofile) = self.nofile {
            if lower.contains("too many open files") {
                return named("nofile", format!("{nofile} open files"));
            }
        }
        None
    }
}

/// `n` bytes in the largest whole unit of 1024 (`256 MiB`), or bytes.
fn show_size(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n >= 1 << shift && n % (1 << shift) == 0 {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// The limits of the programs this process starts (set once by the command line).
static CURRENT: Mutex<Limits> = Mutex::new(Limits::RUN);

/// Sets the limits for every program started from now on.
pub fn configure(limits: Limits) {
    if let Ok(mut current) = CURRENT.lock() {
        *current = limits;
    }
}

/// The limits for a program started now.
pub fn current() -> Limits {
    CURRENT.lock().map(|l| *l).unwrap_or(Limits::RUN)
}

/// A pids cgroup of one program (root only), removed when dropped.
#[derive(Debug)]
pub struct PidsCgroup {
    dir: PathBuf,
    /// `DIR/cgroup.procs`, as the child opens it before exec.
    procs_file: PathBuf,
}

impl PidsCgroup {
    /// A fresh cgroup with `pids.max = max`, when running as root on a writable pids
    /// hierarchy; `None` otherwise.
    pub fn create(max: u64) -> Option<Self> {
        if !nix::unistd::geteuid().is_root() {
            return None;
        }
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("chat-harness-{}-{n}", std::process::id());
        for root in ["/sys/fs/cgroup/pids", "/sys/fs/cgroup"] {
            let dir = PathBuf::from(root).join(&name);
            if std::fs::create_dir(&dir).is_err() {
                continue;
            }
            if std::fs::write(dir.join("pids.max"), max.to_string()).is_ok() {
                let procs_file = dir.join("cgroup.procs");
                return Some(Self { dir, procs_file });
            }
            let _ = std::fs::remove_dir(&dir);
        }
        None
    }

    /// The cgroup's directory.
    pub fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// `DIR/cgroup.procs`, which the child writes to join ([`join_cgroup`]).
    pub fn procs_file(&self) -> PathBuf {
        self.procs_file.clone()
    }

    /// Whether the kernel refused a fork because of `pids.max` (`pids.events`: `max N`).
    pub fn refused_forks(&self) -> bool {
        std::fs::read_to_string(self.dir.join("pids.events")).is_ok_and(|events| {
            events.lines().any(|l| {
                l.strip_prefix("max ")
                    .and_then(|n| n.trim().parse::<u64>().ok())
                    .is_some_and(|n| n > 0)
            })
        })
    }
}

/// Moves the calling process into the cgroup whose `cgroup.procs` is `procs_file` (`0` is
/// the writer itself): called in the child before exec, so all it forks is counted.
pub fn join_cgroup(procs_file: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().write(true).open(procs_file)?;
    file.write_all(b"0")
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        // Empty once the group is gone; a straggler still exiting makes it busy for a moment.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_over_defaults_and_none() {
        let l = Limits::parse("cpu=2s,mem=64M,procs=none", Limits::RUN).expect("parses");
        assert_eq!(l.cpu, Some(Duration::from_secs(2)));
        assert_eq!(l.mem, Some(64 << 20));
        assert_eq!(l.procs, None);
        assert_eq!(l.nofile, Limits::RUN.nofile);
        assert_eq!(Limits::parse("none", Limits::RUN), Ok(Limits::NONE));
        assert!(Limits::parse("cpu", Limits::RUN).is_err());
        assert!(Limits::parse("disk=1G", Limits::RUN).is_err());
    }

    #[test]
    fn names_the_limit_from_the_signal_or_stderr() {
        let l = Limits::RUN;
        let xcpu = nix::sys::signal::Signal::SIGXCPU as i32;
        assert!(l
            .hit(Some(xcpu), "", false)
            .is_some_and(|h| h.contains("cpu")));
        assert!(l
            .hit(None, "MemoryError\n", false)
            .is_some_and(|h| h.contains("mem")));
        assert!(l
            .hit(None, "OSError: [Errno 27] File too large", false)
            .is_some_and(|h| h.contains("fsize")));
        assert!(l.hit(None, "", true).is_some_and(|h| h.contains("procs")));
        assert_eq!(l.hit(None, "Traceback: ValueError", false), None);
    }
}
