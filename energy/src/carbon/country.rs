//! Country intensity from CodeCarbon's table ([`crate::carbon::table`]): ISO-3 or ISO-2 codes; an unknown code gets the
//! world average (475 g/kWh) and a warning, as CodeCarbon does.

use super::{Intensity, IntensityError, IntensitySource};
use crate::carbon::table;

/// Intensity of one country's grid, or the world average.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryIntensitySource {
    code: Option<String>,
}

impl CountryIntensitySource {
    /// A country by ISO alpha-3 or alpha-2 code.
    pub fn new(code: &str) -> Self {
        Self {
            code: Some(code.trim().to_ascii_uppercase()),
        }
    }

    /// No location known: the world average.
    pub fn world() -> Self {
        Self { code: None }
    }
}

impl IntensitySource for CountryIntensitySource {
    fn name(&self) -> &'static str {
        "country"
    }

    fn intensity(&self) -> Result<Intensity, IntensityError> {
        let world = |warning: String| Intensity {
            source: "country".into(),
            zone: None,
            value: table::WORLD_AVERAGE,
            warnings: vec![warning],
        };
        let Some(code) = &self.code else {
            return Ok(world(format!(
                "no location given: using the world average {} g CO2eq/kWh (set --intensity country:XXX)",
                table::WORLD_AVERAGE.0
            )));
        };
        Ok(match table::intensity(code) {
            Some(c) => Intensity {
                source: "country".into(),
                zone: Some(c.iso3),
                value: c.intensity,
                warnings: vec![],
            },
            None => world(format!(
                "country {code:?} is not in CodeCarbon's table: using the world average {} g CO2eq/kWh",
                table::WORLD_AVERAGE.0
            )),
        })
    }
}
