//! Build the app's state from a [`ServeConfig`] and start it: the library side of `workloads serve`.
//!
//! With an API key the app calls `base_url` (Electricity Maps by default). Without one it starts the built-in mock
//! grid on `127.0.0.1:0`, labels every value `source: "mock"`, and logs a warning once.

use super::{AppState, Chaos, router};
use crate::intensity::cache::{DEFAULT_TTL, IntensityService};
use crate::intensity::client::{ClientConfig, ElectricityMapsClient};
use crate::intensity::mock_grid::{self, MockGrid, MockGridConfig};
use crate::intensity::{DEFAULT_BASE_URL, Source};
use crate::server::{self, ServerHandle};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Everything `workloads serve` needs, already validated.
#[derive(Clone)]
pub struct ServeConfig {
    /// Address to bind (port 0 allowed).
    pub addr: SocketAddr,
    /// Default zone.
    pub zone: String,
    /// Electricity Maps API key; `None` → built-in mock grid.
    pub api_key: Option<String>,
    /// Electricity Maps base URL.
    pub base_url: String,
    /// Per-attempt upstream timeout.
    pub timeout: Duration,
    /// Upstream retries after the first attempt.
    pub retries: u32,
    /// Per-zone cache TTL (0 disables the cache).
    pub cache_ttl: Duration,
    /// Chaos knobs.
    pub chaos: Chaos,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("addr", &self.addr)
            .field("zone", &self.zone)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("cache_ttl", &self.cache_ttl)
            .field("chaos", &self.chaos)
            .finish()
    }
}

impl ServeConfig {
    /// Defaults: `127.0.0.1:8001`, zone `DE`, no key, public API URL, 5 s timeout, 2 retries, 60 s TTL, no chaos.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            zone: "DE".to_owned(),
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(5),
            retries: 2,
            cache_ttl: DEFAULT_TTL,
            chaos: Chaos::default(),
        }
    }
}

/// A running app and, when no key was given, the mock grid behind it.
#[derive(Debug)]
pub struct RunningApp {
    /// The app server.
    pub server: ServerHandle,
    /// The built-in mock grid, when in use.
    pub mock_grid: Option<MockGrid>,
}

impl RunningApp {
    /// Stops the app, then the mock grid.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.server.shutdown().await?;
        if let Some(grid) = self.mock_grid {
            grid.server.shutdown().await?;
        }
        Ok(())
    }
}

/// Builds the state (starting the mock grid if needed) and serves the app on `config.addr`.
pub async fn start(config: &ServeConfig) -> anyhow::Result<RunningApp> {
    let (state, mock_grid) = build_state(config).await?;
    let server = server::spawn(config.addr, router(state)).await?;
    Ok(RunningApp { server, mock_grid })
}

/// The app state for `config`, plus the mock grid it started when no key was configured.
pub async fn build_state(config: &ServeConfig) -> anyhow::Result<(AppState, Option<MockGrid>)> {
    let (client_config, source, grid) = match &config.api_key {
        Some(key) => (ClientConfig::new(&config.base_url, key), Source::ElectricityMaps, None),
        None => {
            tracing::warn!("no ELECTRICITY_MAP_API_KEY configured: serving carbon intensity from the built-in mock grid");
            let grid = mock_grid::spawn(MockGridConfig::default(), SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            (ClientConfig::new(grid.server.base_url(), "mock"), Source::Mock, Some(grid))
        }
    };
    let client_config = ClientConfig { timeout: config.timeout, retries: config.retries, ..client_config };
    let client = ElectricityMapsClient::new(client_config)?;
    let service = Arc::new(IntensityService::new(client, source, config.cache_ttl));
    let mut state = AppState::new(service, &config.zone)?;
    state.chaos = config.chaos;
    Ok((state, grid))
}
