//! The command-line options of `harness train` (clap derive only; `--help` text, see [`super`]).
#![allow(rustdoc::invalid_html_tags)]

use super::measure::MeasureArgs;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

pub(super) const TRAIN_HELP: &str = "Examples:
  harness train                                   # tiny model into bench-results/models/tiny
  harness train --epochs 5 --out /tmp/tiny --meter fake --intensity 380
  harness train --zone FR                         # intensity from CodeCarbon's country table for France
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
    /// Append one CodeCarbon-format row for the training run to this emissions.csv.
    #[arg(long, value_name = "FILE", default_value = crate::record::emissions::DEFAULT_EMISSIONS_CSV)]
    pub emissions_csv: PathBuf,
    /// Do not append to any emissions.csv.
    #[arg(long, conflicts_with = "emissions_csv")]
    pub no_emissions_csv: bool,
    /// `project_name` of the emissions.csv row.
    #[arg(long, default_value = "carbon_harness_train")]
    pub project_name: String,
    #[command(flatten)]
    pub measure: MeasureArgs,
}
