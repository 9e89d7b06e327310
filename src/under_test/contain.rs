//! Containment of one program the harness starts: its resource limits (set in the child
//! before exec, [`super::limits`]), its pids cgroup when running as root, and a private
//! `TMPDIR` removed afterwards; and, once it has died, the limit it most likely hit.
//!
//! Not contained: the network and the file system outside the `fsize` limit (see the
//! README's "What is contained" section for a container recipe).

use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::process::Command;

use super::limits::{Limits, PidsCgroup};

/// What confines one started program; keep it until the program's group is gone.
#[derive(Debug)]
pub struct Containment {
    limits: Limits,
    cgroup: Option<PidsCgroup>,
    tmp: Option<tempfile::TempDir>,
}

impl Containment {
    /// Prepares `limits` for a program about to start: a pids cgroup as root, the process
    /// count of this user otherwise (`RLIMIT_NPROC` counts all of a user's processes).
    pub fn new(limits: Limits) -> Self {
        let cgroup = limits.procs.and_then(PidsCgroup::create);
        let tmp = tempfile::Builder::new()
            .prefix("chat-harness-tmp-")
            .tempdir()
            .ok();
        if let Ok(mut left) = LEFT.lock() {
            left.extend(cgroup.as_ref().map(|c| (c.dir(), true)));
            left.extend(tmp.as_ref().map(|t| (t.path().to_path_buf(), false)));
        }
        Self {
            limits,
            cgroup,
            tmp,
        }
    }

    /// Sets up `command`: the private `TMPDIR`, the cgroup joined and the limits set in the
    /// child before it executes the program.
    pub fn apply(&self, command: &mut Command) {
        if let Some(tmp) = &self.tmp {
            command.env("TMPDIR", tmp.path());
        }
        let mut rlimits = self.limits;
        let procs_file: Option<PathBuf> = self.cgroup.as_ref().map(PidsCgroup::procs_file);
        rlimits.procs = match (&self.cgroup, rlimits.procs) {
            // The cgroup counts; RLIMIT_NPROC does not apply to root anyway.
            (Some(_), _) | (None, None) => None,
            (None, Some(procs)) if nix::unistd::geteuid().is_root() => Some(procs),
            (None, Some(procs)) => Some(procs + processes_of_this_user()),
        };
        // SAFETY: the closure runs in the forked child before exec; it only opens and writes
        // one file and calls setrlimit, and allocates nothing but a path buffer on the stack.
        unsafe {
            command.pre_exec(move || {
                if let Some(file) = &procs_file {
                    super::limits::join_cgroup(file)?;
                }
                rlimits.apply_rlimits()
            });
        }
    }

    /// The limit a program that ended with `status`, having written `stderr`, most likely
    /// hit, in words (`the mem limit (1 GiB of address space) was hit`).
    pub fn hit(&self, status: Option<&ExitStatus>, stderr: &str) -> Option<String> {
        use std::os::unix::process::ExitStatusExt;
        // A shell that ran the program as its child reports its death by a signal as
        // 128 + the signal.
        let signal = status.and_then(|s| {
            s.signal()
                .or_else(|| s.code().filter(|c| (129..160).contains(c)).map(|c| c - 128))
        });
        let refused = self.cgroup.as_ref().is_some_and(PidsCgroup::refused_forks);
        self.limits.hit(signal, stderr, refused)
    }

    /// How the process limit is enforced, for reports: `cgroup`, `rlimit` or `none`.
    pub fn procs_by(&self) -> &'static str {
        match (&self.cgroup, self.limits.procs) {
            (_, None) => "none",
            (Some(_), _) => "cgroup",
            (None, _) if nix::unistd::geteuid().is_root() => "none (root, no writable pids cgroup)",
            (None, _) => "rlimit",
        }
    }
}

impl Drop for Containment {
    fn drop(&mut self) {
        // The cgroup and the TMPDIR remove themselves as they drop, right after this.
        let mine: Vec<PathBuf> = self
            .cgroup
            .iter()
            .map(PidsCgroup::dir)
            .chain(self.tmp.iter().map(|t| t.path().to_path_buf()))
            .collect();
        if let Ok(mut left) = LEFT.lock() {
            left.retain(|(path, _)| !mine.contains(path));
        }
    }
}

/// The cgroups (`true`) and private TMPDIRs of programs still contained: what an exit that
/// skips the drops ([`clean_up_at_exit`]) must remove.
static LEFT: Mutex<Vec<(PathBuf, bool)>> = Mutex::new(Vec::new());

/// Removes every cgroup and private TMPDIR still in use, once their programs are killed:
/// called by a signal handler before the process exits without running the drops. A cgroup
/// is removed once empty, waiting at most half a second.
pub fn clean_up_at_exit() {
    let left = match LEFT.try_lock() {
        Ok(left) => left.clone(),
        Err(_) => return,
    };
    let deadline = Instant::now() + Duration::from_millis(500);
    for (path, cgroup) in left {
        if !cgroup {
            let _ = std::fs::remove_dir_all(&path);
            continue;
        }
        while std::fs::remove_dir(&path).is_err() && path.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// How many processes this user runs now (what `RLIMIT_NPROC` counts).
fn processes_of_this_user() -> u64 {
    use std::os::unix::fs::MetadataExt;
    let uid = nix::unistd::getuid().as_raw();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let count = dir
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid))
        .count();
    u64::try_from(count).unwrap_or(0)
}
