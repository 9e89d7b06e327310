//! How many scenarios run at once: `-j` slots, of which a heavy scenario (one that declares
//! its own step timeout: the floods, the load and backpressure scenarios) takes several, so the
//! many scenarios that mostly wait run side by side while the few that need the machine run
//! with few neighbours: at most two heavy ones per CPU, as in the conformance test that holds
//! the built-in server to the suite under `cargo mutants`. Clones share their slots, so several
//! runs can share one set.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::language::scenario::Scenario;

/// The default `-j` for targets that give each scenario its own server: most of a scenario is
/// waiting (step timeouts, `nothing for` windows, pauses), not CPU, so four per CPU, at least
/// 4 and at most 16.
pub fn default_jobs() -> usize {
    (cpus() * 4).clamp(4, 16)
}

/// The CPUs this process may use (2 when the system does not say).
fn cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `capacity` slots shared by everything that runs through one [`Slots`] (clones share them).
#[derive(Debug, Clone)]
pub struct Slots {
    semaphore: Arc<Semaphore>,
    capacity: u32,
    heavy: u32,
}

impl Slots {
    /// `jobs` slots (at least one). A heavy scenario takes `jobs / (2 * CPUs)` of them (at
    /// least one), so at most two heavy scenarios per CPU run at a time: with `-j 8` on two
    /// CPUs, four heavy ones, or two and four light ones; with `-j 4` or less every scenario
    /// takes one.
    pub fn new(jobs: usize) -> Self {
        Self::with_cpus(jobs, cpus())
    }

    /// `jobs` slots of which every scenario, heavy or not, takes one.
    pub fn flat(jobs: usize) -> Self {
        Self::weighted(jobs, 1)
    }

    fn with_cpus(jobs: usize, cpus: usize) -> Self {
        Self::weighted(jobs, jobs / cpus.max(1).saturating_mul(2))
    }

    /// `jobs` slots (at least one), of which a heavy scenario takes `heavy` (at least one).
    fn weighted(jobs: usize, heavy: usize) -> Self {
        let capacity = u32::try_from(jobs.max(1)).unwrap_or(u32::MAX);
        let heavy = u32::try_from(heavy).unwrap_or(u32::MAX).clamp(1, capacity);
        Self {
            semaphore: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
            heavy,
        }
    }

    /// Slots in all.
    pub fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// The slots `scenario` takes while it runs.
    pub fn weight(&self, scenario: &Scenario) -> u32 {
        if scenario.timeout.is_some() {
            self.heavy
        } else {
            1
        }
    }

    /// Waits for `weight` slots (first come, first served); they are given back when the
    /// permit drops.
    pub async fn take(&self, weight: u32) -> OwnedSemaphorePermit {
        self.semaphore
            .clone()
            .acquire_many_owned(weight.min(self.capacity))
            .await
            .expect("the semaphore is never closed")
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
    fn a_heavy_scenario_takes_half_a_cpus_share_of_the_slots() {
        assert_eq!(Slots::with_cpus(8, 2).heavy, 2);
        assert_eq!(Slots::with_cpus(16, 2).heavy, 4);
        assert_eq!(Slots::with_cpus(4, 2).heavy, 1);
        assert_eq!(Slots::with_cpus(1, 2).heavy, 1);
        assert_eq!(Slots::with_cpus(16, 4).heavy, 2);
        assert_eq!(Slots::with_cpus(0, 2).capacity(), 1);
        assert_eq!(Slots::flat(4).heavy, 1);
    }

    #[tokio::test]
    async fn slots_are_given_back_when_the_permit_drops() {
        let slots = Slots::with_cpus(8, 2);
        let heavy = slots.take(4).await;
        let other = slots.take(4).await;
        assert_eq!(slots.semaphore.available_permits(), 0);
        drop(heavy);
        assert_eq!(slots.semaphore.available_permits(), 4);
        drop(other);
        // More than the capacity is capped, not a wait forever.
        let _all = slots.take(100).await;
        assert_eq!(slots.semaphore.available_permits(), 0);
    }
}
