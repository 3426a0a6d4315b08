//! Carbon intensity of electricity by country, CodeCarbon-compatible.
//!
//! The table is CodeCarbon's `global_energy_mix.json` (CodeCarbon 3.3.2, MIT licence,
//! <https://github.com/mlco2/codecarbon/blob/master/codecarbon/data/private_infra/global_energy_mix.json>),
//! itself derived from Our World in Data's energy dataset (CC BY 4.0, <https://github.com/owid/energy-data>).
//! It is embedded verbatim from `energy/data/global_energy_mix.json` with `include_str!` and parsed once.
//! Like CodeCarbon, we use each country's `carbon_intensity` field (g CO2eq/kWh) and fall back to the world
//! average of 475 g/kWh for a country the table does not know.
//!
//! Lookups accept ISO 3166-1 alpha-3 (`DEU`) or alpha-2 (`DE`) codes, case-insensitive. The alpha-2 → alpha-3 map
//! below was generated from Debian's `iso-codes` 4.15 (`/usr/share/iso-codes/json/iso_3166-1.json`) for the 213
//! countries in the table; a test checks that it covers every country exactly once.

use crate::units::GramsPerKwh;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// CodeCarbon's world-average carbon intensity, used for unknown countries.
pub const WORLD_AVERAGE: GramsPerKwh = GramsPerKwh(475.0);

/// The embedded CodeCarbon table.
const GLOBAL_ENERGY_MIX_JSON: &str = include_str!("../../data/global_energy_mix.json");

/// One country's grid carbon intensity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryIntensity {
    /// ISO 3166-1 alpha-3 code, upper case (`DEU`).
    pub iso3: String,
    /// ISO 3166-1 alpha-2 code, upper case (`DE`).
    pub iso2: String,
    /// Country name as CodeCarbon spells it (`Germany`).
    pub name: String,
    /// Carbon intensity of the country's electricity.
    pub intensity: GramsPerKwh,
    /// Year of the underlying energy-mix data.
    pub year: u16,
}

/// The fields of one `global_energy_mix.json` entry that we use.
#[derive(Debug, Deserialize)]
struct MixEntry {
    country_name: String,
    iso_code: String,
    carbon_intensity: f64,
    year: u16,
}

/// Looks up a country by ISO alpha-3 or alpha-2 code (case-insensitive, surrounding spaces ignored).
/// `None` when the code is not in the table.
pub fn intensity(code: &str) -> Option<CountryIntensity> {
    let code = code.trim().to_ascii_uppercase();
    let iso3 = match code.len() {
        2 => iso2_to_iso3(&code)?,
        _ => code.as_str(),
    };
    table().get(iso3).cloned()
}

/// The country's intensity, or [`WORLD_AVERAGE`] for an unknown code (CodeCarbon's behaviour).
pub fn intensity_or_world(code: &str) -> GramsPerKwh {
    intensity(code).map_or(WORLD_AVERAGE, |c| c.intensity)
}

/// Every country in the table, sorted by ISO alpha-3 code.
pub fn all() -> Vec<CountryIntensity> {
    let mut rows: Vec<CountryIntensity> = table().values().cloned().collect();
    rows.sort_by(|a, b| a.iso3.cmp(&b.iso3));
    rows
}

/// Maps an upper-case ISO alpha-2 code to alpha-3, for the countries in the table.
pub fn iso2_to_iso3(iso2: &str) -> Option<&'static str> {
    ISO2_TO_ISO3
        .binary_search_by(|(a2, _)| (*a2).cmp(iso2))
        .ok()
        .map(|i| ISO2_TO_ISO3[i].1)
}

fn table() -> &'static HashMap<String, CountryIntensity> {
    static TABLE: OnceLock<HashMap<String, CountryIntensity>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The JSON is embedded at compile time and `embedded_table_parses` checks it, so this cannot fail at run time.
        #[allow(clippy::expect_used)]
        let raw: HashMap<String, MixEntry> = serde_json::from_str(GLOBAL_ENERGY_MIX_JSON)
            .expect("embedded global_energy_mix.json is valid (checked by a test)");
        raw.into_values()
            .map(into_row)
            .map(|r| (r.iso3.clone(), r))
            .collect()
    })
}

fn into_row(e: MixEntry) -> CountryIntensity {
    let iso2 = ISO3_LOOKUP
        .get_or_init(|| ISO2_TO_ISO3.iter().map(|(a2, a3)| (*a3, *a2)).collect())
        .get(e.iso_code.as_str())
        .map_or_else(String::new, |s| (*s).to_owned());
    CountryIntensity {
        iso2,
        iso3: e.iso_code,
        name: e.country_name,
        intensity: GramsPerKwh(e.carbon_intensity),
        year: e.year,
    }
}

static ISO3_LOOKUP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();

/// ISO 3166-1 alpha-2 → alpha-3 for the countries in the table, sorted by alpha-2 (binary-searched).
#[rustfmt::skip]
const ISO2_TO_ISO3: &[(&str, &str)] = &[
    ("AE", "ARE"), ("AF", "AFG"), ("AG", "ATG"), ("AL", "ALB"), ("AM", "ARM"), ("AO", "AGO"), ("AR", "ARG"), ("AS", "ASM"),
    ("AT", "AUT"), ("AU", "AUS"), ("AW", "ABW"), ("AZ", "AZE"), ("BA", "BIH"), ("BB", "BRB"), ("BD", "BGD"), ("BE", "BEL"),
    ("BF", "BFA"), ("BG", "BGR"), ("BH", "BHR"), ("BI", "BDI"), ("BJ", "BEN"), ("BM", "BMU"), ("BN", "BRN"), ("BO", "BOL"),
    ("BR", "BRA"), ("BS", "BHS"), ("BT", "BTN"), ("BW", "BWA"), ("BY", "BLR"), ("BZ", "BLZ"), ("CA", "CAN"), ("CD", "COD"),
    ("CF", "CAF"), ("CG", "COG"), ("CH", "CHE"), ("CI", "CIV"), ("CK", "COK"), ("CL", "CHL"), ("CM", "CMR"), ("CN", "CHN"),
    ("CO", "COL"), ("CR", "CRI"), ("CU", "CUB"), ("CV", "CPV"), ("CY", "CYP"), ("CZ", "CZE"), ("DE", "DEU"), ("DJ", "DJI"),
    ("DK", "DNK"), ("DM", "DMA"), ("DO", "DOM"), ("DZ", "DZA"), ("EC", "ECU"), ("EE", "EST"), ("EG", "EGY"), ("EH", "ESH"),
    ("ER", "ERI"), ("ES", "ESP"), ("ET", "ETH"), ("FI", "FIN"), ("FJ", "FJI"), ("FK", "FLK"), ("FO", "FRO"), ("FR", "FRA"),
    ("GA", "GAB"), ("GB", "GBR"), ("GD", "GRD"), ("GE", "GEO"), ("GF", "GUF"), ("GH", "GHA"), ("GI", "GIB"), ("GL", "GRL"),
    ("GM", "GMB"), ("GN", "GIN"), ("GP", "GLP"), ("GQ", "GNQ"), ("GR", "GRC"), ("GT", "GTM"), ("GU", "GUM"), ("GW", "GNB"),
    ("GY", "GUY"), ("HK", "HKG"), ("HN", "HND"), ("HR", "HRV"), ("HT", "HTI"), ("HU", "HUN"), ("ID", "IDN"), ("IE", "IRL"),
    ("IL", "ISR"), ("IN", "IND"), ("IQ", "IRQ"), ("IR", "IRN"), ("IS", "ISL"), ("IT", "ITA"), ("JM", "JAM"), ("JO", "JOR"),
    ("JP", "JPN"), ("KE", "KEN"), ("KG", "KGZ"), ("KH", "KHM"), ("KI", "KIR"), ("KM", "COM"), ("KN", "KNA"), ("KP", "PRK"),
    ("KR", "KOR"), ("KW", "KWT"), ("KY", "CYM"), ("KZ", "KAZ"), ("LA", "LAO"), ("LB", "LBN"), ("LC", "LCA"), ("LK", "LKA"),
    ("LR", "LBR"), ("LS", "LSO"), ("LT", "LTU"), ("LU", "LUX"), ("LV", "LVA"), ("LY", "LBY"), ("MA", "MAR"), ("MD", "MDA"),
    ("ME", "MNE"), ("MG", "MDG"), ("MK", "MKD"), ("ML", "MLI"), ("MM", "MMR"), ("MN", "MNG"), ("MO", "MAC"), ("MQ", "MTQ"),
    ("MR", "MRT"), ("MS", "MSR"), ("MT", "MLT"), ("MU", "MUS"), ("MV", "MDV"), ("MW", "MWI"), ("MX", "MEX"), ("MY", "MYS"),
    ("MZ", "MOZ"), ("NA", "NAM"), ("NC", "NCL"), ("NE", "NER"), ("NG", "NGA"), ("NI", "NIC"), ("NL", "NLD"), ("NO", "NOR"),
    ("NP", "NPL"), ("NR", "NRU"), ("NZ", "NZL"), ("OM", "OMN"), ("PA", "PAN"), ("PE", "PER"), ("PF", "PYF"), ("PG", "PNG"),
    ("PH", "PHL"), ("PK", "PAK"), ("PL", "POL"), ("PM", "SPM"), ("PR", "PRI"), ("PS", "PSE"), ("PT", "PRT"), ("PY", "PRY"),
    ("QA", "QAT"), ("RE", "REU"), ("RO", "ROU"), ("RS", "SRB"), ("RU", "RUS"), ("RW", "RWA"), ("SA", "SAU"), ("SB", "SLB"),
    ("SC", "SYC"), ("SD", "SDN"), ("SE", "SWE"), ("SG", "SGP"), ("SH", "SHN"), ("SI", "SVN"), ("SK", "SVK"), ("SL", "SLE"),
    ("SN", "SEN"), ("SO", "SOM"), ("SR", "SUR"), ("SS", "SSD"), ("ST", "STP"), ("SV", "SLV"), ("SY", "SYR"), ("SZ", "SWZ"),
    ("TC", "TCA"), ("TD", "TCD"), ("TG", "TGO"), ("TH", "THA"), ("TJ", "TJK"), ("TL", "TLS"), ("TM", "TKM"), ("TN", "TUN"),
    ("TO", "TON"), ("TR", "TUR"), ("TT", "TTO"), ("TW", "TWN"), ("TZ", "TZA"), ("UA", "UKR"), ("UG", "UGA"), ("US", "USA"),
    ("UY", "URY"), ("UZ", "UZB"), ("VC", "VCT"), ("VE", "VEN"), ("VG", "VGB"), ("VI", "VIR"), ("VN", "VNM"), ("VU", "VUT"),
    ("WS", "WSM"), ("YE", "YEM"), ("ZA", "ZAF"), ("ZM", "ZMB"), ("ZW", "ZWE"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const GOLDEN: &str = include_str!("../../tests/golden/codecarbon.json");

    fn golden() -> Value {
        serde_json::from_str(GOLDEN).expect("golden parses")
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn embedded_table_parses() {
        assert_eq!(all().len(), 213);
    }

    #[test]
    fn reproduces_codecarbon_golden_by_country() {
        let g = golden();
        let by_country = g["carbon_intensity_by_country"]
            .as_object()
            .expect("object");
        assert!(by_country.len() >= 8);
        for (iso3, row) in by_country {
            let want = row["g_per_kWh_used"].as_f64().expect("number");
            let got = intensity_or_world(iso3).0;
            assert!(close(got, want), "{iso3}: got {got}, CodeCarbon {want}");
        }
    }

    #[test]
    fn world_average_matches_golden() {
        let want = golden()["world_average_g_per_kWh"]
            .as_f64()
            .expect("number");
        assert!(close(WORLD_AVERAGE.0, want));
        assert!(intensity("ZZZ").is_none());
        assert_eq!(intensity_or_world("ZZZ"), WORLD_AVERAGE);
        assert_eq!(intensity_or_world(""), WORLD_AVERAGE);
        assert_eq!(intensity_or_world("not a code"), WORLD_AVERAGE);
    }

    #[test]
    fn iso2_and_iso3_case_insensitive() {
        let de = intensity("DE").expect("DE");
        assert_eq!(
            (de.iso3.as_str(), de.iso2.as_str(), de.name.as_str()),
            ("DEU", "DE", "Germany")
        );
        assert!(close(de.intensity.0, 380.95));
        assert_eq!(intensity("de"), Some(de.clone()));
        assert_eq!(intensity("deu"), Some(de.clone()));
        assert_eq!(intensity(" DEU "), Some(de));
        assert_eq!(intensity("FR").map(|c| c.iso3), Some("FRA".to_owned()));
        assert_eq!(intensity("GB").map(|c| c.iso3), Some("GBR".to_owned()));
        assert!(intensity("XX").is_none());
    }

    #[test]
    fn iso_map_is_sorted_and_covers_every_country_once() {
        assert!(
            ISO2_TO_ISO3.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted by alpha-2, no duplicates"
        );
        let mut iso3s: Vec<&str> = ISO2_TO_ISO3.iter().map(|p| p.1).collect();
        iso3s.sort_unstable();
        iso3s.dedup();
        let rows = all();
        assert_eq!(iso3s.len(), rows.len());
        assert!(
            rows.iter().all(|r| r.iso2.len() == 2),
            "every country has an alpha-2 code"
        );
    }
}
