//! Choosing meters: `auto` takes the best available for each part of the machine and reports every meter
//! considered, available or not, and why.
//!
//! `auto`: RAPL for the CPU (and DRAM) when readable, else the model meter's CPU estimate; NVML for GPUs when a
//! driver and GPU exist; the model meter's RAM estimate unless RAPL measures DRAM. The fake meter is never chosen
//! automatically. An explicit choice (`rapl`, `nvml`, `model`, `fake`) uses that meter alone and fails with its
//! reason when it is unavailable.

use super::fake::{DEFAULT_FAKE_POWER, FakeMeter};
use super::model::{ModelConfig, ModelMeter};
use super::nvml::NvmlMeter;
use super::rapl::{RaplConfig, RaplMeter};
use super::{Component, EnergyMeter, MeterError, MeterSet, Source};
use crate::units::{Joules, Watts};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Which meter(s) to use (`--meter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterChoice {
    #[default]
    Auto,
    Rapl,
    Nvml,
    Model,
    Fake,
}

impl MeterChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Rapl => "rapl",
            Self::Nvml => "nvml",
            Self::Model => "model",
            Self::Fake => "fake",
        }
    }
}

impl fmt::Display for MeterChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MeterChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "rapl" => Ok(Self::Rapl),
            "nvml" => Ok(Self::Nvml),
            "model" => Ok(Self::Model),
            "fake" => Ok(Self::Fake),
            other => Err(format!(
                "unknown meter {other:?}: expected auto, rapl, nvml, model or fake"
            )),
        }
    }
}

/// Settings for every meter.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterConfig {
    pub rapl: RaplConfig,
    pub model: ModelConfig,
    /// Path of `libnvidia-ml.so.1` when not on the loader path.
    pub nvml_library: Option<PathBuf>,
    /// Power of the fake meter.
    pub fake_power: Watts,
}

impl Default for MeterConfig {
    fn default() -> Self {
        Self {
            rapl: RaplConfig::default(),
            model: ModelConfig::default(),
            nvml_library: None,
            fake_power: DEFAULT_FAKE_POWER,
        }
    }
}

/// One meter considered by [`select`] (what result files record as `meters`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeterStatus {
    pub source: Source,
    pub available: bool,
    /// The run's energy comes (partly) from it.
    pub used: bool,
    /// Components it reports (as used, when used).
    pub components: Vec<Component>,
    /// Why it is (un)available, what it reads, its TDP, the fix for a permission error.
    pub detail: String,
    pub resolution: Option<Joules>,
}

/// The meters to use plus the report of all considered.
#[derive(Debug)]
pub struct Selection {
    pub meters: Vec<Box<dyn EnergyMeter>>,
    pub considered: Vec<MeterStatus>,
    /// Estimates or fakes in use, fallbacks taken: for the result file's `warnings`.
    pub warnings: Vec<String>,
}

impl Selection {
    /// Splits into a readable set and the report.
    pub fn into_parts(self) -> (MeterSet, Vec<MeterStatus>, Vec<String>) {
        (MeterSet::new(self.meters), self.considered, self.warnings)
    }

    /// Sources in use, comma-joined (`rapl,model`).
    pub fn used_sources(&self) -> String {
        let names: Vec<&str> = self
            .considered
            .iter()
            .filter(|s| s.used)
            .map(|s| s.source.as_str())
            .collect();
        names.join(",")
    }
}

fn unavailable(source: Source, err: &MeterError) -> MeterStatus {
    MeterStatus {
        source,
        available: false,
        used: false,
        components: vec![],
        detail: err.to_string(),
        resolution: None,
    }
}

fn fake_status(config: &MeterConfig, used: bool) -> MeterStatus {
    MeterStatus {
        source: Source::Fake,
        available: true,
        used,
        components: vec![Component::CpuPackage],
        detail: format!(
            "constant {} W, not a measurement; only used with --meter fake",
            config.fake_power.0
        ),
        resolution: None,
    }
}

/// Picks meters for `choice`. Only an explicit choice of an unavailable meter is an error.
pub fn select(choice: MeterChoice, config: &MeterConfig) -> Result<Selection, MeterError> {
    match choice {
        MeterChoice::Auto => Ok(select_auto(config)),
        MeterChoice::Fake => {
            let meter: Box<dyn EnergyMeter> = Box::new(FakeMeter::new(config.fake_power));
            Ok(Selection {
                meters: vec![meter],
                considered: vec![fake_status(config, true)],
                warnings: vec![format!(
                    "fake meter in use: a constant {} W, not a measurement",
                    config.fake_power.0
                )],
            })
        }
        MeterChoice::Rapl => {
            let m = RaplMeter::open(&config.rapl)?;
            let status = rapl_status(&m);
            Ok(Selection {
                meters: vec![Box::new(m)],
                considered: vec![status],
                warnings: vec![],
            })
        }
        MeterChoice::Nvml => {
            let m = NvmlMeter::open(config.nvml_library.as_deref())?;
            let status = nvml_status(&m);
            Ok(Selection {
                meters: vec![Box::new(m)],
                considered: vec![status],
                warnings: vec![],
            })
        }
        MeterChoice::Model => {
            let m = ModelMeter::open(ModelConfig {
                cpu: true,
                ram: true,
                ..config.model.clone()
            })?;
            let status = model_status(&m, true);
            let warnings = vec![format!(
                "model meter in use: energy is estimated ({})",
                m.tdp()
            )];
            Ok(Selection {
                meters: vec![Box::new(m)],
                considered: vec![status],
                warnings,
            })
        }
    }
}

fn rapl_status(m: &RaplMeter) -> MeterStatus {
    MeterStatus {
        source: Source::Rapl,
        available: true,
        used: true,
        components: m.components(),
        detail: m.describe(),
        resolution: Some(Joules(1e-6)),
    }
}

fn nvml_status(m: &NvmlMeter) -> MeterStatus {
    MeterStatus {
        source: Source::Nvml,
        available: true,
        used: true,
        components: vec![Component::Gpu],
        detail: m.describe(),
        resolution: Some(Joules(1e-3)),
    }
}

fn model_status(m: &ModelMeter, used: bool) -> MeterStatus {
    MeterStatus {
        source: Source::Model,
        available: true,
        used,
        components: m.components(),
        detail: m.describe(),
        resolution: None,
    }
}

fn select_auto(config: &MeterConfig) -> Selection {
    let mut meters: Vec<Box<dyn EnergyMeter>> = Vec::new();
    let mut considered = Vec::new();
    let mut warnings = Vec::new();
    let (cpu_measured, dram_measured) = match RaplMeter::open(&config.rapl) {
        Ok(m) => {
            let dram = m.components().contains(&Component::Dram);
            considered.push(rapl_status(&m));
            meters.push(Box::new(m));
            (true, dram)
        }
        Err(e) => {
            if matches!(e, MeterError::PermissionDenied { .. }) {
                warnings.push(format!("{e}; falling back to the model meter"));
            }
            considered.push(unavailable(Source::Rapl, &e));
            (false, false)
        }
    };
    match NvmlMeter::open(config.nvml_library.as_deref()) {
        Ok(m) => {
            considered.push(nvml_status(&m));
            meters.push(Box::new(m));
        }
        Err(e) => considered.push(unavailable(Source::Nvml, &e)),
    }
    let model_config = ModelConfig {
        cpu: !cpu_measured,
        ram: !dram_measured,
        ..config.model.clone()
    };
    let wants_model = model_config.cpu || model_config.ram;
    match ModelMeter::open(model_config) {
        Ok(m) if wants_model => {
            let mut status = model_status(&m, true);
            if !cpu_measured {
                warnings.push(format!(
                    "no CPU energy counter: CPU energy is estimated by the model meter ({})",
                    m.tdp()
                ));
            }
            if !dram_measured {
                status
                    .detail
                    .push_str("; RAM estimated because no DRAM counter is readable");
            }
            considered.push(status);
            meters.push(Box::new(m));
        }
        Ok(m) => {
            let mut status = model_status(&m, false);
            status.components = vec![Component::CpuModel, Component::RamModel];
            status.detail = format!("not needed: RAPL measures CPU and DRAM ({})", m.tdp());
            considered.push(status);
        }
        Err(e) => considered.push(unavailable(Source::Model, &e)),
    }
    considered.push(fake_status(config, false));
    Selection {
        meters,
        considered,
        warnings,
    }
}
