//! Command-line definitions (clap derive only). Each `*Args` is turned into a validated plan by its command module.

use clap::{Parser, Subcommand};

/// Benchmark and CI carbon-regression harness.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the JSON Schema of result files (bench-results/schema/run.schema.json).
    #[command(after_help = "Example:\n  harness schema > bench-results/schema/run.schema.json")]
    Schema,
    /// List every energy meter, available or not, and why (run this first on a new machine).
    #[command(after_help = "Examples:\n  harness meters\n  harness meters --format json\n  harness meters --powercap-root /tmp/fake-powercap")]
    Meters(MetersArgs),
    /// Machine-wide live energy monitor: power, cumulative kWh and gCO2eq each interval; totals at the end.
    #[command(after_help = "Examples:\n  harness monitor --interval 1s --duration 30s\n  harness monitor --intensity country:FRA --csv emissions.csv\n  harness monitor --meter fake --duration 3s --format json\n\nExit codes: 0 ok (also after Ctrl-C), 2 the monitor failed (no usable meter, bad flag, unwritable CSV).")]
    Monitor(MonitorArgs),
}

/// Output format of `harness meters` and `harness monitor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

/// Meter flags shared by every command that measures energy.
#[derive(Debug, Clone, clap::Args)]
pub struct MeterArgs {
    /// Meter to use: auto picks RAPL, NVML and the CodeCarbon-compatible model as available; fake is a constant
    /// power for tests (always labelled fake).
    #[arg(long, default_value = "auto", value_parser = ["auto", "rapl", "nvml", "model", "fake"])]
    pub meter: String,
    /// Powercap sysfs root where RAPL zones live.
    #[arg(long, default_value = "/sys/class/powercap", env = "HARNESS_POWERCAP_ROOT")]
    pub powercap_root: std::path::PathBuf,
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
    pub nvml_library: Option<std::path::PathBuf>,
    /// procfs root read by the model meter (cpuinfo, meminfo, stat); for tests and containers.
    #[arg(long, default_value = "/proc", hide = true)]
    pub proc_root: std::path::PathBuf,
}

/// `harness meters`.
#[derive(Debug, Clone, clap::Args)]
pub struct MetersArgs {
    #[command(flatten)]
    pub meter: MeterArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// Carbon-intensity flag shared by commands that report emissions.
#[derive(Debug, Clone, clap::Args)]
pub struct IntensityArgs {
    /// Grid carbon intensity: a number of g CO2eq/kWh (`380` or `fixed:380`), `country:FRA` (ISO-3 or ISO-2,
    /// CodeCarbon's table; unknown codes get the 475 g/kWh world average) or `world` (475 g/kWh).
    #[arg(long, default_value = "world", env = "HARNESS_INTENSITY")]
    pub intensity: String,
}

/// `harness monitor`.
#[derive(Debug, Clone, clap::Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub meter: MeterArgs,
    #[command(flatten)]
    pub intensity: IntensityArgs,
    /// Time between samples (e.g. 1s, 200ms).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub interval: std::time::Duration,
    /// Stop after this long (e.g. 30s, 5m); without it, run until Ctrl-C.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Append one CodeCarbon-compatible row with the totals to this emissions.csv at the end.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<std::path::PathBuf>,
    /// Project name written to the CSV.
    #[arg(long, default_value = "harness-monitor")]
    pub project_name: String,
    /// table: a progress line per sample on a terminal (JSON lines otherwise), totals table at the end;
    /// json: JSON lines per sample, then one JSON object with the totals.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}
