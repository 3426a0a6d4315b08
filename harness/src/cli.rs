//! Command-line definitions (clap derive only). Each `*Args` is turned into a validated plan by its command module.
//!
//! The doc comments here are the `--help` text, written in the CLI convention (`<name>` is a placeholder), not
//! Markdown for rustdoc; hence the allow below.
#![allow(rustdoc::invalid_html_tags)]

use crate::compare::Thresholds;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Benchmark and CI carbon-regression harness.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run workloads under load; report per-op energy, emissions and latency; write a result file.
    #[command(after_help = BENCH_EXAMPLES)]
    Bench(Box<BenchArgs>),
    /// Print the JSON Schema of result files (bench-results/schema/run.schema.json).
    #[command(after_help = "Example:\n  harness schema > bench-results/schema/run.schema.json")]
    Schema,
    /// List every energy meter, available or not, and why (run this first on a new machine).
    #[command(
        after_help = "Examples:\n  harness meters\n  harness meters --format json\n  harness meters --powercap-root /tmp/fake-powercap"
    )]
    Meters(MetersArgs),
    /// Machine-wide live energy monitor: power, cumulative kWh and gCO2eq each interval; totals at the end.
    #[command(
        after_help = "Examples:\n  harness monitor --interval 1s --duration 30s\n  harness monitor --intensity country:FRA --csv emissions.csv\n  harness monitor --meter fake --duration 3s --format json\n\nExit codes: 0 ok (also after Ctrl-C), 2 the monitor failed (no usable meter, bad flag, unwritable CSV)."
    )]
    Monitor(MonitorArgs),
    /// Compare a candidate run against a base run or baseline: a statistical verdict per metric (exit 1 on regression).
    #[command(after_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// Save, list and show baselines (bench-results/baselines/<name>.json).
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Write a self-contained HTML report of a run, with SVG charts and, given a baseline, the verdict table.
    #[command(
        after_help = "Examples:\n  harness report bench-results/runs/new.json --baseline main --out report.html\n  harness report new.json --out report.html\n\nExit codes: 0 written (no regression), 1 written and the baseline comparison found a regression, 2 failed."
    )]
    Report(ReportArgs),
    /// Measure two builds on this machine, interleaved (A B, B A, …), and compare them.
    #[command(after_help = AB_EXAMPLES)]
    Ab(AbArgs),
    /// Push a result file's metrics to a Prometheus Pushgateway and/or a remote-write endpoint.
    #[command(after_help = PUSH_HELP)]
    Push(PushArgs),
    /// Train the `tiny` predict model while metering it; record the training's energy and emissions.
    #[command(after_help = TRAIN_HELP)]
    Train(TrainArgs),
}

const TRAIN_HELP: &str = "Examples:
  harness train                                   # tiny model into bench-results/models/tiny
  harness train --epochs 5 --out /tmp/tiny --meter fake --intensity 380
  harness train --out workloads/models/tiny       # replace the committed model (then rebuild: it is embedded)
The artifacts (config.json, model.safetensors, tokenizer.json, metrics.json) go to --out; metrics.json gains a
`training_energy` object (energy_kwh, emissions_g, duration_s, meter_source, ...) and one CodeCarbon row is appended
to --emissions-csv.
Exit codes: 0 trained and recorded; 2 failed (bad flag, no usable meter, training or write error).";

/// The model `harness train` trains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum TrainModel {
    /// The small from-scratch transformer embedded in the workloads binary.
    #[default]
    Tiny,
}

/// Options of `harness train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Model to train.
    #[arg(long, value_enum, default_value_t)]
    pub model: TrainModel,
    /// Folder for the artifacts. Give workloads/models/tiny explicitly to replace the committed model.
    #[arg(long, value_name = "DIR", default_value = "bench-results/models/tiny")]
    pub out: PathBuf,
    /// Passes over the training rows (default: what produced the committed model).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Seed of weight init, shuffling and token dropout.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Meter: auto (best available: rapl, nvml, else the model estimate), rapl, nvml, model or fake.
    #[arg(long, default_value = "auto")]
    pub meter: String,
    /// Carbon intensity, as for `harness bench`: 380, fixed:380, country:FR, world, electricity-maps:DE.
    /// Default: the country table for --zone.
    #[arg(long)]
    pub intensity: Option<String>,
    /// Country for the intensity when --intensity is not given (ISO alpha-2 or alpha-3).
    #[arg(long, default_value = "DE")]
    pub zone: String,
    /// Append one CodeCarbon-format row for the training run to this emissions.csv.
    #[arg(long, value_name = "FILE", default_value = crate::record::emissions::DEFAULT_EMISSIONS_CSV)]
    pub emissions_csv: PathBuf,
    /// Do not append to any emissions.csv.
    #[arg(long, conflicts_with = "emissions_csv")]
    pub no_emissions_csv: bool,
    /// `project_name` of the emissions.csv row.
    #[arg(long, default_value = "carbon_harness_train")]
    pub project_name: String,
}

const PUSH_HELP: &str = "Examples:
  harness push bench-results/runs/RUN.json --url http://127.0.0.1:9091
  harness push RUN.json --url http://pgw:9091 --label runner=ci-3 --compare compare.json
  harness push RUN.json --remote-write http://127.0.0.1:9090/api/v1/write
  harness push RUN.json --dry-run          # print the exposition text, send nothing

Credentials: PUSHGATEWAY_USERNAME / PUSHGATEWAY_PASSWORD (Pushgateway) and
REMOTE_WRITE_USERNAME / REMOTE_WRITE_PASSWORD (remote write), sent as HTTP Basic auth, never printed.
Exit codes: 0 pushed (or --push-optional and the push failed: a warning is printed), 2 the push or the input failed.";

/// `harness push` arguments.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Result file written by `harness bench` (schema v1).
    pub run: PathBuf,
    /// Pushgateway base URL, e.g. http://127.0.0.1:9091.
    #[arg(long, env = "PUSHGATEWAY_URL")]
    pub url: Option<String>,
    /// Print the metrics in the text exposition format and the target URLs; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub push: PushFlags,
}

/// Push options shared by `harness push` and `harness bench --push`.
#[derive(Debug, Clone, Args)]
pub struct PushFlags {
    /// Pushgateway job name.
    #[arg(long, default_value = "carbon_harness")]
    pub job: String,
    /// Extra grouping label NAME=VALUE (repeatable); defaults are instance=<machine fingerprint>, branch=<git branch>.
    #[arg(long = "label", value_name = "NAME=VALUE")]
    pub labels: Vec<String>,
    /// Also send the samples with Prometheus remote write 1.0 to this URL (e.g. http://127.0.0.1:9090/api/v1/write).
    #[arg(long, value_name = "URL")]
    pub remote_write: Option<String>,
    /// A compare report (JSON with a `metrics` array) to push as carbon_harness_change_ratio / carbon_harness_regression.
    #[arg(long, value_name = "FILE")]
    pub compare: Option<PathBuf>,
    /// Warn and exit 0 instead of exiting 2 when the push fails.
    #[arg(long)]
    pub push_optional: bool,
    /// Time limit for one HTTP attempt (e.g. 500ms, 10s).
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub timeout: humantime::Duration,
    /// Retries after a failed attempt (connection error, timeout, 429, 5xx), with exponential backoff from 250 ms.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Value of the project_name label on the codecarbon_* gauges.
    #[arg(long, default_value = "carbon_harness")]
    pub project_name: String,
}

const BENCH_EXAMPLES: &str = "Examples:
  harness bench                                   # every workload, defaults, table on stdout
  harness bench --workload spin:1000000 --duration 2s --repetitions 10
  harness bench --workload spin:1000000 --rate 200 --concurrency 4   # open loop at 200 ops/s
  harness bench --format json --out run.json
  harness bench --live --zone FR                  # the real Electricity Maps API (ELECTRICITY_MAP_API_KEY)
  harness bench --target http://127.0.0.1:8001 --server-pid 4242   # end to end against `workloads serve`
  harness bench --workload spin:1000000 --push http://127.0.0.1:9091 --remote-write http://127.0.0.1:9090/api/v1/write
Exit codes: 0 ok; 2 the harness failed (bad option, I/O, a workload's error rate above --max-error-rate).";

/// Output format of the summary printed on stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A terminal table.
    #[default]
    Table,
    /// The whole result file as JSON.
    Json,
    /// A Markdown table.
    Markdown,
}

/// Options of `harness bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Workloads to run, comma-separated or repeated: intensity, predict, chat, spin:N. Default: all three app workloads.
    #[arg(long = "workload", short = 'w', value_name = "SPEC")]
    pub workloads: Vec<String>,
    /// Length of each measured repetition (e.g. 3s, 500ms). Default 3s unless --ops is given.
    #[arg(long, value_parser = humantime::parse_duration, conflicts_with = "ops")]
    pub duration: Option<Duration>,
    /// Operations per measured repetition, instead of --duration.
    #[arg(long)]
    pub ops: Option<u64>,
    /// Warm-up before the measured repetitions of each workload (not recorded).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1s")]
    pub warmup: Duration,
    /// Measured repetitions per workload; each is one sample for the statistics (at least 2 for `compare`).
    #[arg(long, short = 'k', default_value_t = 5)]
    pub repetitions: u32,
    /// Closed loop: concurrent workers (default: logical CPUs). With --rate: the most ops in flight (default 64).
    #[arg(long, short = 'c')]
    pub concurrency: Option<u32>,
    /// Open loop at this many ops/s; latency is measured from each op's scheduled start (wrk2-style).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Idle-baseline measurement before the workloads (0s to skip; net energy then equals gross).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1s")]
    pub idle: Duration,
    /// Drive a running `workloads serve` over HTTP at this base URL instead of running the workloads in-process.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// With --target: charge energy to this server process by its CPU share (else the whole machine minus idle).
    #[arg(long, value_name = "PID", requires = "target")]
    pub server_pid: Option<u32>,
    /// Meter: auto (best available: rapl, nvml, else the model estimate), rapl, nvml, model or fake.
    #[arg(long, default_value = "auto")]
    pub meter: String,
    /// Carbon intensity: a number in gCO2eq/kWh (380 or fixed:380), country:XX, world, or electricity-maps:ZONE
    /// (live API; falls back to the country table with a warning). Default: the country table for --zone
    /// (electricity-maps:--zone with --live).
    #[arg(long)]
    pub intensity: Option<String>,
    /// Grid zone: the zone the `intensity` workload fetches, and the run's intensity from CodeCarbon's country
    /// table (ISO alpha-2 or alpha-3) unless --intensity is given.
    #[arg(long, default_value = "DE")]
    pub zone: String,
    /// Use the real Electricity Maps API (key in ELECTRICITY_MAP_API_KEY or --env-file) for the `intensity` workload
    /// and the run's intensity, instead of the in-process mock grid and the country table.
    #[arg(long)]
    pub live: bool,
    /// Electricity Maps base URL for --live and electricity-maps:ZONE.
    #[arg(long, env = "ELECTRICITY_MAPS_URL", default_value = workloads::intensity::DEFAULT_BASE_URL, value_name = "URL")]
    pub electricity_maps_url: String,
    /// `.env` file read for ELECTRICITY_MAP_API_KEY when the environment has none.
    #[arg(long, default_value = ".env", value_name = "FILE")]
    pub env_file: PathBuf,
    /// Fail (exit 2) when a workload's failed ops exceed this share of its attempts (0.01 = 1 %).
    #[arg(long, default_value_t = 0.01)]
    pub max_error_rate: f64,
    /// Result file (default: bench-results/runs/<UTC timestamp>-<short sha>.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Append one CodeCarbon-format row per finished workload to this emissions.csv.
    #[arg(long, value_name = "FILE", default_value = crate::record::emissions::DEFAULT_EMISSIONS_CSV)]
    pub emissions_csv: PathBuf,
    /// Do not append to any emissions.csv.
    #[arg(long, conflicts_with = "emissions_csv")]
    pub no_emissions_csv: bool,
    /// Summary format on stdout.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// After the result file is written, push the run's metrics to this Pushgateway (see `harness push --help`).
    #[arg(long, value_name = "URL")]
    pub push: Option<String>,
    #[command(flatten)]
    pub push_flags: PushFlags,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run to report on (a result file or a baseline name).
    pub run: String,
    /// Compare against this baseline (name or result file) and include the verdict table.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Where to write the HTML page.
    #[arg(long, value_name = "FILE", default_value = "report.html")]
    pub out: PathBuf,
    /// Family-wise significance level; whiskers are 1 - alpha intervals.
    #[arg(long, default_value_t = crate::compare::DEFAULT_ALPHA)]
    pub alpha: crate::compare::Alpha,
    /// Noise threshold, as for `harness compare`.
    #[arg(long, default_value = "3%")]
    pub threshold: Thresholds,
    /// Give energy and emissions verdicts even when the machines or meter sources differ.
    #[arg(long)]
    pub allow_cross_machine: bool,
    #[arg(long, env = "HARNESS_BASELINES_DIR", default_value = crate::baseline::DEFAULT_BASELINES_DIR)]
    pub baselines_dir: PathBuf,
}

const COMPARE_HELP: &str = "Examples:
  harness compare bench-results/runs/new.json                 # against the baseline `main`
  harness compare main bench-results/runs/new.json --format markdown --out comment.md
  harness compare old.json new.json --threshold energy=2%,latency=5% --alpha 0.01

Exit codes: 0 no regression, 1 at least one metric regressed, 2 the harness failed
(unreadable file, schema version mismatch, no workload in common).";

/// Output formats of `harness compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Terminal table (colour only on a terminal, never with NO_COLOR set).
    Table,
    /// Markdown for a pull-request comment.
    Markdown,
    /// Every number, as JSON.
    Json,
    /// The candidate run in Bencher Metric Format.
    Bmf,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// BASE then CANDIDATE (each a result file or a baseline name); with one argument it is the candidate and the
    /// base is the baseline `main`.
    #[arg(value_name = "BASE] [CANDIDATE", num_args = 1..=2, required = true)]
    pub runs: Vec<String>,
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Family-wise significance level (Holm–Bonferroni across all metrics); intervals are at 1 - alpha.
    #[arg(long, default_value_t = crate::compare::DEFAULT_ALPHA)]
    pub alpha: crate::compare::Alpha,
    /// Noise threshold: `5%` for every metric, or per group `energy=3%,emissions=3%,latency=5%,throughput=3%`.
    #[arg(long, default_value = "3%")]
    pub threshold: Thresholds,
    /// Give energy and emissions verdicts even when the machines or meter sources differ.
    #[arg(long)]
    pub allow_cross_machine: bool,
    /// Directory holding baselines.
    #[arg(long, env = "HARNESS_BASELINES_DIR", default_value = crate::baseline::DEFAULT_BASELINES_DIR)]
    pub baselines_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Save a complete result file as a baseline.
    #[command(
        after_help = "Example:\n  harness baseline save bench-results/runs/20260101T000000Z-abc1234.json --name main"
    )]
    Save {
        /// The result file to keep.
        run: PathBuf,
        /// Baseline name (letters, digits, `.`, `_`, `-`).
        #[arg(long, default_value = crate::baseline::DEFAULT_BASELINE)]
        name: String,
        #[arg(long, env = "HARNESS_BASELINES_DIR", default_value = crate::baseline::DEFAULT_BASELINES_DIR)]
        baselines_dir: PathBuf,
    },
    /// List saved baselines.
    #[command(after_help = "Example:\n  harness baseline list")]
    List {
        #[arg(long, env = "HARNESS_BASELINES_DIR", default_value = crate::baseline::DEFAULT_BASELINES_DIR)]
        baselines_dir: PathBuf,
    },
    /// Show one baseline: its run, machine and per-workload numbers.
    #[command(after_help = "Example:\n  harness baseline show main")]
    Show {
        /// Baseline name or result-file path.
        name: String,
        #[arg(long, env = "HARNESS_BASELINES_DIR", default_value = crate::baseline::DEFAULT_BASELINES_DIR)]
        baselines_dir: PathBuf,
    },
}

const AB_EXAMPLES: &str = "Examples:
  harness ab --base-bin ../base/target/release/harness --base-dir ../base \\
             --head-bin target/release/harness --workload spin:1000000 --duration 1s --repetitions 6
  harness ab --base-bin A/harness --head-bin B/harness -- --meter fake --warmup 0s --idle 0s
Each side runs its own `harness bench --repetitions 1` per repetition; the result files (reps/, base.json, head.json,
compare.json) go to --out-dir, and the comparison of head against base is printed as with `harness compare`.
Exit codes: 0 no regression; 1 the head regressed; 2 the harness or one of the builds failed.";

/// Options of `harness ab`.
#[derive(Debug, Clone, Args)]
pub struct AbArgs {
    /// The base build: its `harness` binary, or a directory holding it.
    #[arg(long, value_name = "PATH")]
    pub base_bin: PathBuf,
    /// The head build: its `harness` binary, or a directory holding it.
    #[arg(long, value_name = "PATH")]
    pub head_bin: PathBuf,
    /// Directory the base build's `bench` runs in (its checkout; recorded git commit). Default: current directory.
    #[arg(long, value_name = "DIR")]
    pub base_dir: Option<PathBuf>,
    /// Directory the head build's `bench` runs in. Default: current directory.
    #[arg(long, value_name = "DIR")]
    pub head_dir: Option<PathBuf>,
    /// Workloads, passed to both sides' `bench --workload` (comma-separated or repeated).
    #[arg(long = "workload", short = 'w', value_name = "SPEC")]
    pub workloads: Vec<String>,
    /// Length of each repetition, passed to `bench --duration` (e.g. 2s).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Repetitions per side (samples for the statistics; at least 2, an even number balances the order).
    #[arg(long, short = 'k', default_value_t = 6)]
    pub repetitions: u32,
    /// Meter, passed to `bench --meter` (auto, rapl, nvml, model, fake).
    #[arg(long)]
    pub meter: Option<String>,
    /// Carbon intensity, passed to `bench --intensity`.
    #[arg(long)]
    pub intensity: Option<String>,
    /// Where the per-repetition and merged result files go (default: bench-results/ab/<UTC timestamp>).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Output format of the comparison on stdout (`compare.json` is always written to --out-dir too).
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    /// Noise threshold, as for `harness compare`: `3%`, or per group `energy=2%,latency=5%`.
    #[arg(long, default_value = "3%")]
    pub threshold: Thresholds,
    /// Family-wise significance level, as for `harness compare`.
    #[arg(long, default_value_t = crate::compare::DEFAULT_ALPHA)]
    pub alpha: crate::compare::Alpha,
    /// Further `bench` options for both sides, after `--` (not --repetitions, --out or --format).
    #[arg(last = true, value_name = "BENCH_ARGS")]
    pub bench_args: Vec<String>,
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
    #[arg(
        long,
        default_value = "/sys/class/powercap",
        env = "HARNESS_POWERCAP_ROOT"
    )]
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
    /// CodeCarbon's table; unknown codes get the 475 g/kWh world average), `world` (475 g/kWh) or
    /// `electricity-maps:DE` (live API, key in ELECTRICITY_MAP_API_KEY or .env; on failure the country table and a warning).
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
