//! `workloads serve`: validate the flags once into a [`ServeConfig`], start the app, stop on SIGINT/SIGTERM.

use super::{shutdown_signal, validate_share};
use crate::app::Chaos;
use crate::app::start::{ServeConfig, start};
use crate::cli::ServeArgs;
use crate::intensity::dotenv::{self, API_KEY_VAR};
use std::process::ExitCode;

/// Turns the flags (and the environment / `.env` key) into a validated config.
pub fn plan(args: ServeArgs) -> anyhow::Result<ServeConfig> {
    let api_key = dotenv::api_key(std::env::var(API_KEY_VAR).ok(), &args.env_file)?;
    if args.timeout.is_zero() {
        anyhow::bail!("--timeout must be greater than 0");
    }
    let chaos = Chaos {
        latency_max: args.artificial_latency_max,
        error_rate: validate_share(args.artificial_error_rate, "--artificial-error-rate")?,
    };
    Ok(ServeConfig {
        zone: args.zone,
        api_key,
        base_url: args.electricity_maps_url,
        timeout: args.timeout,
        retries: args.retries,
        cache_ttl: args.cache_ttl,
        chaos,
        ..ServeConfig::new(args.addr)
    })
}

/// Runs the app until a signal.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = plan(args)?;
    let app = start(&config).await?;
    let source = if app.mock_grid.is_some() { "built-in mock grid" } else { "Electricity Maps" };
    println!("workloads serve: listening on http://{} (zone {}, intensity from {source})", app.server.addr(), config.zone);
    shutdown_signal().await;
    app.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}
