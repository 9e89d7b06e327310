//! How many scenarios run at once: `-j` slots, one per running scenario, of which at most
//! half may be held by heavy scenarios (those that declare their own step timeout: the floods,
//! the load and backpressure scenarios), so the many scenarios that mostly wait never queue
//! behind the few that may need the machine. A freed slot goes to the first waiting scenario
//! that fits ([`Slots::try_take`], first fit), so a heavy scenario waiting for a heavy slot
//! does not hold back the light ones behind it. Clones share their slots: a matrix runs all
//! its implementations over one set.

use std::sync::Arc;

use tokio::sync::futures::Notified;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::language::scenario::Scenario;

/// The default `-j` of `run` for targets that give each scenario its own server: most of a
/// scenario is waiting (step timeouts, `nothing for` windows, pauses), not CPU, so four per
/// CPU, at least 4 and at most 16.
pub fn default_jobs() -> usize {
    (cpus() * 4).clamp(4, 16)
}

/// The default `-j` of `matrix`, whose implementations run side by side over one set of
/// slots: eight per CPU, at least 8 and at most 64. Its scenarios wait as `run`'s do, and
/// many implementations give the slots enough to wait on.
pub fn default_matrix_jobs() -> usize {
    (cpus() * 8).clamp(8, 64)
}

/// The CPUs this process may use (2 when the system does not say).
fn cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `jobs` slots shared by everything that runs through one [`Slots`] (clones share them).
#[derive(Debug, Clone)]
pub struct Slots {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// One permit per running scenario.
    all: Arc<Semaphore>,
    /// One permit per running heavy scenario.
    heavy: Arc<Semaphore>,
    capacity: usize,
    heavy_capacity: usize,
    /// Woken whenever a lease ends, for runs waiting to fit a scenario in.
    freed: Notify,
    /// Held while a lease is taken, so that no one sees a heavy permit taken for a lease that
    /// then does not get its slot.
    taking: std::sync::Mutex<()>,
}

/// The slots one scenario holds while it runs; given back (and waiting runs woken) on drop.
#[derive(Debug)]
pub struct Lease {
    all: Option<OwnedSemaphorePermit>,
    heavy: Option<OwnedSemaphorePermit>,
    inner: Arc<Inner>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.heavy.take();
        self.all.take();
        self.inner.freed.notify_waiters();
    }
}

impl Slots {
    /// `jobs` slots (at least one), at most half of them (at least one) heavy: with `-j 8`,
    /// eight scenarios at once, of which at most four are floods.
    pub fn new(jobs: usize) -> Self {
        Self::with_heavy(jobs, jobs / 2)
    }

    /// `jobs` slots that every scenario, heavy or not, may take.
    pub fn flat(jobs: usize) -> Self {
        Self::with_heavy(jobs, jobs)
    }

    /// `jobs` slots (at least one), of which at most `heavy` (at least one) heavy.
    fn with_heavy(jobs: usize, heavy: usize) -> Self {
        let capacity = jobs.clamp(1, Semaphore::MAX_PERMITS);
        let heavy_capacity = heavy.clamp(1, capacity);
        Self {
            inner: Arc::new(Inner {
                all: Arc::new(Semaphore::new(capacity)),
                heavy: Arc::new(Semaphore::new(heavy_capacity)),
                capacity,
                heavy_capacity,
                freed: Notify::new(),
                taking: std::sync::Mutex::new(()),
            }),
        }
    }

    /// Slots in all.
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }

    /// How many of them heavy scenarios may hold at once.
    pub fn heavy_capacity(&self) -> usize {
        self.inner.heavy_capacity
    }

    /// Whether `scenario` counts as heavy: it declares its own step timeout.
    pub fn is_heavy(scenario: &Scenario) -> bool {
        scenario.timeout.is_some()
    }

    /// A slot for a scenario (`heavy` or not) if one is free now.
    pub fn try_take(&self, heavy: bool) -> Option<Lease> {
        // A poisoned lock guards nothing broken: the permits are the state.
        let _taking = self
            .inner
            .taking
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let heavy_permit = if heavy {
            Some(self.inner.heavy.clone().try_acquire_owned().ok()?)
        } else {
            None
        };
        let all = self.inner.all.clone().try_acquire_owned().ok()?;
        Some(Lease {
            all: Some(all),
            heavy: heavy_permit,
            inner: self.inner.clone(),
        })
    }

    /// A future that completes when any lease of these slots ends from now on; `enable` it
    /// before trying [`Slots::try_take`] so that no release in between is missed.
    pub fn freed(&self) -> Notified<'_> {
        self.inner.freed.notified()
    }

    /// Slots free right now (for tests).
    pub fn available(&self) -> usize {
        self.inner.all.available_permits()
    }
}

impl From<usize> for Slots {
    fn from(jobs: usize) -> Self {
        Self::new(jobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_half_the_slots_are_heavy() {
        assert_eq!(Slots::new(8).heavy_capacity(), 4);
        assert_eq!(Slots::new(32).heavy_capacity(), 16);
        assert_eq!(Slots::new(3).heavy_capacity(), 1);
        assert_eq!(Slots::new(1).heavy_capacity(), 1);
        assert_eq!(Slots::new(0).capacity(), 1);
        assert_eq!(Slots::flat(4).heavy_capacity(), 4);
    }

    #[test]
    fn a_light_scenario_fits_where_a_heavy_one_does_not() {
        let slots = Slots::new(4);
        let first = slots.try_take(true).expect("a heavy slot is free");
        let second = slots.try_take(true).expect("two of four may be heavy");
        assert!(slots.try_take(true).is_none(), "a third heavy one waits");
        let light = slots.try_take(false).expect("a light one still fits");
        assert_eq!(slots.available(), 1);
        drop((first, second, light));
        assert_eq!(slots.available(), 4);
    }

    #[test]
    fn only_an_ended_lease_wakes_a_waiting_run() {
        use futures_util::FutureExt;
        let slots = Slots::new(2);
        let held = slots.try_take(false).expect("a slot is free");
        let other = slots.try_take(false).expect("two slots");
        let freed = slots.freed();
        tokio::pin!(freed);
        freed.as_mut().enable();
        // A heavy one finds its heavy slot but no slot: it waits without waking anyone (a wake
        // here had a waiting run try again at once, over and over).
        assert!(slots.try_take(true).is_none());
        assert!(
            freed.as_mut().now_or_never().is_none(),
            "woken by a failed try"
        );
        drop(held);
        assert!(freed.now_or_never().is_some(), "woken by the ended lease");
        let lease = slots
            .try_take(true)
            .expect("the freed slot fits a heavy one");
        assert_eq!(slots.available(), 0);
        drop((lease, other));
        assert_eq!(slots.available(), 2);
    }
}
