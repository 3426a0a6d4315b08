//! Time sources for meters: the monotonic clock in production, a hand-driven clock in tests.
//!
//! Meters that turn power into energy (fake, model, NVML power sampling) need elapsed time; taking it from a
//! [`Clock`] makes their readings exactly reproducible in tests.

use crate::units::Seconds;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A monotonic time source.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Seconds since an arbitrary fixed origin; never decreases.
    fn now(&self) -> Seconds;
}

/// The process's monotonic clock (`std::time::Instant`).
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Seconds {
        Seconds(self.origin.elapsed().as_secs_f64())
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<Mutex<f64>>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves time forward by `by` (negative values are ignored: the clock is monotonic).
    pub fn advance(&self, by: Seconds) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by.0.max(0.0);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Seconds {
        Seconds(*self.now.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The default clock as a shareable trait object.
pub fn monotonic() -> Arc<dyn Clock> {
    Arc::new(MonotonicClock::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_forward_and_is_shared() {
        let c = ManualClock::new();
        let d = c.clone();
        c.advance(Seconds(1.5));
        c.advance(Seconds(-3.0));
        assert_eq!(d.now(), Seconds(1.5));
    }

    #[test]
    fn monotonic_clock_does_not_go_back() {
        let c = MonotonicClock::new();
        let a = c.now();
        assert!(c.now() >= a);
    }
}
