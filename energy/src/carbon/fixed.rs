//! A fixed intensity given by the user (`--intensity 380`).

use super::{Intensity, IntensityError, IntensitySource};
use crate::units::GramsPerKwh;

/// Always the same g/kWh.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedIntensity {
    value: GramsPerKwh,
}

impl FixedIntensity {
    /// Rejects negative, NaN or infinite values with a message naming the flag.
    pub fn new(value: GramsPerKwh) -> Result<Self, IntensityError> {
        if value.0.is_finite() && value.0 >= 0.0 {
            Ok(Self { value })
        } else {
            Err(IntensityError::Invalid(format!(
                "--intensity {} is not a carbon intensity: give a finite number of g CO2eq/kWh ≥ 0, e.g. --intensity 380",
                value.0
            )))
        }
    }
}

impl IntensitySource for FixedIntensity {
    fn name(&self) -> &'static str {
        "fixed"
    }

    fn intensity(&self) -> Result<Intensity, IntensityError> {
        Ok(Intensity {
            source: "fixed".into(),
            zone: None,
            value: self.value,
            warnings: vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{GramsCo2e, Joules};

    #[test]
    fn fixed_value_and_emissions() {
        let s = FixedIntensity::new(GramsPerKwh(400.0)).expect("valid");
        let i = s.intensity().expect("intensity");
        assert_eq!((i.source.as_str(), i.value), ("fixed", GramsPerKwh(400.0)));
        assert_eq!(i.emissions(Joules(3.6e6)), GramsCo2e(400.0));
    }

    #[test]
    fn bad_values_name_the_flag() {
        for v in [-1.0, f64::NAN, f64::INFINITY] {
            let e = FixedIntensity::new(GramsPerKwh(v)).expect_err("invalid");
            assert!(e.to_string().contains("--intensity"), "{e}");
        }
    }
}
