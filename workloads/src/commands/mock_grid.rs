//! `workloads mock-grid`: serve the Electricity Maps stand-in until SIGINT/SIGTERM.

use super::{shutdown_signal, validate_share};
use crate::cli::MockGridArgs;
use crate::intensity::mock_grid::{self, MockGridConfig};
use std::process::ExitCode;

/// Runs the mock grid until a signal.
pub async fn run(args: MockGridArgs) -> anyhow::Result<ExitCode> {
    let config = MockGridConfig {
        api_key: args.api_key,
        latency: args.latency,
        error_rate: validate_share(args.error_rate, "--error-rate")?,
        seed: args.seed,
        history_interval: Some(args.history_interval),
    };
    let grid = mock_grid::spawn(config, args.addr).await?;
    println!(
        "workloads mock-grid: listening on {}",
        grid.server.base_url()
    );
    shutdown_signal().await;
    grid.server.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}
