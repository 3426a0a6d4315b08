//! Counter arithmetic, in one tested place.
//!
//! * [`WrappingCounter`]: RAPL `energy_uj` wraps to zero at `max_energy_range_uj`. A decrease is taken as one wrap
//!   (`new + range − last`, CodeCarbon 3.3.2's rule); if the wrapped value is still below the last one (range
//!   unknown or zero, or the counter was reset) the step is discarded, never guessed.
//! * [`ResettingCounter`]: NVML's total-energy counter only ever resets (driver reload). A decrease discards the
//!   step and re-bases on the new value: correcting it would invent energy.

/// What one update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The counter moved forward by this many units.
    Advanced(u64),
    /// The counter wrapped once; this many units were counted across the wrap.
    Wrapped(u64),
    /// The counter went backwards in a way we cannot explain; nothing was counted and the baseline moved.
    Discarded,
}

impl Step {
    /// Units counted by this step.
    pub fn units(self) -> u64 {
        match self {
            Self::Advanced(d) | Self::Wrapped(d) => d,
            Self::Discarded => 0,
        }
    }
}

/// A monotonically increasing counter that wraps at a known range (RAPL, in µJ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappingCounter {
    range: u64,
    last: u64,
    total: u64,
}

impl WrappingCounter {
    /// Starts counting from `initial`; `range` is `max_energy_range_uj` (0 when unknown: wraps are then discarded).
    pub fn new(initial: u64, range: u64) -> Self {
        Self {
            range,
            last: initial,
            total: 0,
        }
    }

    /// Feeds the next raw value.
    pub fn update(&mut self, value: u64) -> Step {
        let step = if value >= self.last {
            Step::Advanced(value - self.last)
        } else {
            let unwrapped = u128::from(value) + u128::from(self.range);
            if unwrapped >= u128::from(self.last) {
                Step::Wrapped(u64::try_from(unwrapped - u128::from(self.last)).unwrap_or(u64::MAX))
            } else {
                Step::Discarded
            }
        };
        self.last = value;
        self.total = self.total.saturating_add(step.units());
        step
    }

    /// Units counted since creation.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// A counter that never wraps but may reset to a lower value (NVML total energy, in mJ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResettingCounter {
    last: u64,
    total: u64,
}

impl ResettingCounter {
    pub fn new(initial: u64) -> Self {
        Self {
            last: initial,
            total: 0,
        }
    }

    /// Feeds the next raw value; a decrease is a reset and counts nothing.
    pub fn update(&mut self, value: u64) -> Step {
        let step = if value >= self.last {
            Step::Advanced(value - self.last)
        } else {
            Step::Discarded
        };
        self.last = value;
        self.total = self.total.saturating_add(step.units());
        step
    }

    pub fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RANGE: u64 = 262_143_328_850;

    #[test]
    fn wrap_mid_window_counts_across_the_wrap() {
        // CodeCarbon golden: max-1e6 µJ → 2e6 µJ is +3 J.
        let mut c = WrappingCounter::new(RANGE - 1_000_000, RANGE);
        assert_eq!(c.update(2_000_000), Step::Wrapped(3_000_000));
        assert_eq!(c.update(2_500_000), Step::Advanced(500_000));
        assert_eq!(c.total(), 3_500_000);
    }

    #[test]
    fn unknown_range_discards_a_decrease() {
        let mut c = WrappingCounter::new(5_000, 0);
        assert_eq!(c.update(1_000), Step::Discarded);
        assert_eq!(c.update(1_500), Step::Advanced(500));
        assert_eq!(c.total(), 500);
    }

    #[test]
    fn nvml_reset_is_discarded_not_corrected() {
        let mut c = ResettingCounter::new(10_000);
        assert_eq!(c.update(12_000), Step::Advanced(2_000));
        assert_eq!(c.update(300), Step::Discarded);
        assert_eq!(c.update(1_300), Step::Advanced(1_000));
        assert_eq!(c.total(), 3_000);
    }

    proptest! {
        #[test]
        fn wrapping_total_equals_true_increments(start in 0..RANGE, steps in proptest::collection::vec(0u64..RANGE / 4, 1..50)) {
            let mut c = WrappingCounter::new(start, RANGE);
            let mut raw = start;
            for s in &steps {
                raw = (raw + s) % RANGE;
                c.update(raw);
            }
            prop_assert_eq!(c.total(), steps.iter().sum::<u64>());
        }
    }
}
