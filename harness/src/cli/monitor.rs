//! The command-line options of `harness monitor` and `harness meters` (clap derive only; `--help` text, see [`super`]).
#![allow(rustdoc::invalid_html_tags)]

use super::measure::{MeasureArgs, MeterArgs};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Output format of `harness meters` and `harness monitor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

/// `harness meters`.
#[derive(Debug, Clone, Args)]
pub struct MetersArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub meter: MeterArgs,
}

/// `harness monitor`.
#[derive(Debug, Clone, Args)]
pub struct MonitorArgs {
    /// Time between samples (e.g. 1s, 200ms).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub interval: Duration,
    /// Stop after this long (e.g. 30s, 5m); without it, run until Ctrl-C.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    /// Append one CodeCarbon-compatible row with the totals to this emissions.csv at the end.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Project name written to the CSV.
    #[arg(long, default_value = "harness-monitor")]
    pub project_name: String,
    /// table: a progress line per sample on a terminal (JSON lines otherwise), totals table at the end;
    /// json: JSON lines per sample, then one JSON object with the totals.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub measure: MeasureArgs,
}
