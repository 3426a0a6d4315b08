//! `intensity` in-process: one op is one carbon-intensity fetch for the run's zone through the workloads
//! [`IntensityService`] (the app's `/carbon_intensity` code path: `ElectricityMapsClient`, reqwest, JSON parsing),
//! built with a cache TTL of **zero**, so every op is a real HTTP round trip. This is deliberate: with the app's 60 s
//! cache nearly every op would be a map lookup and the number would say nothing about the fetch.
//!
//! Upstream, by [`GridPlan`]:
//! - default: the workloads mock grid (`mock_grid::spawn`) on 127.0.0.1:0 inside the harness process, answering with
//!   CodeCarbon's country values; no key, no network. Its server-side work runs in this process, so it is part of the
//!   measured energy. The run's warnings say the mock was used.
//! - `--live`: the Electricity Maps API with `ELECTRICITY_MAP_API_KEY` (environment or `.env`); every op spends one
//!   request of the key's quota and its latency includes the internet round trip.
//!
//! Client errors map to kinds `http_401` (key refused), `http_429`, `http_<status>`, `timeout`, `connect`,
//! `invalid_response`.

use super::{OpError, OpFuture, ShutdownFuture, Workload};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;
use workloads::intensity::cache::IntensityService;
use workloads::intensity::client::{ClientConfig, ElectricityMapsClient};
use workloads::intensity::mock_grid::{self, MockGrid, MockGridConfig};
use workloads::intensity::{FetchError, Source};

/// The key sent to the mock grid (it accepts any key when started without one).
const MOCK_KEY: &str = "mock-grid";

/// Where the `intensity` workload fetches from, and for which zone.
#[derive(Debug, Clone)]
pub struct GridPlan {
    /// Electricity Maps zone (`DE`, `FR`, `US-CAL-CISO`...); the mock grid maps it to a country.
    pub zone: String,
    /// `Some` with `--live`: the real API (its `Debug` redacts the key). `None`: the in-process mock grid.
    pub live: Option<ClientConfig>,
}

impl GridPlan {
    /// The mock grid, for `zone`.
    pub fn mock(zone: &str) -> Self {
        Self {
            zone: zone.to_string(),
            live: None,
        }
    }

    /// The run's warning about this upstream.
    pub fn note(&self) -> String {
        match &self.live {
            None => format!(
                "intensity fetches zone {} from the workloads mock grid in this process (127.0.0.1, CodeCarbon's \
                 country values), not the Electricity Maps API: its energy includes the mock server's side; \
                 --live uses the real API",
                self.zone
            ),
            Some(cfg) => format!(
                "intensity fetches zone {} live from {} (--live): each op is one API request on your key's quota \
                 and its latency includes the network",
                self.zone, cfg.base_url
            ),
        }
    }
}

/// The intensity workload: an uncached service and, by default, the mock grid it talks to.
#[derive(Debug)]
pub struct Intensity {
    service: IntensityService,
    zone: String,
    grid: Mutex<Option<MockGrid>>,
}

impl Intensity {
    /// Start the mock grid on 127.0.0.1:0 (unless live) and build the client, cache disabled.
    pub async fn start(plan: &GridPlan) -> anyhow::Result<Self> {
        let (config, source, grid) = match &plan.live {
            Some(cfg) => (cfg.clone(), Source::ElectricityMaps, None),
            None => {
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                let grid = mock_grid::spawn(MockGridConfig::default(), addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("starting the mock grid on 127.0.0.1: {e}"))?;
                let cfg = ClientConfig::new(grid.server.base_url(), MOCK_KEY);
                (cfg, Source::Mock, Some(grid))
            }
        };
        let client = ElectricityMapsClient::new(config)?;
        Ok(Self {
            service: IntensityService::new(client, source, Duration::ZERO),
            zone: plan.zone.clone(),
            grid: Mutex::new(grid),
        })
    }

    /// Requests the mock grid has answered so far (`None` when live).
    pub fn mock_requests(&self) -> Option<u64> {
        let grid = self.grid.lock().ok()?;
        grid.as_ref()
            .map(|g| g.requests.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// The op-error kind of a failed fetch.
pub fn kind(e: &FetchError) -> String {
    match e {
        FetchError::Unauthorized => "http_401".into(),
        FetchError::RateLimited { .. } => "http_429".into(),
        FetchError::Timeout(_) => "timeout".into(),
        FetchError::Upstream { status, .. } => format!("http_{status}"),
        FetchError::Malformed(_) | FetchError::TooLarge { .. } => "invalid_response".into(),
        FetchError::Network(_) => "connect".into(),
    }
}

impl Workload for Intensity {
    fn name(&self) -> &str {
        "intensity"
    }

    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let served = self
                .service
                .get(&self.zone)
                .await
                .map_err(|e| OpError::new(kind(&e), e.to_string()))?;
            std::hint::black_box(served);
            Ok(())
        })
    }

    fn shutdown(&self) -> ShutdownFuture {
        let grid = self.grid.lock().ok().and_then(|mut g| g.take());
        Box::pin(async move {
            if let Some(g) = grid {
                // A failed shutdown of the mock only leaves a task that ends with the process.
                let _ = g.server.shutdown().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_op_is_a_fetch_from_the_mock_grid() {
        let w = Intensity::start(&GridPlan::mock("DE"))
            .await
            .expect("starts");
        for _ in 0..3 {
            w.op().await.expect("fetch succeeds");
        }
        assert_eq!(
            w.mock_requests(),
            Some(3),
            "TTL 0: no op is served from a cache"
        );
        w.shutdown().await;
    }

    #[tokio::test]
    async fn an_unknown_zone_is_a_failed_op_of_kind_http_404() {
        let w = Intensity::start(&GridPlan::mock("XX"))
            .await
            .expect("starts");
        let e = w.op().await.expect_err("unknown zone");
        assert_eq!(e.kind, "http_404", "{e}");
        w.shutdown().await;
    }

    #[test]
    fn the_note_names_the_mock_or_the_live_api() {
        assert!(GridPlan::mock("DE").note().contains("mock grid"));
        let live = GridPlan {
            zone: "FR".into(),
            live: Some(ClientConfig::new("https://api.example", "k")),
        };
        let note = live.note();
        assert!(
            note.contains("live") && note.contains("https://api.example") && !note.contains(" k ")
        );
    }
}
