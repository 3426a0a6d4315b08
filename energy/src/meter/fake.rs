//! The fake meter: a constant power, for tests and machines where only the plumbing matters.
//!
//! Energy = power × elapsed time on its [`Clock`], reported as `cpu_package` with source `fake`, so every result
//! that used it says so. With a [`ManualClock`](crate::clock::ManualClock) its readings are exact.

use super::{Component, EnergyMeter, MeterError, Reading, Source};
use crate::clock::{self, Clock};
use crate::units::{Seconds, Watts};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Default power of `--meter fake`.
pub const DEFAULT_FAKE_POWER: Watts = Watts(10.0);

/// A meter that reports a constant power.
#[derive(Debug)]
pub struct FakeMeter {
    power: Watts,
    clock: Arc<dyn Clock>,
    started: Option<Seconds>,
}

impl FakeMeter {
    /// A fake meter on the monotonic clock.
    pub fn new(power: Watts) -> Self {
        Self::with_clock(power, clock::monotonic())
    }

    /// A fake meter on the given clock (tests pass a `ManualClock`).
    pub fn with_clock(power: Watts, clock: Arc<dyn Clock>) -> Self {
        Self {
            power,
            clock,
            started: None,
        }
    }

    pub fn power(&self) -> Watts {
        self.power
    }
}

impl EnergyMeter for FakeMeter {
    fn source(&self) -> Source {
        Source::Fake
    }

    fn components(&self) -> Vec<Component> {
        vec![Component::CpuPackage]
    }

    fn start(&mut self) -> Result<(), MeterError> {
        self.started = Some(self.clock.now());
        Ok(())
    }

    fn read(&mut self) -> Result<Reading, MeterError> {
        let start = self.started.ok_or(MeterError::NotStarted(Source::Fake))?;
        let duration = self.clock.now() - start;
        let energy = BTreeMap::from([(Component::CpuPackage, self.power.over(duration))]);
        Ok(Reading {
            source: Source::Fake,
            duration,
            energy,
            resolution: None,
            notes: vec![format!(
                "fake meter: constant {} W, not a measurement",
                self.power.0
            )],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::units::Joules;

    #[test]
    fn constant_power_times_elapsed() {
        let clock = ManualClock::new();
        let mut m = FakeMeter::with_clock(Watts(12.5), Arc::new(clock.clone()));
        assert!(matches!(
            m.read(),
            Err(MeterError::NotStarted(Source::Fake))
        ));
        m.start().expect("start");
        clock.advance(Seconds(2.0));
        let r = m.read().expect("read");
        assert_eq!(r.source, Source::Fake);
        assert_eq!(r.duration, Seconds(2.0));
        assert_eq!(r.get(Component::CpuPackage), Joules(25.0));
        assert_eq!(r.total(), Joules(25.0));
        clock.advance(Seconds(1.0));
        assert_eq!(m.read().expect("read").total(), Joules(37.5));
        m.start().expect("restart");
        clock.advance(Seconds(0.5));
        assert_eq!(m.read().expect("read").total(), Joules(6.25));
    }
}
