//! CPU time of a process group, read from `/proc` (Linux only; elsewhere there is none), so
//! the bench can say what the server it started spent.

use std::time::Duration;

/// Clock ticks per second as `/proc/*/stat` counts them (`sysconf(_SC_CLK_TCK)` is 100 on
/// every Linux this runs on).
const TICKS_PER_SEC: u64 = 100;

/// User plus system CPU time of every live process in process group `pgrp`.
pub fn group_cpu(pgrp: u32) -> Option<Duration> {
    let mut ticks = 0u64;
    let mut found = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Some((group, t)) = stat(pid) {
            if group == pgrp {
                ticks += t;
                found = true;
            }
        }
    }
    found.then(|| Duration::from_millis(ticks * 1000 / TICKS_PER_SEC))
}

/// User plus system CPU time of this process (all threads).
pub fn self_cpu() -> Option<Duration> {
    let (_, ticks) = stat(std::process::id())?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SEC))
}

/// `(process group, utime + stime)` of a process.
fn stat(pid: u32) -> Option<(u32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
    let pgrp = fields.get(2)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((pgrp, utime + stime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_cpu_time_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(self_cpu().is_some());
        }
    }
}
