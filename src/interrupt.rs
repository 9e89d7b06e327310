//! Ctrl-C and friends for the commands that run programs under test (`run`, `matrix`): the
//! first SIGINT, SIGTERM or SIGHUP asks the run to stop starting scenarios ([`stopped`]), so
//! it can reap, report what finished and write its files marked partial; a second one kills
//! every process group the harness started and exits at once.
//!
//! Signals are process-wide, so this is one process-wide flag; code that does not install the
//! handler (the library's tests, `serve`) sees a run that is never interrupted.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::watch;

use crate::under_test::group;

/// The first stop signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// Tells waiting runs about the first signal.
static NOTICE: OnceLock<watch::Sender<i32>> = OnceLock::new();

fn notice() -> &'static watch::Sender<i32> {
    NOTICE.get_or_init(|| watch::channel(0).0)
}

/// Installs the handler: the first signal is noted, a second one ends the process (exit
/// status 128 + the signal) after killing every registered process group. (A panic unwinds,
/// and each group is killed as its owner drops it.)
pub fn install() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            for signal in signals.forever() {
                if RECEIVED
                    .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    notice().send_replace(signal);
                    continue;
                }
                group::kill_all();
                crate::under_test::contain::clean_up_at_exit();
                eprintln!("\nchat-harness: stopped at once (a second signal)");
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// Installs a handler for commands without a clean stop (`fuzz`, `bench`): any stop signal
/// kills every registered process group and exits at once (128 + the signal).
pub fn install_immediate() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                group::kill_all();
                crate::under_test::contain::clean_up_at_exit();
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// The signal that asked the run to stop, if one did.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Resolves once a stop signal has been received (at once if one already was); never
/// resolves when none comes.
pub async fn stopped() -> i32 {
    let mut rx = notice().subscribe();
    if let Some(signal) = received() {
        return signal;
    }
    let signal = match rx.wait_for(|s| *s != 0).await {
        Ok(signal) => Some(*signal),
        Err(_) => None,
    };
    match signal {
        Some(signal) => signal,
        None => std::future::pending().await,
    }
}

/// The signal's name for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}
