//! The workshop app: `router(state) -> Router`, with its state, metrics, errors and pages.
//!
//! | module | what |
//! |---|---|
//! | [`routes`] | one file per route group; `routes::all()` merges them |
//! | [`metrics`] | Prometheus registry, `Endpoint` label enum, request tracking |
//! | [`error`] | `AppError` (status mapping) and response `Format` negotiation |
//! | [`pages`] | small escaped HTML pages |
//! | [`energy_metrics`] | live process power, energy and emissions on `/metrics` (embedded meter sampler) |
//! | [`start`] | `ServeConfig` → running app (and the mock grid when no key is set) |
//!
//! Routing matches the path only (query strings never cause a 404); unknown paths get 404, wrong methods 405,
//! request bodies over [`BODY_LIMIT_BYTES`] get 413. Every response is counted in `requests_total` with its real status.

pub mod energy_metrics;
pub mod error;
pub mod metrics;
pub mod pages;
pub mod routes;
pub mod start;

use crate::chat::emissions::{ChatService, ChatSettings};
use crate::intensity::cache::IntensityService;
use crate::predict::Classifier;
use crate::predict::tiny::TinyClassifier;
use axum::Router;
use axum::extract::{FromRef, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use energy_metrics::EnergyMetrics;
use metrics::{Endpoint, Metrics};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest request body accepted.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// The workshop's chaos knobs, off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Chaos {
    /// Uniform random delay in `0..max` before the work of `/carbon_intensity`.
    pub latency_max: Duration,
    /// Share (0..=1) of `/carbon_intensity` requests answered 503 without calling upstream.
    pub error_rate: f64,
}

/// Everything handlers need. Cheap to clone (all `Arc`s). A workload adds its field here and its routes under
/// [`routes`].
#[derive(Clone)]
pub struct AppState {
    /// Carbon-intensity client with its cache.
    pub intensity: Arc<IntensityService>,
    /// Zone served when the request names none.
    pub zone: Arc<str>,
    /// Metrics registry and families.
    pub metrics: Arc<Metrics>,
    /// Chaos knobs.
    pub chaos: Chaos,
    /// The predict workload's classifier (loaded once, shared by every request).
    pub classifier: Arc<dyn Classifier>,
    /// The chat workload: LLM client, impact estimator and `llm_*` counters.
    pub chat: Arc<ChatService>,
    /// Live energy metrics, when the sampler runs: the intensity route keeps their g/kWh current.
    pub energy: Option<EnergyMetrics>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("zone", &self.zone)
            .field("chaos", &self.chaos)
            .field("classifier", &self.classifier.model_name())
            .field("chat", &self.chat)
            .field("energy", &self.energy.is_some())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State with the given intensity service and default zone, fresh metrics, no chaos, the embedded `tiny`
    /// classifier, and the default chat settings (LLM at `http://127.0.0.1:8002`, openai / gpt-4o-mini; the LLM is
    /// not contacted until a chat request comes).
    pub fn new(intensity: Arc<IntensityService>, zone: &str) -> anyhow::Result<Self> {
        Self::with(
            intensity,
            zone,
            Arc::new(TinyClassifier::embedded()?),
            &ChatSettings::default(),
        )
    }

    /// State with the given classifier and chat settings (the chat counters are registered on the fresh metrics
    /// registry); no chaos, no live energy.
    pub fn with(
        intensity: Arc<IntensityService>,
        zone: &str,
        classifier: Arc<dyn Classifier>,
        chat: &ChatSettings,
    ) -> anyhow::Result<Self> {
        let metrics = Arc::new(Metrics::new()?);
        let chat = Arc::new(chat.service(metrics.registry())?);
        Ok(Self {
            intensity,
            zone: Arc::from(zone),
            metrics,
            chaos: Chaos::default(),
            classifier,
            chat,
            energy: None,
        })
    }
}

impl FromRef<AppState> for Arc<ChatService> {
    fn from_ref(state: &AppState) -> Self {
        state.chat.clone()
    }
}

/// The app: all routes, the 404 fallback, request metrics and the body limit.
pub fn router(state: AppState) -> Router {
    // `track` is the outer layer, so the body limit's own 413s are counted in `requests_total` too.
    routes::all()
        .fallback(routes::not_found)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            BODY_LIMIT_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            track,
        ))
        .with_state(state)
}

/// Counts every response with its route template and real status, and times it.
async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let endpoint = Endpoint::from_path(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(
        endpoint,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
