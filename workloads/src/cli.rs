//! Command-line arguments (clap derive lives only here). Each `*Args` is turned into a validated plan in its
//! `commands/<name>.rs`.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The workshop app rebuilt in Rust, and offline stand-ins for its upstream services.
#[derive(Debug, Parser)]
#[command(name = "workloads", version, about, after_help = "Examples:\n  \
    workloads serve                              # offline: built-in mock grid\n  \
    ELECTRICITY_MAP_API_KEY=... workloads serve --zone FR\n  \
    workloads mock-grid --addr 127.0.0.1:8003 --api-key test --error-rate 0.1")]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the workshop app (/carbon_intensity, /metrics, ...).
    Serve(ServeArgs),
    /// Serve a local stand-in for the Electricity Maps v3 API.
    MockGrid(MockGridArgs),
}

/// `workloads serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  workloads serve\n  workloads serve --addr 127.0.0.1:0 --zone FR --cache-ttl 10s\n  \
    workloads serve --artificial-latency-max 1s --artificial-error-rate 0.15   # the workshop's chaos")]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8001")]
    pub addr: SocketAddr,
    /// Default Electricity Maps zone.
    #[arg(long, env = "ZONE", default_value = "DE")]
    pub zone: String,
    /// Electricity Maps base URL.
    #[arg(long, env = "ELECTRICITY_MAPS_URL", default_value = crate::intensity::DEFAULT_BASE_URL)]
    pub electricity_maps_url: String,
    /// `.env` file read for ELECTRICITY_MAP_API_KEY when the variable is not set.
    #[arg(long, default_value = ".env")]
    pub env_file: PathBuf,
    /// Upstream timeout per attempt.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Upstream retries (timeouts, connection errors, 5xx) after the first attempt.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Per-zone cache TTL (0s disables the cache).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub cache_ttl: Duration,
    /// Chaos: random delay, uniform in 0..MAX, before each /carbon_intensity (off by default).
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub artificial_latency_max: Duration,
    /// Chaos: share (0..=1) of /carbon_intensity requests answered 503 without calling upstream.
    #[arg(long, default_value_t = 0.0)]
    pub artificial_error_rate: f64,
}

/// `workloads mock-grid`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  workloads mock-grid\n  \
    workloads mock-grid --api-key test --latency 50ms --error-rate 0.1 --seed 7\n  \
    curl -H 'auth-token: test' 'http://127.0.0.1:8003/v3/carbon-intensity/latest?zone=DE'")]
pub struct MockGridArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8003")]
    pub addr: SocketAddr,
    /// Required `auth-token` header value (any token is accepted when unset).
    #[arg(long)]
    pub api_key: Option<String>,
    /// Delay before every answer.
    #[arg(long, default_value = "0ms", value_parser = humantime::parse_duration)]
    pub latency: Duration,
    /// Share (0..=1) of requests answered with an injected 429 or 500.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Seed for the injected failures.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}
