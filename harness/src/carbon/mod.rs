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

use crate::record::schema::IntensityInfo;
use anyhow::{Context as _, bail};
use electricity_maps::{ElectricityMapsIntensity, LiveSettings};
use energy::carbon::IntensitySource;
use energy::carbon::country::CountryIntensitySource;
use energy::carbon::fixed::FixedIntensity;
use energy::units::GramsPerKwh;

/// A validated `--intensity`.
#[derive(Debug, Clone, PartialEq)]
pub enum IntensityPlan {
    Fixed(GramsPerKwh),
    Country(String),
    World,
    /// The Electricity Maps zone (`DE`, `US-CAL-CISO`).
    ElectricityMaps(String),
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
            let zone = zone.trim();
            if zone.is_empty() || !zone.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                anyhow::bail!(
                    "Electricity Maps zone {zone:?}: give a zone id such as electricity-maps:DE or electricity-maps:US-CAL-CISO"
                );
            }
            return Ok(Self::ElectricityMaps(zone.to_ascii_uppercase()));
        }
        if let Some(code) = s.strip_prefix("country:") {
            let code = code.trim();
            if !(code.len() == 2 || code.len() == 3)
                || !code.chars().all(|c| c.is_ascii_alphabetic())
            {
                anyhow::bail!(
                    "country code {code:?}: give an ISO 3166 alpha-3 or alpha-2 code, e.g. country:FRA or country:FR"
                );
            }
            return Ok(Self::Country(code.to_ascii_uppercase()));
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

    /// The source for this plan; Electricity Maps settings from the environment ([`LiveSettings::from_env`]).
    pub fn source(&self) -> anyhow::Result<Box<dyn IntensitySource>> {
        self.source_with(&LiveSettings::from_env())
    }

    /// The source for this plan, reaching Electricity Maps with `live` (an error names the missing key).
    pub fn source_with(&self, live: &LiveSettings) -> anyhow::Result<Box<dyn IntensitySource>> {
        Ok(match self {
            Self::Fixed(g) => Box::new(FixedIntensity::new(*g)?),
            Self::Country(code) => Box::new(CountryIntensitySource::new(code)),
            Self::World => Box::new(CountryIntensitySource::world()),
            Self::ElectricityMaps(zone) => {
                let what = format!("--intensity electricity-maps:{zone}");
                Box::new(ElectricityMapsIntensity::new(
                    zone,
                    live.client_config(&what)?,
                ))
            }
        })
    }
}

/// The run's carbon intensity and its warnings (fallbacks), through the one `--intensity` parser
/// ([`IntensityPlan`]): `--intensity` when given, else electricity-maps for `--zone` with `--live`, else the country
/// table for `--zone`. An unknown country code is an error naming the flag (not CodeCarbon's silent world average).
pub fn resolve_intensity(
    value: Option<&str>,
    zone: &str,
    live: bool,
    settings: &LiveSettings,
) -> anyhow::Result<(IntensityInfo, Vec<String>)> {
    let (plan, flag) = match value {
        Some(v) => (
            IntensityPlan::parse(v).context("--intensity")?,
            "--intensity",
        ),
        None if live => (
            IntensityPlan::ElectricityMaps(zone.trim().to_ascii_uppercase()),
            "--zone",
        ),
        None => (
            IntensityPlan::Country(zone.trim().to_ascii_uppercase()),
            "--zone",
        ),
    };
    if let IntensityPlan::Country(code) = &plan
        && energy::country::intensity(code).is_none()
    {
        bail!(
            "{flag} `{code}` is not in CodeCarbon's country table: give an ISO code like DE or DEU, \
             or a number with --intensity 380"
        );
    }
    let i = plan.source_with(settings)?.intensity()?;
    let info = IntensityInfo {
        source: i.source,
        zone: i.zone,
        intensity_g_per_kwh: i.value.0,
    };
    Ok((info, i.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_intensity(value: Option<&str>, zone: &str) -> anyhow::Result<IntensityInfo> {
        let offline = LiveSettings {
            base_url: "http://127.0.0.1:9".into(),
            env_file: "/nonexistent/.env".into(),
        };
        resolve_intensity(value, zone, false, &offline).map(|(i, _)| i)
    }

    #[test]
    fn intensity_from_a_number_a_country_or_the_zone() {
        let fixed = parse_intensity(Some("fixed:380"), "DE").expect("fixed");
        assert_eq!(
            (fixed.source.as_str(), fixed.intensity_g_per_kwh),
            ("fixed", 380.0)
        );
        assert_eq!(
            parse_intensity(Some("12.5"), "DE")
                .expect("number")
                .intensity_g_per_kwh,
            12.5
        );
        let de = parse_intensity(None, "DE").expect("zone");
        assert_eq!(
            (de.source.as_str(), de.zone.as_deref()),
            ("country", Some("DEU"))
        );
        assert_eq!(
            de.intensity_g_per_kwh,
            energy::country::intensity_or_world("DEU").0
        );
        let fr = parse_intensity(Some("country:fr"), "DE").expect("country");
        assert_eq!(fr.zone.as_deref(), Some("FRA"));
        assert!(fr.intensity_g_per_kwh < de.intensity_g_per_kwh);
        assert_eq!(
            parse_intensity(Some("world"), "DE")
                .expect("world")
                .intensity_g_per_kwh,
            475.0
        );
        let err = parse_intensity(None, "XX").expect_err("unknown zone");
        assert!(err.to_string().contains("--zone `XX`"), "{err}");
        let err = parse_intensity(Some("country:XX"), "DE").expect_err("unknown country");
        assert!(err.to_string().contains("--intensity `XX`"), "{err}");
        assert!(parse_intensity(Some("-1"), "DE").is_err());
        assert!(parse_intensity(Some("lots"), "DE").is_err());
    }

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
            IntensityPlan::Country("FR".into())
        );
        assert_eq!(
            IntensityPlan::parse("world").expect("w"),
            IntensityPlan::World
        );
        assert_eq!(
            IntensityPlan::parse("electricity-maps:us-cal-ciso").expect("em"),
            IntensityPlan::ElectricityMaps("US-CAL-CISO".into())
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
        let fra = IntensityPlan::Country("FRA".into())
            .source()
            .expect("src")
            .intensity()
            .expect("i");
        assert_eq!(
            (fra.source.as_str(), fra.value),
            ("country", GramsPerKwh(56.039))
        );
        let world = IntensityPlan::World
            .source()
            .expect("src")
            .intensity()
            .expect("i");
        assert_eq!(world.value, GramsPerKwh(475.0));
        assert!(!world.warnings.is_empty());
    }
}
