//! Carbon intensity, all of it for this crate: CodeCarbon's country table ([`table`]), the sources (one trait, one
//! file per implementation) and the normalised grid [`Zone`].
//!
//! | implementation | source name | file |
//! |---|---|---|
//! | [`fixed::FixedIntensity`] | `fixed` | a number given by the user (`--intensity 380`) |
//! | [`country::CountryIntensitySource`] | `country` | CodeCarbon's country table ([`crate::carbon::table`]), 475 g/kWh for unknown codes |
//!
//! [`Zone`] is a grid zone normalised once (`--zone de` → `DE`).
//!
//! The live Electricity Maps source lives in `harness::carbon::electricity_maps` (it needs the HTTP client).
//! Emissions = kWh × g/kWh ([`crate::units::KilowattHours::emissions`]).

pub mod country;
pub mod fixed;
pub mod table;
pub mod zone;

pub use table::CountryIntensity;
pub use zone::{BadZone, Zone};

use crate::units::{GramsCo2e, GramsPerKwh, Joules};
use serde::Serialize;
use std::fmt;

/// The intensity to apply, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Intensity {
    /// `fixed`, `country`, `electricity-maps` or `mock`.
    pub source: String,
    /// Zone or country code, when the source has one.
    pub zone: Option<String>,
    pub value: GramsPerKwh,
    /// Fallbacks taken, defaults applied: for the result file's `warnings`.
    pub warnings: Vec<String>,
}

impl Intensity {
    /// Emissions of `energy` at this intensity.
    pub fn emissions(&self, energy: Joules) -> GramsCo2e {
        energy.to_kwh().emissions(self.value)
    }
}

/// Why an intensity could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum IntensityError {
    /// The user gave something unusable: the message names the flag and the fix.
    #[error("{0}")]
    Invalid(String),
    /// A live source failed (network, API error); callers may fall back.
    #[error("{source_name}: {message}")]
    Unreachable {
        source_name: String,
        message: String,
    },
}

/// A source of grid carbon intensity (g CO2eq per kWh).
pub trait IntensitySource: Send + Sync + fmt::Debug {
    /// `fixed`, `country`, `electricity-maps` or `mock`.
    fn name(&self) -> &'static str;
    /// The intensity now.
    fn intensity(&self) -> Result<Intensity, IntensityError>;
}
