//! The one converter from the measuring flags ([`crate::cli::measure`]) to what the commands measure with: the meter
//! configuration ([`MeterPlan`]) and the run's carbon intensity ([`RunIntensity`]), plus meter reports → result-file
//! records. Used by `bench`, `train`, `monitor` and `meters`, so every command has the same flags, defaults and errors.
//!
//! The intensity default is the same everywhere: `--intensity` when given, else Electricity Maps for `--zone` with
//! `--live`, else CodeCarbon's country table for `--zone` (default `DE`).

use crate::carbon::IntensityPlan;
use crate::carbon::electricity_maps::{HistorySource, LiveSettings};
use crate::cli::{IntensityArgs, MeterArgs, MeterFlag};
use crate::record::schema::{IntensityInfo, MeterInfo};
use anyhow::{Context, bail};
use energy::carbon::{Intensity, Zone};
use energy::meter::model::ModelConfig;
use energy::meter::rapl::RaplConfig;
use energy::meter::{MeterChoice, MeterConfig, MeterStatus};
use energy::units::Watts;
use workloads::intensity::client::ClientConfig;

/// The meter flags, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterPlan {
    pub choice: MeterChoice,
    pub config: MeterConfig,
}

/// Validates the meter flags of a command that measures energy (`--meter instructions` is refused: it counts
/// `bench`'s ops, see [`bench_meter_plan`]).
pub fn meter_plan(args: &MeterArgs) -> anyhow::Result<MeterPlan> {
    match args.meter {
        MeterFlag::Energy(choice) => energy_meter_plan(args, choice),
        MeterFlag::Instructions => bail!(
            "--meter instructions counts the ops of `harness bench` and `harness ab` only; this command measures \
             energy: use --meter auto, rapl, nvml, model or fake"
        ),
    }
}

/// `bench`'s meter flags: the energy meter plan (`auto`'s configuration under `--meter instructions`, whose energy is
/// an estimate from the counts) and whether instructions are counted.
pub fn bench_meter_plan(args: &MeterArgs) -> anyhow::Result<(MeterPlan, bool)> {
    match args.meter {
        MeterFlag::Energy(choice) => Ok((energy_meter_plan(args, choice)?, false)),
        MeterFlag::Instructions => Ok((energy_meter_plan(args, MeterChoice::Auto)?, true)),
    }
}

fn energy_meter_plan(args: &MeterArgs, choice: MeterChoice) -> anyhow::Result<MeterPlan> {
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
    Ok(MeterPlan { choice, config })
}

/// The run's carbon intensity, resolved once from the intensity flags.
#[derive(Debug, Clone)]
pub struct RunIntensity {
    /// `--zone`, normalised.
    pub zone: Zone,
    /// The value, its source and zone, and its warnings (fallbacks, the world average).
    pub intensity: Intensity,
    /// With `--live`: the Electricity Maps client configuration, API key resolved (once).
    pub live: Option<ClientConfig>,
    /// Set when no `--intensity` was given: which default was taken, for commands to say so.
    pub default_note: Option<String>,
    /// With `--live` or `electricity-maps:ZONE`: where to fetch the zone's history for the intensity over the run.
    pub history: Option<HistorySource>,
}

impl RunIntensity {
    /// The result file's record of it.
    pub fn info(&self) -> IntensityInfo {
        IntensityInfo::from(&self.intensity)
    }
}

/// Resolves the intensity flags: parses `--intensity` (or takes the default for `--zone`), reads the API key once
/// when needed, and fetches the value. An unknown country is an error naming the flag (not CodeCarbon's silent world
/// average); a failed live fetch falls back to the country table with a warning.
pub fn resolve_intensity(args: &IntensityArgs) -> anyhow::Result<RunIntensity> {
    let settings = LiveSettings {
        base_url: args.electricity_maps_url.clone(),
        env_file: args.env_file.clone(),
    };
    let live = if args.live {
        Some(settings.client_config("--live")?)
    } else {
        None
    };
    let (plan, flag) = match &args.intensity {
        Some(v) => (
            IntensityPlan::parse(v).context("--intensity")?,
            "--intensity",
        ),
        None => (IntensityPlan::for_zone(&args.zone, args.live), "--zone"),
    };
    let client = |what: &str| match &live {
        Some(config) => Ok(config.clone()),
        None => settings.client_config(what),
    };
    let intensity = plan.source_with(client)?.intensity()?;
    let history = match &plan {
        IntensityPlan::ElectricityMaps(zone) => Some(HistorySource {
            zone: zone.clone(),
            config: client(&format!("--intensity electricity-maps:{zone}"))?,
        }),
        _ => None,
    };
    // The country source falls back to the world average (no zone) for an unknown code, as CodeCarbon does; a code
    // the user typed is refused instead, naming the flag.
    if let IntensityPlan::Country(zone) = &plan
        && intensity.zone.is_none()
    {
        bail!(
            "{flag} `{zone}` is not in CodeCarbon's country table: give an ISO code like DE or DEU, \
             or a number with --intensity 380"
        );
    }
    let default_note = args
        .intensity
        .is_none()
        .then(|| default_note(&args.zone, &intensity));
    Ok(RunIntensity {
        zone: args.zone.clone(),
        intensity,
        live,
        default_note,
        history,
    })
}

fn default_note(zone: &Zone, i: &Intensity) -> String {
    let what = match i.source.as_str() {
        "country" => "CodeCarbon's country table",
        "electricity-maps" => "Electricity Maps (--live)",
        other => other,
    };
    format!(
        "no --intensity: {} g CO2eq/kWh from {what} for --zone {zone}{}; pass --intensity to change it",
        i.value.0,
        i.zone
            .as_deref()
            .filter(|z| *z != zone.as_str())
            .map(|z| format!(" ({z})"))
            .unwrap_or_default()
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser as _;

    fn monitor(args: &[&str]) -> crate::cli::MonitorArgs {
        let argv = [&["harness", "monitor"][..], args].concat();
        match Cli::try_parse_from(argv).expect("parses").command {
            Command::Monitor(m) => m,
            other => panic!("{other:?}"),
        }
    }

    fn offline(args: &[&str]) -> Vec<String> {
        [
            args,
            &[
                "--electricity-maps-url",
                "http://127.0.0.1:9",
                "--env-file",
                "/nonexistent/.env",
            ],
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn resolve(args: &[&str]) -> anyhow::Result<RunIntensity> {
        let argv = offline(args);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        resolve_intensity(&monitor(&argv).measure.intensity)
    }

    #[test]
    fn default_meter_flags_are_the_energy_crate_defaults() {
        let plan = meter_plan(&monitor(&[]).measure.meter).expect("plan");
        assert_eq!(plan.choice, MeterChoice::Auto);
        assert_eq!(plan.config, MeterConfig::default());
    }

    #[test]
    fn instructions_is_a_bench_meter_only() {
        let args = monitor(&["--meter", "instructions"]).measure.meter;
        let err = meter_plan(&args).expect_err("monitor measures energy");
        assert!(err.to_string().contains("harness bench"), "{err}");
        let (plan, counted) = bench_meter_plan(&args).expect("bench counts");
        assert!(counted);
        assert_eq!(plan.choice, MeterChoice::Auto);
        let (plan, counted) =
            bench_meter_plan(&monitor(&["--meter", "fake"]).measure.meter).expect("fake");
        assert_eq!((plan.choice, counted), (MeterChoice::Fake, false));
        let argv = ["harness", "monitor", "--meter", "nope"];
        let err = Cli::try_parse_from(argv)
            .expect_err("unknown meter")
            .to_string();
        assert!(err.contains("instructions"), "{err}");
    }

    #[test]
    fn intensity_from_a_number_a_country_or_the_zone() {
        let fixed = resolve(&["--intensity", "fixed:380"])
            .expect("fixed")
            .info();
        assert_eq!(
            (fixed.source.as_str(), fixed.intensity_g_per_kwh),
            ("fixed", 380.0)
        );
        let number = resolve(&["--intensity", "12.5"]).expect("number");
        assert_eq!(number.info().intensity_g_per_kwh, 12.5);
        assert!(number.default_note.is_none());
        let de = resolve(&[]).expect("zone");
        assert_eq!(
            (de.info().source.as_str(), de.info().zone.as_deref()),
            ("country", Some("DEU"))
        );
        assert_eq!(
            de.intensity.value,
            energy::carbon::table::intensity_or_world("DEU")
        );
        let note = de.default_note.expect("the default is announced");
        assert!(
            note.contains("country table") && note.contains("--zone DE (DEU)"),
            "{note}"
        );
        let fr = resolve(&["--intensity", "country:fr"]).expect("country");
        assert_eq!(fr.info().zone.as_deref(), Some("FRA"));
        assert!(fr.intensity.value.0 < de.intensity.value.0);
        let zone_fr = resolve(&["--zone", " fr "]).expect("zone fr");
        assert_eq!(
            (zone_fr.zone.as_str(), zone_fr.intensity.value),
            ("FR", fr.intensity.value)
        );
        assert_eq!(
            resolve(&["--intensity", "world"])
                .expect("world")
                .intensity
                .value
                .0,
            475.0
        );
        let err = resolve(&["--zone", "XX"]).expect_err("unknown zone");
        assert!(err.to_string().contains("--zone `XX`"), "{err}");
        let err = resolve(&["--intensity", "country:XX"]).expect_err("unknown country");
        assert!(err.to_string().contains("--intensity `XX`"), "{err}");
        assert!(resolve(&["--intensity=-1"]).is_err());
        assert!(resolve(&["--intensity", "lots"]).is_err());
    }
}
