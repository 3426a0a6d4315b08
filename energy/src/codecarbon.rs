//! CodeCarbon 3.3.2's unit conversions, reproduced exactly (methodology A.0), for places that must print the same
//! numbers CodeCarbon would. Everything else uses the exact conversions of [`crate::units`].
//!
//! CodeCarbon stores energy in kWh with `JOULES_TO_KWH = 2.77778e-7` (not 1/3.6e6), so its counter-derived kWh are
//! 8e-7 relatively larger than exact; power-and-time energies use an exact /3600.

use crate::units::{Joules, KilowattHours, Seconds, Watts};

/// CodeCarbon's rounded joule → kWh factor.
pub const JOULES_TO_KWH: f64 = 2.77778e-7;

/// `Energy.from_ujoules`.
pub fn kwh_from_ujoules(uj: f64) -> KilowattHours {
    KilowattHours(uj * 1e-6 * JOULES_TO_KWH)
}

/// `Energy.from_millijoules`.
pub fn kwh_from_millijoules(mj: f64) -> KilowattHours {
    KilowattHours(mj * 1e-3 * JOULES_TO_KWH)
}

/// `Energy.from_power_and_time`: W × s / 3600 / 1000.
pub fn kwh_from_power_and_time(power: Watts, time: Seconds) -> KilowattHours {
    KilowattHours(power.0 / 1000.0 * (time.0 / 3600.0))
}

/// `Power.from_energies_and_delay`: |e1 − e2| / hours, in W; 0 when no time passed.
pub fn power_from_energies_and_delay(
    e1: KilowattHours,
    e2: KilowattHours,
    delay: Seconds,
) -> Watts {
    let hours = delay.0 / 3600.0;
    if hours == 0.0 {
        Watts(0.0)
    } else {
        Watts((e1.0 - e2.0).abs() / hours * 1000.0)
    }
}

/// A counter-derived energy as CodeCarbon reports it (µJ path).
pub fn kwh_from_joules(j: Joules) -> KilowattHours {
    kwh_from_ujoules(j.0 * 1e6)
}
