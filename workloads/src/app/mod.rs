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

use crate::intensity::cache::IntensityService;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
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

/// Everything handlers need. Cheap to clone (all `Arc`s). Other workloads add their own optional fields here
/// (for example a classifier or a chat client) and their routes under [`routes`].
#[derive(Debug, Clone)]
pub struct AppState {
    /// Carbon-intensity client with its cache.
    pub intensity: Arc<IntensityService>,
    /// Zone served when the request names none.
    pub zone: Arc<str>,
    /// Metrics registry and families.
    pub metrics: Arc<Metrics>,
    /// Chaos knobs.
    pub chaos: Chaos,
}

impl AppState {
    /// State with the given intensity service and default zone, fresh metrics and no chaos.
    pub fn new(intensity: Arc<IntensityService>, zone: &str) -> prometheus::Result<Self> {
        Ok(Self { intensity, zone: Arc::from(zone), metrics: Arc::new(Metrics::new()?), chaos: Chaos::default() })
    }
}

/// The app: all routes, the 404 fallback, request metrics and the body limit.
pub fn router(state: AppState) -> Router {
    routes::all()
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), track))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .with_state(state)
}

/// Counts every response with its route template and real status, and times it.
async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let endpoint = Endpoint::from_path(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(endpoint, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
