//! `harness`: benchmark the workloads, meter their energy, compare against baselines.
//! Exit codes: 0 ok, 1 regression found, 2 the harness itself failed.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = harness::cli::Cli::parse();
    if matches!(cli.command, harness::cli::Command::Bench(_)) {
        workloads::predict::single_threaded_inference_by_default();
    }
    match harness::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", harness::describe(&err));
            ExitCode::from(harness::EXIT_HARNESS_ERROR)
        }
    }
}
