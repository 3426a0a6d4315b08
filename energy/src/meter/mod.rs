//! Energy meters: one trait, one file per implementation, and [`select`] to pick the best available.
//!
//! | implementation | source | components | file |
//! |---|---|---|---|
//! | [`rapl::RaplMeter`] | `rapl` | `cpu_package`, `dram` | Linux powercap sysfs counters (µJ), root injectable |
//! | [`nvml::NvmlMeter`] | `nvml` | `gpu` | NVIDIA driver total-energy counter (mJ), power sampling fallback |
//! | [`model::ModelMeter`] | `model` | `cpu_model`, `ram_model` | CodeCarbon 3.3.2 TDP × load model and RAM DIMM rule |
//! | [`fake::FakeMeter`] | `fake` | `cpu_package` | a constant power, for tests and offline runs; always labelled `fake` |
//!
//! Lifecycle: [`EnergyMeter::start`] opens a window (remembers the counters now); [`EnergyMeter::read`] returns the
//! energy since that start, per component, and may be called any number of times during the window (each call also
//! advances wrap-around tracking and, for the model meter, integrates power since the previous read, so a sampler
//! should read at least once a second for CodeCarbon parity). [`EnergyMeter::sample`] does the advancing without
//! building a reading, for a sampler whose owner reads only at the end. Calling `start` again opens a fresh window.
//!
//! [`sampler::Sampler`] reads on a timer thread (the cheap way to sample at 10 Hz). Counter arithmetic lives in
//! [`counter`]; how a process's share is derived from a machine reading lives in
//! [`attribution`].

pub mod attribution;
pub mod counter;
pub mod fake;
pub mod model;
pub mod nvml;
pub mod rapl;
pub mod sampler;
mod select;
pub mod tdp;

pub use select::{MeterChoice, MeterConfig, MeterStatus, Selection, select};

use crate::units::{Joules, Seconds};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// What a meter measures. Serialized names are the shared component names of the result files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// CPU package (RAPL `package-N`, or `psys` when chosen), measured.
    CpuPackage,
    /// DRAM domain (RAPL), measured.
    Dram,
    /// GPU board energy (NVML), measured.
    Gpu,
    /// RAM power estimated by CodeCarbon's DIMM rule.
    RamModel,
    /// CPU power estimated from TDP and load.
    CpuModel,
}

impl Component {
    /// The shared name: `cpu_package`, `dram`, `gpu`, `ram_model`, `cpu_model`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CpuPackage => "cpu_package",
            Self::Dram => "dram",
            Self::Gpu => "gpu",
            Self::RamModel => "ram_model",
            Self::CpuModel => "cpu_model",
        }
    }

    /// Which CodeCarbon CSV column family this component belongs to.
    pub fn family(self) -> Family {
        match self {
            Self::CpuPackage | Self::CpuModel => Family::Cpu,
            Self::Gpu => Family::Gpu,
            Self::Dram | Self::RamModel => Family::Ram,
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// CodeCarbon's three hardware families (`cpu_*`, `gpu_*`, `ram_*` columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Cpu,
    Gpu,
    Ram,
}

impl Family {
    /// The family of a component by its result-file name: `gpu*` → GPU; `dram`, `ram*` → RAM; everything else
    /// (`cpu_package`, `cpu_model`, `psys`...) → CPU. Agrees with [`Component::family`] for every [`Component`].
    pub fn of_name(name: &str) -> Family {
        if name.starts_with("gpu") {
            Family::Gpu
        } else if name == "dram" || name.starts_with("ram") {
            Family::Ram
        } else {
            Family::Cpu
        }
    }
}

/// Energy split into CodeCarbon's families: the `cpu_energy`, `gpu_energy` and `ram_energy` of an emissions.csv row,
/// the `codecarbon_{cpu,gpu,ram}_energy` gauges. The one place components are summed by family.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FamilyEnergy {
    pub cpu: Joules,
    pub gpu: Joules,
    pub ram: Joules,
}

impl FamilyEnergy {
    /// Adds `j` to `family`.
    pub fn add(&mut self, family: Family, j: Joules) {
        match family {
            Family::Cpu => self.cpu += j,
            Family::Gpu => self.gpu += j,
            Family::Ram => self.ram += j,
        }
    }

    /// Sums components by family.
    pub fn of<'a>(components: impl IntoIterator<Item = (&'a Component, &'a Joules)>) -> Self {
        let mut e = Self::default();
        for (c, j) in components {
            e.add(c.family(), *j);
        }
        e
    }

    /// Sums components given by result-file name ([`Family::of_name`]).
    pub fn of_named<'a>(components: impl IntoIterator<Item = (&'a String, &'a f64)>) -> Self {
        let mut e = Self::default();
        for (name, j) in components {
            e.add(Family::of_name(name), Joules(*j));
        }
        e
    }

    pub fn total(&self) -> Joules {
        self.cpu + self.gpu + self.ram
    }

    /// `self - earlier`, clamped at zero per family (a meter never un-spends energy; a reset is not negative work).
    pub fn since(&self, earlier: &Self) -> Self {
        let d = |a: Joules, b: Joules| Joules((a.0 - b.0).max(0.0));
        Self {
            cpu: d(self.cpu, earlier.cpu),
            gpu: d(self.gpu, earlier.gpu),
            ram: d(self.ram, earlier.ram),
        }
    }
}

/// Where a reading came from. Serialized names are the shared meter source names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Rapl,
    Nvml,
    Model,
    Fake,
}

impl Source {
    /// `rapl`, `nvml`, `model` or `fake`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rapl => "rapl",
            Self::Nvml => "nvml",
            Self::Model => "model",
            Self::Fake => "fake",
        }
    }

    /// True for sources that estimate rather than measure (`model`, `fake`).
    pub fn is_estimate(self) -> bool {
        matches!(self, Self::Model | Self::Fake)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Energy of one meter over a window, by component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub source: Source,
    /// Wall time since the window started.
    pub duration: Seconds,
    /// Energy since the window started, per component (gross: nothing subtracted).
    pub energy: BTreeMap<Component, Joules>,
    /// Smallest energy step the meter can report, when it has one (RAPL 1 µJ, NVML 1 mJ).
    pub resolution: Option<Joules>,
    /// Things the reader should know: discarded samples, fallbacks. Empty when all went well.
    pub notes: Vec<String>,
}

impl Reading {
    /// Sum over components.
    pub fn total(&self) -> Joules {
        self.energy
            .values()
            .copied()
            .fold(Joules(0.0), |a, b| a + b)
    }

    /// Energy of one component, zero when the meter does not report it.
    pub fn get(&self, component: Component) -> Joules {
        self.energy.get(&component).copied().unwrap_or_default()
    }
}

/// A source of energy readings. Object-safe: a run holds several as `Box<dyn EnergyMeter>`.
///
/// Not `Sync`: a meter keeps counter state; share one between threads behind a `Mutex`.
pub trait EnergyMeter: Send + fmt::Debug {
    /// Which kind of meter this is (also the label every reading carries).
    fn source(&self) -> Source;
    /// The components its readings contain.
    fn components(&self) -> Vec<Component>;
    /// Opens a window: remembers the counters now. Calling it again discards the previous window.
    fn start(&mut self) -> Result<(), MeterError>;
    /// Energy since the last [`start`](Self::start), per component. [`MeterError::NotStarted`] before any start.
    fn read(&mut self) -> Result<Reading, MeterError>;
    /// What a read does to the meter's state (wrap-around tracking, the model's power integration) without building
    /// a [`Reading`]: for a sampler that only keeps the window's integration fine-grained and reads at the end. The
    /// next `read` returns exactly what it would have had the sample been a read.
    fn sample(&mut self) -> Result<(), MeterError> {
        self.read().map(drop)
    }
    /// How each component's energy splits into a static part and a load-driven part, for the components whose
    /// meter knows (the model does: it is built from such a split). Empty for measuring meters: their static part
    /// comes from the idle baseline ([`attribution::attributable`]).
    fn power_profile(&self) -> BTreeMap<Component, attribution::PowerProfile> {
        BTreeMap::new()
    }
}

/// Why a meter cannot be used or read. Grouped by what the caller does next.
#[derive(Debug, thiserror::Error)]
pub enum MeterError {
    /// The hardware or driver is not there: record it and use another meter.
    #[error("{meter} meter unavailable: {reason}")]
    Unavailable { meter: Source, reason: String },
    /// The counter exists but this user may not read it: tell the user the fix, then fall back.
    #[error("{meter} meter: permission denied reading {}; fix: {fix}", path.display())]
    PermissionDenied {
        meter: Source,
        path: PathBuf,
        fix: String,
    },
    /// A read failed after the meter was set up.
    #[error("{meter} meter: cannot read {}: {err}", path.display())]
    Io {
        meter: Source,
        path: PathBuf,
        #[source]
        err: std::io::Error,
    },
    /// A counter file held something that is not a number.
    #[error("{meter} meter: {} holds {content:?}, expected an unsigned integer", path.display())]
    Parse {
        meter: Source,
        path: PathBuf,
        content: String,
    },
    /// The device or driver returned an error while reading.
    #[error("{meter} meter: {message}")]
    Device { meter: Source, message: String },
    /// `read` was called before `start`.
    #[error("{0} meter read before start(): call start() to open a window first")]
    NotStarted(Source),
}

/// Several meters read together, as one run uses them.
#[derive(Debug, Default)]
pub struct MeterSet {
    meters: Vec<Box<dyn EnergyMeter>>,
}

/// One reading per meter plus their sum by component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CombinedReading {
    pub readings: Vec<Reading>,
    pub energy: BTreeMap<Component, Joules>,
    pub duration: Seconds,
}

impl CombinedReading {
    /// Sum over all components of all meters.
    pub fn total(&self) -> Joules {
        self.energy
            .values()
            .copied()
            .fold(Joules(0.0), |a, b| a + b)
    }

    /// Sources that contributed, comma-joined (`rapl,model`), in the order read.
    pub fn sources(&self) -> String {
        let names: Vec<&str> = self.readings.iter().map(|r| r.source.as_str()).collect();
        names.join(",")
    }
}

impl MeterSet {
    pub fn new(meters: Vec<Box<dyn EnergyMeter>>) -> Self {
        Self { meters }
    }

    pub fn is_empty(&self) -> bool {
        self.meters.is_empty()
    }

    /// Opens a window on every meter.
    pub fn start(&mut self) -> Result<(), MeterError> {
        self.meters.iter_mut().try_for_each(|m| m.start())
    }

    /// Every meter's [`EnergyMeter::power_profile`], merged.
    pub fn power_profile(&self) -> BTreeMap<Component, attribution::PowerProfile> {
        self.meters.iter().flat_map(|m| m.power_profile()).collect()
    }

    /// [`EnergyMeter::sample`] on every meter.
    pub fn sample(&mut self) -> Result<(), MeterError> {
        self.meters.iter_mut().try_for_each(|m| m.sample())
    }

    /// Reads every meter and sums by component. The duration is the longest window among them.
    pub fn read(&mut self) -> Result<CombinedReading, MeterError> {
        let readings = self
            .meters
            .iter_mut()
            .map(|m| m.read())
            .collect::<Result<Vec<_>, _>>()?;
        let mut energy = BTreeMap::new();
        let mut duration = Seconds(0.0);
        for r in &readings {
            for (c, j) in &r.energy {
                *energy.entry(*c).or_insert(Joules(0.0)) += *j;
            }
            if r.duration > duration {
                duration = r.duration;
            }
        }
        Ok(CombinedReading {
            readings,
            energy,
            duration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_name_agree_with_the_components() {
        let all = [
            Component::CpuPackage,
            Component::Dram,
            Component::Gpu,
            Component::RamModel,
            Component::CpuModel,
        ];
        for c in all {
            assert_eq!(Family::of_name(c.as_str()), c.family(), "{c}");
        }
        assert_eq!(Family::of_name("psys"), Family::Cpu);
        let energy: BTreeMap<Component, Joules> = all.iter().map(|c| (*c, Joules(1.0))).collect();
        let split = FamilyEnergy::of(&energy);
        assert_eq!(
            (split.cpu, split.gpu, split.ram, split.total()),
            (Joules(2.0), Joules(1.0), Joules(2.0), Joules(5.0))
        );
        let named: BTreeMap<String, f64> =
            [("dram".to_string(), 3.0), ("gpu".to_string(), 1.0)].into();
        assert_eq!(FamilyEnergy::of_named(&named).ram, Joules(3.0));
        assert_eq!(
            split.since(&FamilyEnergy::of_named(&named)).ram,
            Joules(0.0)
        );
    }
}
