//! Choosing the carbon-intensity source from `--intensity` (the sources themselves live in `energy::carbon`).
//!
//! | value | source |
//! |---|---|
//! | `380`, `fixed:380` | [`energy::carbon::fixed::FixedIntensity`] |
//! | `country:FRA`, `country:FR` | [`energy::carbon::country::CountryIntensitySource`] (CodeCarbon's table, 475 for unknown codes) |
//! | `world` | the world average, 475 g/kWh (CodeCarbon's default for an unknown location) |
//! | `electricity-maps:DE` | [`electricity_maps::ElectricityMapsIntensity`]: the live API (key from `ELECTRICITY_MAP_API_KEY` or `.env`), falling back to the country table with a warning |
//!
//! One parser for every command: `bench`, `monitor` and `train` all read `--intensity` with [`IntensityPlan::parse`].

pub mod electricity_maps;

use electricity_maps::ElectricityMapsIntensity;
use energy::carbon::country::CountryIntensitySource;
use energy::carbon::fixed::FixedIntensity;
use energy::carbon::{IntensitySource, Zone};
use energy::units::GramsPerKwh;
use workloads::intensity::client::ClientConfig;

/// A validated `--intensity`.
#[derive(Debug, Clone, PartialEq)]
pub enum IntensityPlan {
    Fixed(GramsPerKwh),
    Country(Zone),
    World,
    /// The Electricity Maps zone (`DE`, `US-CAL-CISO`).
    ElectricityMaps(Zone),
}

impl IntensityPlan {
    /// Parses `380`, `fixed:380`, `country:FRA`, `world` or `electricity-maps:DE`.
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let s = s.trim();
        let number = |v: &str| -> anyhow::Result<GramsPerKwh> {
            let g: f64 = v.parse().map_err(|_| {
                anyhow::anyhow!("{v:?} is not a number of g CO2eq/kWh; e.g. --intensity 380 or --intensity country:FRA")
            })?;
            FixedIntensity::new(GramsPerKwh(g))?;
            Ok(GramsPerKwh(g))
        };
        if s == "world" {
            return Ok(Self::World);
        }
        if let Some(zone) = s.strip_prefix("electricity-maps:") {
            let zone = Zone::parse(zone).map_err(|_| {
                anyhow::anyhow!(
                    "Electricity Maps zone {:?}: give a zone id such as electricity-maps:DE or electricity-maps:US-CAL-CISO",
                    zone.trim()
                )
            })?;
            return Ok(Self::ElectricityMaps(zone));
        }
        if let Some(code) = s.strip_prefix("country:") {
            let bad = || {
                anyhow::anyhow!(
                    "country code {:?}: give an ISO 3166 alpha-3 or alpha-2 code, e.g. country:FRA or country:FR",
                    code.trim()
                )
            };
            let zone = Zone::parse(code).map_err(|_| bad())?;
            if !zone.is_country_code() {
                return Err(bad());
            }
            return Ok(Self::Country(zone));
        }
        let value = s.strip_prefix("fixed:").unwrap_or(s);
        if value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        {
            return Ok(Self::Fixed(number(value)?));
        }
        anyhow::bail!(
            "unknown intensity {s:?}: use a number (380), fixed:380, country:FRA, world or electricity-maps:DE"
        )
    }

    /// The plan when `--intensity` is not given: Electricity Maps for `zone` with `--live`, else the country table.
    pub fn for_zone(zone: &Zone, live: bool) -> Self {
        if live {
            Self::ElectricityMaps(zone.clone())
        } else {
            Self::Country(zone.clone())
        }
    }

    /// The source for this plan. `client` gives the Electricity Maps client configuration (API key resolved) when
    /// the plan needs one; it is called with the option that needs it, for its error message.
    pub fn source_with(
        &self,
        client: impl FnOnce(&str) -> anyhow::Result<ClientConfig>,
    ) -> anyhow::Result<Box<dyn IntensitySource>> {
        Ok(match self {
            Self::Fixed(g) => Box::new(FixedIntensity::new(*g)?),
            Self::Country(zone) => Box::new(CountryIntensitySource::new(zone.as_str())),
            Self::World => Box::new(CountryIntensitySource::world()),
            Self::ElectricityMaps(zone) => {
                let what = format!("--intensity electricity-maps:{zone}");
                Box::new(ElectricityMapsIntensity::new(zone.clone(), client(&what)?))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(
            IntensityPlan::parse("380").expect("n"),
            IntensityPlan::Fixed(GramsPerKwh(380.0))
        );
        assert_eq!(
            IntensityPlan::parse("fixed:12.5").expect("f"),
            IntensityPlan::Fixed(GramsPerKwh(12.5))
        );
        assert_eq!(
            IntensityPlan::parse("country:fr").expect("c"),
            IntensityPlan::Country(Zone::parse("FR").expect("zone"))
        );
        assert_eq!(
            IntensityPlan::parse("world").expect("w"),
            IntensityPlan::World
        );
        assert_eq!(
            IntensityPlan::parse("electricity-maps:us-cal-ciso").expect("em"),
            IntensityPlan::ElectricityMaps(Zone::parse("US-CAL-CISO").expect("zone"))
        );
        for bad in [
            "-3",
            "fixed:abc",
            "country:FRANCE",
            "mars",
            "electricity-maps:",
            "electricity-maps:D E",
        ] {
            assert!(IntensityPlan::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sources_give_the_golden_values() {
        let offline = |_: &str| -> anyhow::Result<ClientConfig> { anyhow::bail!("offline") };
        let fra = IntensityPlan::Country(Zone::parse("FRA").expect("zone"))
            .source_with(offline)
            .expect("src")
            .intensity()
            .expect("i");
        assert_eq!(
            (fra.source.as_str(), fra.value),
            ("country", GramsPerKwh(56.039))
        );
        let world = IntensityPlan::World
            .source_with(offline)
            .expect("src")
            .intensity()
            .expect("i");
        assert_eq!(world.value, GramsPerKwh(475.0));
        assert!(!world.warnings.is_empty());
    }
}
