//! Command-line definitions (clap derive only). Each `*Args` is turned into a validated plan by its command module.

use crate::compare::Thresholds;
use clap::{Args, Parser, Subcommand, ValueEnum};
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
    pub alpha: f64,
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
    pub alpha: f64,
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
