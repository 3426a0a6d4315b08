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
}
