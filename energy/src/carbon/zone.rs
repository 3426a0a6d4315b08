//! [`Zone`]: a grid zone as the user gives it (`--zone de`, `electricity-maps:us-cal-ciso`), trimmed and upper-cased
//! once, at parse time. Everything downstream (the country table, the Electricity Maps client, the result file) takes
//! the normalised value and never re-normalises it.

use super::CountryIntensity;
use crate::carbon::table;
use std::fmt;
use std::str::FromStr;

/// A normalised grid zone: an ISO 3166 country code (`DE`, `DEU`) or an Electricity Maps zone id (`US-CAL-CISO`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zone(String);

/// A `--zone` value that is not a zone id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "zone {0:?}: give a country code such as DE or DEU, or an Electricity Maps zone id such as US-CAL-CISO \
     (letters, digits and `-`)"
)]
pub struct BadZone(pub String);

impl Zone {
    /// Trims and upper-cases `s`; refuses an empty value or one with characters a zone id never has.
    pub fn parse(s: &str) -> Result<Self, BadZone> {
        let z = s.trim();
        if z.is_empty() || !z.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(BadZone(s.to_string()));
        }
        Ok(Self(z.to_ascii_uppercase()))
    }

    /// The normalised id (`DE`, `US-CAL-CISO`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it has the shape of an ISO 3166 alpha-2 or alpha-3 code.
    pub fn is_country_code(&self) -> bool {
        matches!(self.0.len(), 2 | 3) && self.0.chars().all(|c| c.is_ascii_alphabetic())
    }

    /// The country a zone id belongs to: the part before the first `-` (`US-CAL-CISO` → `US`, `DE` → `DE`). The
    /// mock grid and the live source's fallback both map a zone to CodeCarbon's table through it.
    pub fn country_part(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }

    /// This zone's row of CodeCarbon's country table, if it is a country the table knows.
    pub fn country(&self) -> Option<CountryIntensity> {
        table::intensity(&self.0)
    }
}

impl FromStr for Zone {
    type Err = BadZone;
    fn from_str(s: &str) -> Result<Self, BadZone> {
        Self::parse(s)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_once_and_validated() {
        assert_eq!(Zone::parse(" de ").expect("de").as_str(), "DE");
        assert_eq!(
            Zone::parse("us-cal-ciso").expect("em").as_str(),
            "US-CAL-CISO"
        );
        assert!(Zone::parse("fr").expect("fr").is_country_code());
        assert!(!Zone::parse("US-CAL-CISO").expect("em").is_country_code());
        assert_eq!(
            Zone::parse("deu").expect("deu").country().map(|c| c.iso3),
            Some("DEU".to_string())
        );
        assert!(Zone::parse("XX").expect("xx").country().is_none());
        assert_eq!(Zone::parse("us-cal-ciso").expect("em").country_part(), "US");
        assert_eq!(Zone::parse("FR").expect("fr").country_part(), "FR");
        for bad in ["", "  ", "D E", "de/fr"] {
            assert!(Zone::parse(bad).is_err(), "{bad:?}");
        }
    }
}
