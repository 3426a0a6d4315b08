//! Turning the shared meter and intensity flags into validated plans, and meter reports into result-file records.
//! Used by `meters`, `monitor`, `train` and `bench`.

use crate::carbon::IntensityPlan;
use crate::cli::{IntensityArgs, MeterArgs};
use crate::record::schema::MeterInfo;
use anyhow::{Context, bail};
use energy::meter::model::ModelConfig;
use energy::meter::rapl::RaplConfig;
use energy::meter::{MeterChoice, MeterConfig, MeterStatus};
use energy::units::Watts;

/// Validates the meter flags.
pub fn meter_plan(args: &MeterArgs) -> anyhow::Result<(MeterChoice, MeterConfig)> {
    let choice: MeterChoice = args
        .meter
        .parse()
        .map_err(anyhow::Error::msg)
        .context("--meter")?;
    if let Some(tdp) = args.tdp
        && !(tdp.is_finite() && tdp > 0.0)
    {
        bail!("--tdp {tdp}: give the CPU's TDP in watts, a positive number, e.g. --tdp 65");
    }
    if !(args.fake_power.is_finite() && args.fake_power >= 0.0) {
        bail!(
            "--fake-power {}: give a power in watts ≥ 0, e.g. --fake-power 10",
            args.fake_power
        );
    }
    let config = MeterConfig {
        rapl: RaplConfig {
            root: args.powercap_root.clone(),
            include_dram: !args.rapl_no_dram,
            prefer_psys: args.rapl_prefer_psys,
        },
        model: ModelConfig {
            proc_root: args.proc_root.clone(),
            tdp: args.tdp.map(Watts),
            ..ModelConfig::default()
        },
        nvml_library: args.nvml_library.clone(),
        fake_power: Watts(args.fake_power),
    };
    Ok((choice, config))
}

/// Validates the intensity flag.
pub fn intensity_plan(args: &IntensityArgs) -> anyhow::Result<IntensityPlan> {
    IntensityPlan::parse(&args.intensity).context("--intensity")
}

/// The result-file record of a meter considered.
pub fn meter_info(s: &MeterStatus) -> MeterInfo {
    MeterInfo {
        source: s.source.as_str().to_string(),
        available: s.available,
        used: s.used,
        components: s
            .components
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        detail: s.detail.clone(),
        resolution_j: s.resolution.map(|j| j.0),
    }
}
