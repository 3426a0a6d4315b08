//! The measuring flags, declared once and flattened into every command that measures: [`MeterArgs`] (`bench`,
//! `train`, `monitor`, `meters`) and [`IntensityArgs`] (`bench`, `train`, `monitor`). [`crate::metering`] turns them
//! into the meter configuration and the run's carbon intensity.

use clap::Args;
use energy::carbon::Zone;
use energy::meter::MeterChoice;
use energy::meter::rapl::DEFAULT_POWERCAP_ROOT;
use std::path::PathBuf;

/// Which energy meter to use and where it reads.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Meter")]
pub struct MeterArgs {
    /// Meter: auto (best available: rapl, nvml, else the CodeCarbon-compatible model estimate), rapl, nvml, model,
    /// fake (a constant power for tests, always labelled fake), or, for `bench` and `ab`, instructions (counts
    /// instructions per op under Valgrind: deterministic, for gating pull requests; energy is then an estimate).
    #[arg(long, default_value = "auto", value_parser = parse_meter)]
    pub meter: MeterFlag,
    /// Powercap sysfs root where the RAPL zones live (e.g. a bind mount in a container).
    #[arg(long, default_value = DEFAULT_POWERCAP_ROOT, env = "HARNESS_POWERCAP_ROOT", value_name = "DIR")]
    pub powercap_root: PathBuf,
    /// Do not report RAPL DRAM domains.
    #[arg(long)]
    pub rapl_no_dram: bool,
    /// Use the RAPL psys (platform) domain instead of the package domains.
    #[arg(long)]
    pub rapl_prefer_psys: bool,
    /// Per-socket CPU TDP in watts for the model meter, instead of CodeCarbon's table.
    #[arg(long, value_name = "WATTS")]
    pub tdp: Option<f64>,
    /// Power of the fake meter, in watts.
    #[arg(long, default_value_t = 10.0, value_name = "WATTS")]
    pub fake_power: f64,
    /// Path of libnvidia-ml.so.1 when it is not on the loader path.
    #[arg(long, value_name = "FILE")]
    pub nvml_library: Option<PathBuf>,
    /// procfs root read by the model meter (cpuinfo, meminfo, stat); for tests and containers.
    #[arg(long, default_value = energy::cputime::DEFAULT_PROC_ROOT, hide = true)]
    pub proc_root: PathBuf,
}

/// `--meter`: an energy meter, or the instruction counter (`bench` and `ab` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterFlag {
    Energy(MeterChoice),
    /// `--meter instructions`: instructions per op under Valgrind ([`crate::runner::counted`]).
    Instructions,
}

impl std::fmt::Display for MeterFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MeterFlag::Energy(c) => c.fmt(f),
            MeterFlag::Instructions => f.write_str("instructions"),
        }
    }
}

fn parse_meter(s: &str) -> Result<MeterFlag, String> {
    if s == "instructions" {
        return Ok(MeterFlag::Instructions);
    }
    s.parse()
        .map(MeterFlag::Energy)
        .map_err(|e: String| format!("{e}, or instructions (bench and ab only)"))
}

/// Where the run's grid carbon intensity comes from.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Carbon intensity")]
pub struct IntensityArgs {
    /// Grid carbon intensity: a number of g CO2eq/kWh (`380` or `fixed:380`), `country:FR` (CodeCarbon's table,
    /// ISO alpha-2 or alpha-3), `world` (475 g/kWh) or `electricity-maps:DE` (live API; on failure the country table
    /// and a warning). Default: the country table for --zone (electricity-maps for --zone with --live).
    #[arg(long, env = "HARNESS_INTENSITY")]
    pub intensity: Option<String>,
    /// Grid zone: the run's intensity from CodeCarbon's country table (ISO alpha-2 or alpha-3) unless --intensity is
    /// given, and the zone `bench`'s `intensity` workload fetches.
    #[arg(long, default_value = "DE", value_parser = parse_zone)]
    pub zone: Zone,
    /// Use the real Electricity Maps API (key in ELECTRICITY_MAP_API_KEY or --env-file) for the intensity (and
    /// `bench`'s `intensity` workload) instead of the country table (and the in-process mock grid).
    #[arg(long)]
    pub live: bool,
    /// `.env` file read for ELECTRICITY_MAP_API_KEY when the environment has none.
    #[arg(long, default_value = ".env", value_name = "FILE")]
    pub env_file: PathBuf,
    /// Electricity Maps base URL for --live and electricity-maps:ZONE.
    #[arg(long, env = "ELECTRICITY_MAPS_URL", default_value = workloads::intensity::DEFAULT_BASE_URL, value_name = "URL")]
    pub electricity_maps_url: String,
}

fn parse_zone(s: &str) -> Result<Zone, String> {
    Zone::parse(s).map_err(|e| e.to_string())
}

/// Every measuring flag: the meter and the carbon intensity.
#[derive(Debug, Clone, Args)]
pub struct MeasureArgs {
    #[command(flatten)]
    pub meter: MeterArgs,
    #[command(flatten)]
    pub intensity: IntensityArgs,
}
