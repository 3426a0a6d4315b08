//! Command-line definitions (clap derive only). Each `*Args` is turned into a validated plan by its command module.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the command enum; `compare`, `report`, `baseline`, `ab`, `push` options |
//! | [`measure`] | the measuring flags ([`MeterArgs`], [`IntensityArgs`]), declared once and flattened where they apply |
//! | [`bench`] | `harness bench` |
//! | [`embodied`] | `harness bench`'s SCI flags: `--machine`, `--embodied-kg`, `--lifetime-years`, `--resource-share` |
//! | [`train`] | `harness train` |
//! | [`monitor`] | `harness monitor`, `harness meters` |
//!
//! The doc comments here are the `--help` text, written in the CLI convention (`<name>` is a placeholder), not
//! Markdown for rustdoc; hence the allow below.
#![allow(rustdoc::invalid_html_tags)]

pub mod bench;
pub mod embodied;
pub mod measure;
pub mod monitor;
pub mod train;

pub use bench::{BenchArgs, OutputFormat};
pub use embodied::EmbodiedArgs;
pub use measure::{IntensityArgs, MeasureArgs, MeterArgs, MeterFlag};
pub use monitor::{MetersArgs, MonitorArgs, ReportFormat};
pub use train::{TrainArgs, TrainModel};

use crate::compare::Thresholds;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Benchmark and CI carbon-regression harness.
#[derive(Debug, Parser)]
#[command(name = "harness", version = crate::build_info::VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run workloads under load; report per-op energy, emissions and latency; write a result file.
    #[command(after_help = bench::BENCH_EXAMPLES)]
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
        after_help = "Examples:\n  harness monitor --interval 1s --duration 30s\n  harness monitor --zone FR            # intensity from CodeCarbon's country table for France (default: --zone DE)\n  harness monitor --intensity country:FRA --csv emissions.csv\n  harness monitor --meter fake --duration 3s --format json\n\nExit codes: 0 ok (also after Ctrl-C), 2 the monitor failed (no usable meter, bad flag, unwritable CSV)."
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
    #[command(after_help = train::TRAIN_HELP)]
    Train(TrainArgs),
    /// Turn another benchmark harness's output into a result file that compare, report and push read.
    #[command(subcommand)]
    Import(ImportCommand),
}

/// `harness import` sources.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Criterion's target/criterion: each benchmark a workload, each criterion sample a repetition.
    #[command(after_help = IMPORT_CRITERION_HELP)]
    Criterion(ImportCriterionArgs),
}

const IMPORT_CRITERION_HELP: &str = "Examples:
  cargo bench && harness import criterion target/criterion --out bench-results/runs/criterion.json
  harness import criterion target/criterion --filter parse/ --filter fib
  CRITERION_HOME=target/criterion-energy cargo bench --bench energy   # benches using harness::criterion::Energy
  harness import criterion target/criterion --energy-dir target/criterion-energy --out head.json
  harness compare base.json head.json
Exit codes: 0 imported; 2 the input was unusable (missing directory, no benchmark, malformed sample.json).";

/// Options of `harness import criterion`.
#[derive(Debug, Clone, Args)]
pub struct ImportCriterionArgs {
    /// Criterion's output directory with wall-clock samples (default target/criterion unless only --energy-dir is
    /// given).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Criterion output of the same benchmarks measured with harness::criterion::Energy (joules), paired by id.
    #[arg(long, value_name = "DIR")]
    pub energy_dir: Option<PathBuf>,
    /// Import only benchmarks whose id contains this text (repeatable: any match).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,
    /// Result file (default: bench-results/runs/<UTC timestamp>-<short sha>.json).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub intensity: IntensityArgs,
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
    #[arg(long, default_value = "", hide_default_value = true)]
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
    /// Noise threshold: `5%` for every measured metric, or per group `energy=3%,emissions=3%,latency=5%,throughput=3%`;
    /// `instructions=0.5%` is the default band of `--meter instructions` runs (a bare `5%` leaves it; `all=5%` sets it).
    /// Default: 1.5 % for independent runs (5 % for their p95 and p99 latency), 1 % for the paired runs of one
    /// `harness ab` session.
    #[arg(long, default_value = "", hide_default_value = true)]
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
  harness ab --base-dir ../base --head-dir . --repetitions 6 --duration 2s -- --target http://127.0.0.1:8000 \
             --start 'python3 app.py' --health-url http://127.0.0.1:8000/health --scenario $PWD/scenario.toml
  harness ab --base-dir ../base --head-dir . -w 'cmd:python3 bench.py' -- --ops 5
Each side runs `harness bench --repetitions 1` per repetition in its directory: its own build of the harness with
--base-bin/--head-bin, else this harness (measuring each directory's service or commands: `--start` starts the
service in that directory for every repetition and stops it after); the result files (reps/, base.json, head.json,
compare.json) go to --out-dir, and the comparison of head against base is printed as with `harness compare`.
Exit codes: 0 no regression; 1 the head regressed; 2 the harness or one of the builds failed.";

/// Options of `harness ab`.
#[derive(Debug, Clone, Args)]
pub struct AbArgs {
    /// The base build of the harness: its `harness` binary, or a directory holding it (when the harness is the code
    /// under test). Leave out --base-bin and --head-bin to measure the code in --base-dir and --head-dir with this
    /// harness (a service with `-- --start …`, `cmd:` workloads).
    #[arg(long, value_name = "PATH", requires = "head_bin")]
    pub base_bin: Option<PathBuf>,
    /// The head build of the harness: its `harness` binary, or a directory holding it.
    #[arg(long, value_name = "PATH", requires = "base_bin")]
    pub head_bin: Option<PathBuf>,
    /// Directory the base side's `bench` runs in (its checkout; recorded git commit; where `--start` and `cmd:`
    /// run). Default: current directory.
    #[arg(long, value_name = "DIR")]
    pub base_dir: Option<PathBuf>,
    /// Directory the head side's `bench` runs in. Default: current directory.
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
    #[arg(long, default_value = "", hide_default_value = true)]
    pub threshold: Thresholds,
    /// Family-wise significance level, as for `harness compare`.
    #[arg(long, default_value_t = crate::compare::DEFAULT_ALPHA)]
    pub alpha: crate::compare::Alpha,
    /// Further `bench` options for both sides, after `--` (not --repetitions, --out or --format).
    #[arg(last = true, value_name = "BENCH_ARGS")]
    pub bench_args: Vec<String>,
}
