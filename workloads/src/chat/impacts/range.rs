//! A `[min, max]` interval: EcoLogits' `RangeValue`, used for parameter counts, PUE/WUE and every impact.
//!
//! EcoLogits evaluates its formula once at the lower parameter bound and once at the upper one; a range-valued PUE or
//! WUE multiplies bound by bound (`min·min`, `max·max`). All factors are positive, so that is the same as evaluating
//! the scalar formula at [`Bound::Min`] and at [`Bound::Max`], which is what [`super::formula`] does.

use serde::{Deserialize, Serialize};

/// Which end of every range a formula evaluation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The lower bounds (fewest parameters, lowest PUE/WUE).
    Min,
    /// The upper bounds.
    Max,
}

/// A closed interval; a single value is `min == max`. The unit lives in the name of the field holding it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

impl Range {
    /// A range from its two ends.
    pub const fn new(min: f64, max: f64) -> Self {
        Self { min, max }
    }

    /// A degenerate range holding one value.
    pub const fn point(value: f64) -> Self {
        Self {
            min: value,
            max: value,
        }
    }

    /// The end selected by `bound`.
    pub fn at(self, bound: Bound) -> f64 {
        match bound {
            Bound::Min => self.min,
            Bound::Max => self.max,
        }
    }

    /// Whether both ends are equal (a single value).
    pub fn is_point(self) -> bool {
        self.min == self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_pick_their_end() {
        let r = Range::new(1.0, 2.0);
        assert_eq!(r.at(Bound::Min), 1.0);
        assert_eq!(r.at(Bound::Max), 2.0);
        assert!(!r.is_point());
        assert!(Range::point(3.0).is_point());
    }
}
