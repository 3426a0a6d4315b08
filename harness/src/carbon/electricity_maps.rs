//! Live grid intensity from the Electricity Maps API (`--intensity electricity-maps:DE`, or `harness bench --live`),
//! through the `workloads` client ([`ElectricityMapsClient`]: `auth-token` header, timeout, bounded retries).
//!
//! The API key comes from `ELECTRICITY_MAP_API_KEY` in the environment, else from the `.env` file
//! ([`workloads::intensity::dotenv`]); a missing key is a configuration error naming the variable. The base URL is
//! `ELECTRICITY_MAPS_URL` or the public API (tests point it at the mock grid on 127.0.0.1).
//!
//! A failed fetch (network, 401/403, 429, 5xx, malformed body) is not fatal: the source falls back to CodeCarbon's
//! country table for the zone's country (the part before the first `-`, as the mock grid does) and says so in the
//! returned warnings, which end up in the result file's `warnings`.
//!
//! [`IntensitySource::intensity`] is synchronous; the fetch runs on its own thread with a current-thread tokio
//! runtime, so it works from plain code and from inside the bench's runtime alike.

use energy::carbon::country::CountryIntensitySource;
use energy::carbon::{Intensity, IntensityError, IntensitySource, Zone};
use energy::units::GramsPerKwh;
use std::path::PathBuf;
use std::time::Duration;
use workloads::intensity::client::{ClientConfig, ElectricityMapsClient};
use workloads::intensity::dotenv::{self, API_KEY_VAR};
use workloads::intensity::{FetchError, Reading};

/// The environment variable that overrides the API base URL (`--electricity-maps-url`).
pub const BASE_URL_VAR: &str = "ELECTRICITY_MAPS_URL";

/// Per-attempt timeout of the one fetch made for a run's intensity.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Where to find the API and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSettings {
    /// API base URL without `/v3/...`.
    pub base_url: String,
    /// `.env` file read for the key when the environment has none.
    pub env_file: PathBuf,
}

impl LiveSettings {
    /// The client configuration with the key, or an error naming `ELECTRICITY_MAP_API_KEY` and where it was looked
    /// for. `what` names the option that needs it (`--live`, `--intensity electricity-maps:DE`).
    pub fn client_config(&self, what: &str) -> anyhow::Result<ClientConfig> {
        self.client_config_with(std::env::var(API_KEY_VAR).ok(), what)
    }

    /// [`Self::client_config`] with the environment's value of the key given (`None`: unset).
    pub fn client_config_with(
        &self,
        env_value: Option<String>,
        what: &str,
    ) -> anyhow::Result<ClientConfig> {
        let key = dotenv::api_key(env_value, &self.env_file)?;
        let Some(key) = key else {
            anyhow::bail!(
                "{what} needs an Electricity Maps API key: set {API_KEY_VAR} in the environment or in {} \
                 (free key at https://portal.electricitymaps.com), or drop {what} to use the offline default",
                self.env_file.display()
            );
        };
        let mut config = ClientConfig::new(self.base_url.clone(), key);
        config.timeout = FETCH_TIMEOUT;
        Ok(config)
    }
}

/// The Electricity Maps intensity source for one zone, with the country-table fallback.
#[derive(Debug, Clone)]
pub struct ElectricityMapsIntensity {
    zone: Zone,
    config: ClientConfig,
}

impl ElectricityMapsIntensity {
    /// A source for `zone` (`DE`, `US-CAL-CISO`...) using `config` (its `Debug` redacts the key).
    pub fn new(zone: Zone, config: ClientConfig) -> Self {
        Self { zone, config }
    }

    /// The zone's country for the fallback: `US-CAL-CISO` → `US`.
    fn country(&self) -> &str {
        self.zone.country_part()
    }

    fn fallback(&self, why: &FetchError) -> Result<Intensity, IntensityError> {
        let mut fallback = CountryIntensitySource::new(self.country()).intensity()?;
        let mut warnings = vec![format!(
            "Electricity Maps intensity for zone {} failed ({why}); fell back to CodeCarbon's country table: \
             {} g CO2eq/kWh for {}",
            self.zone,
            fallback.value.0,
            fallback.zone.as_deref().unwrap_or("the world average")
        )];
        warnings.append(&mut fallback.warnings);
        fallback.warnings = warnings;
        Ok(fallback)
    }
}

impl IntensitySource for ElectricityMapsIntensity {
    fn name(&self) -> &'static str {
        "electricity-maps"
    }

    fn intensity(&self) -> Result<Intensity, IntensityError> {
        match fetch_blocking(&self.config, self.zone.as_str()) {
            Ok(reading) => Ok(Intensity {
                source: "electricity-maps".into(),
                zone: Some(reading.zone),
                value: reading.intensity,
                warnings: vec![],
            }),
            Err(e) => self.fallback(&e),
        }
    }
}

/// Where a run's intensity history comes from (`--live` or `electricity-maps:ZONE`): the zone and the client
/// configuration, API key resolved. [`crate::sci::history`] weights each repetition by it.
#[derive(Debug, Clone)]
pub struct HistorySource {
    pub zone: Zone,
    pub config: ClientConfig,
}

impl HistorySource {
    /// The zone's history (`/v3/carbon-intensity/history`) as `(datetime, intensity)` pairs.
    pub async fn fetch(&self) -> Result<Vec<(String, GramsPerKwh)>, FetchError> {
        let client = ElectricityMapsClient::new(self.config.clone())?;
        let history = client.history(self.zone.as_str()).await?;
        Ok(history
            .into_iter()
            .map(|r| (r.datetime, r.intensity))
            .collect())
    }
}

/// One `latest` fetch on a fresh thread and current-thread runtime (the client is built there too, so no connection
/// pool outlives its runtime).
fn fetch_blocking(config: &ClientConfig, zone: &str) -> Result<Reading, FetchError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| FetchError::Network(format!("cannot start a tokio runtime: {e}")))?;
            rt.block_on(async {
                ElectricityMapsClient::new(config.clone())?
                    .latest(zone)
                    .await
            })
        })
        .join()
        .unwrap_or_else(|_| Err(FetchError::Network("the fetch thread panicked".into())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(z: &str) -> Zone {
        Zone::parse(z).expect("zone")
    }
    use axum::http::StatusCode;
    use std::net::{Ipv4Addr, SocketAddr};
    use workloads::intensity::mock_grid::{self, MockGridConfig};

    const LOCAL: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

    fn config(base_url: String, key: &str) -> ClientConfig {
        let mut c = ClientConfig::new(base_url, key);
        c.retries = 1;
        c.backoff = Duration::from_millis(10);
        c
    }

    async fn mock_grid_requiring(key: &str) -> mock_grid::MockGrid {
        let cfg = MockGridConfig {
            api_key: Some(key.into()),
            ..MockGridConfig::default()
        };
        mock_grid::spawn(cfg, LOCAL).await.expect("mock grid")
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_successful_fetch_is_labelled_electricity_maps() {
        let grid = mock_grid_requiring("good").await;
        let src = ElectricityMapsIntensity::new(zone("DE"), config(grid.server.base_url(), "good"));
        let i = src.intensity().expect("intensity");
        assert_eq!(i.source, "electricity-maps");
        assert_eq!(i.zone.as_deref(), Some("DE"));
        assert_eq!(i.value, energy::carbon::table::intensity_or_world("DE"));
        assert!(i.warnings.is_empty(), "{:?}", i.warnings);
        grid.server.shutdown().await.expect("shutdown");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_refused_key_falls_back_to_the_country_table_with_a_warning() {
        let grid = mock_grid_requiring("good").await;
        let src =
            ElectricityMapsIntensity::new(zone("FR"), config(grid.server.base_url(), "wrong"));
        let i = src.intensity().expect("falls back, no error");
        assert_eq!(
            (i.source.as_str(), i.zone.as_deref()),
            ("country", Some("FRA"))
        );
        assert_eq!(i.value, energy::carbon::table::intensity_or_world("FRA"));
        let w = i.warnings.join("\n");
        assert!(
            w.contains("zone FR failed") && w.contains("rejected") && w.contains("country table"),
            "{w}"
        );
        grid.server.shutdown().await.expect("shutdown");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_server_error_falls_back_after_the_retries() {
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = hits.clone();
        let router = axum::Router::new().route(
            "/v3/carbon-intensity/latest",
            axum::routing::get(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }
            }),
        );
        let server = workloads::server::spawn(LOCAL, router)
            .await
            .expect("server");
        let src =
            ElectricityMapsIntensity::new(zone("US-CAL-CISO"), config(server.base_url(), "k"));
        let i = src.intensity().expect("falls back");
        assert_eq!(
            (i.source.as_str(), i.zone.as_deref()),
            ("country", Some("USA"))
        );
        assert!(i.warnings[0].contains("HTTP 500"), "{:?}", i.warnings);
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::Relaxed),
            2,
            "one try and one retry"
        );
        server.shutdown().await.expect("shutdown");
    }

    #[test]
    fn a_missing_key_is_an_error_naming_the_variable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live = LiveSettings {
            base_url: "http://127.0.0.1:9".into(),
            env_file: dir.path().join(".env"),
        };
        let e = live.client_config_with(None, "--live").expect_err("no key");
        let msg = e.to_string();
        assert!(
            msg.contains("--live") && msg.contains(API_KEY_VAR) && msg.contains(".env"),
            "{msg}"
        );
        std::fs::write(
            dir.path().join(".env"),
            format!("{API_KEY_VAR}=from-file\n"),
        )
        .expect("write");
        let c = live
            .client_config_with(None, "--live")
            .expect("key from .env");
        assert_eq!(
            (c.api_key.as_str(), c.timeout),
            ("from-file", FETCH_TIMEOUT)
        );
    }
}
