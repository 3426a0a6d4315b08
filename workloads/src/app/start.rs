//! Build the app's state from a [`ServeConfig`] and start it: the library side of `workloads serve`.
//!
//! With an API key the app calls `base_url` (Electricity Maps by default). Without one it starts the built-in mock
//! grid on `127.0.0.1:0`, labels every value `source: "mock"`, and logs a warning once.
//!
//! It also loads the predict model ([`ModelChoice`]), builds the chat service (the LLM is only contacted per request;
//! with `builtin_mock_llm` a mock LLM is started on `127.0.0.1:0` and used instead of `chat.llm_url`), and starts the
//! live energy sampler ([`super::energy_metrics`]) with the process model meter, whose g/kWh starts from the country
//! table for the configured zone and follows `/carbon_intensity` for that zone afterwards.

use super::energy_metrics::{self, EnergyMetrics, SamplerHandle};
use super::{AppState, Chaos, router};
use crate::chat::emissions::ChatSettings;
use crate::chat::mock_llm::{self, MockLlmConfig, MockLlmServer};
use crate::intensity::cache::{DEFAULT_TTL, IntensityService};
use crate::intensity::client::{ClientConfig, ElectricityMapsClient};
use crate::intensity::mock_grid::{self, MockGrid, MockGridConfig};
use crate::intensity::{DEFAULT_BASE_URL, Source};
use crate::predict::Classifier;
use crate::predict::bert::BertClassifier;
use crate::predict::tiny::TinyClassifier;
use crate::server::{self, ServerHandle};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// The predict model.
    pub model: ModelChoice,
    /// LLM URL, provider, model and timeout of the chat routes.
    pub chat: ChatSettings,
    /// Start a mock LLM in-process and point the chat routes at it (ignores `chat.llm_url`).
    pub builtin_mock_llm: bool,
    /// Live energy sampling period; `None` turns the sampler (and its metrics) off.
    pub energy_period: Option<Duration>,
}

/// Which classifier `/predict` uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelChoice {
    /// The `tiny` model embedded in the binary.
    TinyEmbedded,
    /// A `tiny` model folder written by `workloads train --backend tiny --out DIR`.
    TinyDir(PathBuf),
    /// A BERT-family checkpoint folder and its head file (`None` = `head.safetensors` in the folder).
    Bert(PathBuf, Option<PathBuf>),
}

impl ModelChoice {
    /// Loads the classifier (reading and checking every file now, so a bad folder fails at start-up).
    pub fn load(&self) -> anyhow::Result<Arc<dyn Classifier>> {
        Ok(match self {
            ModelChoice::TinyEmbedded => Arc::new(TinyClassifier::embedded()?),
            ModelChoice::TinyDir(dir) => Arc::new(
                TinyClassifier::load(dir).with_context(|| format!("loading the tiny model from {}", dir.display()))?,
            ),
            ModelChoice::Bert(dir, head) => Arc::new(BertClassifier::load(dir, head.as_deref()).with_context(|| {
                format!(
                    "loading the bert model from {} (it needs config.json, model.safetensors, tokenizer.json and a \
                     head trained by `workloads train --backend bert --model-dir {0}`, or pass --head FILE)",
                    dir.display()
                )
            })?),
        })
    }
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("addr", &self.addr)
            .field("zone", &self.zone)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &crate::redact::url(&self.base_url))
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("cache_ttl", &self.cache_ttl)
            .field("chaos", &self.chaos)
            .field("model", &self.model)
            .field("chat", &self.chat)
            .field("builtin_mock_llm", &self.builtin_mock_llm)
            .field("energy_period", &self.energy_period)
            .finish()
    }
}

impl ServeConfig {
    /// Defaults: `127.0.0.1:8001`, zone `DE`, no key, public API URL, 5 s timeout, 2 retries, 60 s TTL, no chaos,
    /// the embedded `tiny` model, the default chat settings, live energy sampled every second.
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
            model: ModelChoice::TinyEmbedded,
            chat: ChatSettings::default(),
            builtin_mock_llm: false,
            energy_period: Some(energy_metrics::DEFAULT_PERIOD),
        }
    }
}

/// A running app and what it started beside it.
#[derive(Debug)]
pub struct RunningApp {
    /// The app server.
    pub server: ServerHandle,
    /// The built-in mock grid, when no key was given.
    pub mock_grid: Option<MockGrid>,
    /// The built-in mock LLM, when asked for.
    pub mock_llm: Option<MockLlmServer>,
    /// The live energy sampler, unless turned off.
    pub sampler: Option<SamplerHandle>,
    /// The classifier's name (`tiny`, `bert:all-MiniLM-L6-v2`).
    pub model_name: String,
    /// The URL the chat routes call.
    pub llm_url: String,
}

impl RunningApp {
    /// Stops the app, then the sampler and the mock servers.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.server.shutdown().await?;
        if let Some(sampler) = self.sampler {
            sampler.stop();
        }
        if let Some(grid) = self.mock_grid {
            grid.server.shutdown().await?;
        }
        if let Some(llm) = self.mock_llm {
            llm.shutdown().await?;
        }
        Ok(())
    }
}

/// Builds the state (starting the mock servers and the sampler as configured) and serves the app on `config.addr`.
pub async fn start(config: &ServeConfig) -> anyhow::Result<RunningApp> {
    let classifier = config.model.load()?;
    let mut chat = config.chat.clone();
    let mock_llm = if config.builtin_mock_llm {
        let llm = mock_llm::start("127.0.0.1:0", MockLlmConfig::default()).await?;
        chat.llm_url = llm.url();
        Some(llm)
    } else {
        None
    };
    let (mut state, mock_grid) = build_state(config, classifier, &chat).await?;
    let sampler = match config.energy_period {
        Some(period) => {
            let (energy, sampler) = start_sampler(&state, &config.zone, period)?;
            state.energy = Some(energy);
            Some(sampler)
        }
        None => None,
    };
    let model_name = state.classifier.model_name().to_owned();
    let server = server::spawn(config.addr, router(state)).await?;
    Ok(RunningApp {
        server,
        mock_grid,
        mock_llm,
        sampler,
        model_name,
        llm_url: chat.llm_url,
    })
}

/// Registers the live energy metrics on the app's registry and starts sampling the process model meter.
fn start_sampler(
    state: &AppState,
    zone: &str,
    period: Duration,
) -> anyhow::Result<(EnergyMetrics, SamplerHandle)> {
    if period.is_zero() {
        anyhow::bail!(
            "--energy-period must be greater than 0 (or pass --no-energy to turn the sampler off)"
        );
    }
    let meter =
        energy_metrics::process_model_meter().context("starting the live energy model meter")?;
    let energy = EnergyMetrics::register(state.metrics.registry(), "model")?;
    energy.set_intensity(energy::carbon::table::intensity_or_world(zone));
    let sampler = energy_metrics::spawn_sampler(energy.clone(), Box::new(meter), period)
        .context("starting the live energy sampler")?;
    Ok((energy, sampler))
}

/// The app state for `config` with this classifier and chat settings, plus the mock grid it started when no key
/// was configured.
pub async fn build_state(
    config: &ServeConfig,
    classifier: Arc<dyn Classifier>,
    chat: &ChatSettings,
) -> anyhow::Result<(AppState, Option<MockGrid>)> {
    let (client_config, source, grid) = match &config.api_key {
        Some(key) => (
            ClientConfig::new(&config.base_url, key),
            Source::ElectricityMaps,
            None,
        ),
        None => {
            tracing::warn!(
                "no ELECTRICITY_MAP_API_KEY configured: serving carbon intensity from the built-in mock grid"
            );
            let grid = mock_grid::spawn(
                MockGridConfig::default(),
                SocketAddr::from(([127, 0, 0, 1], 0)),
            )
            .await?;
            (
                ClientConfig::new(grid.server.base_url(), "mock"),
                Source::Mock,
                Some(grid),
            )
        }
    };
    let client_config = ClientConfig {
        timeout: config.timeout,
        retries: config.retries,
        ..client_config
    };
    let client = ElectricityMapsClient::new(client_config)?;
    let service = Arc::new(IntensityService::new(client, source, config.cache_ttl));
    let mut state = AppState::with(service, &config.zone, classifier, chat)?;
    state.chaos = config.chaos;
    Ok((state, grid))
}
