//! Command-line definitions (clap derive only). Each `*Args` is turned into a validated plan by its command module.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    /// Measure two builds on this machine, interleaved (A B, B A, …), and compare them.
    #[command(after_help = AB_EXAMPLES)]
    Ab(AbArgs),
}

const AB_EXAMPLES: &str = "Examples:
  harness ab --base-bin ../base/target/release/harness --base-dir ../base \\
             --head-bin target/release/harness --workload spin:1000000 --duration 1s --repetitions 6
  harness ab --base-bin A/harness --head-bin B/harness -- --meter fake --warmup 0s --idle 0s
Each side runs its own `harness bench --repetitions 1` per repetition; the result files go to --out-dir.
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
    /// Further `bench` options for both sides, after `--` (not --repetitions, --out or --format).
    #[arg(last = true, value_name = "BENCH_ARGS")]
    pub bench_args: Vec<String>,
}
