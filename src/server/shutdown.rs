//! The shutdown signal servers take as an argument (the mini-redis shape): anyone holding a
//! clone can trigger it once; a server registers how to wake its blocking wait.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

type Hook = Box<dyn Fn() + Send + Sync>;

/// A one-shot, cloneable shutdown signal.
#[derive(Clone, Default)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    triggered: AtomicBool,
    hooks: Mutex<Vec<Hook>>,
}

impl fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown")
            .field("triggered", &self.is_triggered())
            .finish()
    }
}

impl Shutdown {
    /// A signal not yet triggered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every server holding this signal to stop. Idempotent; cheap; callable from any
    /// thread (but not from inside a signal handler).
    pub fn trigger(&self) {
        if !self.inner.triggered.swap(true, Ordering::SeqCst) {
            let hooks = self
                .inner
                .hooks
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for hook in hooks.iter() {
                hook();
            }
        }
    }

    /// True once [`trigger`](Self::trigger) was called.
    pub fn is_triggered(&self) -> bool {
        self.inner.triggered.load(Ordering::SeqCst)
    }

    /// Runs `hook` when the signal is triggered (at once if it already was). Servers use it to
    /// wake their blocking wait.
    pub(crate) fn on_trigger(&self, hook: impl Fn() + Send + Sync + 'static) {
        let mut hooks = self
            .inner
            .hooks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.is_triggered() {
            drop(hooks);
            hook();
        } else {
            hooks.push(Box::new(hook));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn hooks_run_once_whenever_they_are_registered() {
        let shutdown = Shutdown::new();
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        shutdown.on_trigger(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        assert!(!shutdown.is_triggered());
        shutdown.clone().trigger();
        shutdown.trigger();
        let c = count.clone();
        shutdown.on_trigger(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        assert!(shutdown.is_triggered());
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }
}
