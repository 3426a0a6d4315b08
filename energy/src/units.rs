//! Unit newtypes. A bare `f64` never crosses a module boundary without its unit in its type or name.
//!
//! Conversions are exact (1 kWh = 3.6e6 J). CodeCarbon's own rounded constant (`JOULES_TO_KWH = 2.77778e-7`)
//! lives next to the code that must reproduce CodeCarbon's numbers, not here.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Sub};

macro_rules! unit {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }
        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }
    };
}

unit!(
    /// Energy in joules.
    Joules
);
unit!(
    /// Energy in kilowatt-hours.
    KilowattHours
);
unit!(
    /// Power in watts.
    Watts
);
unit!(
    /// Duration in seconds.
    Seconds
);
unit!(
    /// Mass of CO2-equivalent in grams.
    GramsCo2e
);
unit!(
    /// Carbon intensity of electricity in grams CO2eq per kWh.
    GramsPerKwh
);

/// Joules in one kilowatt-hour.
pub const JOULES_PER_KWH: f64 = 3.6e6;

impl Joules {
    /// Exact conversion to kWh.
    pub fn to_kwh(self) -> KilowattHours {
        KilowattHours(self.0 / JOULES_PER_KWH)
    }
}

impl KilowattHours {
    /// Exact conversion to joules.
    pub fn to_joules(self) -> Joules {
        Joules(self.0 * JOULES_PER_KWH)
    }

    /// Emissions of this much electricity at `intensity`.
    pub fn emissions(self, intensity: GramsPerKwh) -> GramsCo2e {
        GramsCo2e(self.0 * intensity.0)
    }
}

impl Watts {
    /// Energy drawn at this power for `duration`.
    pub fn over(self, duration: Seconds) -> Joules {
        Joules(self.0 * duration.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_exact() {
        assert_eq!(Joules(3.6e6).to_kwh(), KilowattHours(1.0));
        assert_eq!(KilowattHours(2.0).to_joules(), Joules(7.2e6));
        assert_eq!(Watts(100.0).over(Seconds(15.0)), Joules(1500.0));
        assert_eq!(
            KilowattHours(0.5).emissions(GramsPerKwh(400.0)),
            GramsCo2e(200.0)
        );
    }

    #[test]
    fn arithmetic_keeps_the_unit() {
        let mut j = Joules(1.0) + Joules(2.0);
        j += Joules(0.5);
        assert_eq!(j - Joules(0.5), Joules(3.0));
    }
}
