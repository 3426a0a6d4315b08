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
    /// Push a result file's metrics to a Prometheus Pushgateway and/or a remote-write endpoint.
    #[command(after_help = PUSH_HELP)]
    Push(PushArgs),
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
