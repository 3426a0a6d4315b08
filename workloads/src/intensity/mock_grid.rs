//! A local stand-in for the Electricity Maps v3 API (`workloads mock-grid`, and the app's offline default).
//!
//! `GET /v3/carbon-intensity/latest?zone=XX` with the `auth-token` header answers like the real API
//! (`zone`, `carbonIntensity`, `datetime`, `updatedAt`, `emissionFactorType`, `isEstimated`). Values are
//! deterministic per zone: CodeCarbon's country table ([`energy::carbon::table`]) by ISO-2/ISO-3 code, using the part
//! before the first `-` of sub-zones such as `SE-SE3`. A wrong key gets 401; optional injected latency and a share of
//! 429/500 failures (seeded) exercise clients. It counts the requests it served, for cache tests.
//!
//! `GET /v3/carbon-intensity/history?zone=XX` answers `{"zone", "history": [...]}` like the real API: the last
//! [`HISTORY_LEN`] intervals, oldest first, the last one containing now. The intervals are an hour long like the API's
//! (or [`MockGridConfig::history_interval`], so a test can span two in a second), and each interval's value is the
//! zone's table value times [`HISTORY_PATTERN`] at the interval's index (Unix time ÷ interval length, modulo 4): a
//! deterministic history in which neighbouring intervals always differ.

use crate::server::{self, ServerHandle};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Mock grid settings.
#[derive(Debug, Clone, Default)]
pub struct MockGridConfig {
    /// Required `auth-token`; `None` accepts any (or no) token.
    pub api_key: Option<String>,
    /// Delay before every answer.
    pub latency: Duration,
    /// Share of requests (0..=1) answered with an injected 429 or 500.
    pub error_rate: f64,
    /// Seed for the failure draws (same seed, same sequence).
    pub seed: u64,
    /// Length of the history's intervals; `None`: one hour, as the API's hourly history.
    pub history_interval: Option<Duration>,
}

/// Entries in a history answer (the API's free tier gives the last 24 hours, hourly).
pub const HISTORY_LEN: u64 = 24;
/// Multipliers of the table value by interval index modulo 4.
pub const HISTORY_PATTERN: [f64; 4] = [1.0, 0.9, 1.1, 0.95];

/// A running mock grid: its handle plus its request counter.
#[derive(Debug)]
pub struct MockGrid {
    /// The server.
    pub server: ServerHandle,
    /// Requests it has answered (any status).
    pub requests: Arc<AtomicU64>,
}

#[derive(Debug)]
struct GridState {
    config: MockGridConfig,
    rng: Mutex<ChaCha8Rng>,
    requests: Arc<AtomicU64>,
}

/// The mock grid's router and its request counter.
pub fn router(config: MockGridConfig) -> (Router, Arc<AtomicU64>) {
    let requests = Arc::new(AtomicU64::new(0));
    let rng = Mutex::new(ChaCha8Rng::seed_from_u64(config.seed));
    let state = Arc::new(GridState {
        config,
        rng,
        requests: requests.clone(),
    });
    let router = Router::new()
        .route("/v3/carbon-intensity/latest", get(latest))
        .route("/v3/carbon-intensity/history", get(history))
        .with_state(state);
    (router, requests)
}

/// Binds `addr` (port 0 allowed) and serves the mock grid.
pub async fn spawn(config: MockGridConfig, addr: SocketAddr) -> std::io::Result<MockGrid> {
    let (router, requests) = router(config);
    Ok(MockGrid {
        server: server::spawn(addr, router).await?,
        requests,
    })
}

#[derive(Debug, Deserialize)]
struct ZoneQuery {
    zone: Option<String>,
}

async fn latest(
    State(state): State<Arc<GridState>>,
    headers: HeaderMap,
    Query(q): Query<ZoneQuery>,
) -> Response {
    if let Some(refused) = gate(&state, &headers).await {
        return refused;
    }
    let zone = q.zone.unwrap_or_default();
    match lookup(&zone) {
        Some(intensity) => Json(body_for(&zone, intensity)).into_response(),
        None => unknown_zone(&zone),
    }
}

/// Counts the request, waits the configured latency, then refuses a wrong key or injects a failure.
async fn gate(state: &GridState, headers: &HeaderMap) -> Option<Response> {
    state.requests.fetch_add(1, Ordering::Relaxed);
    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }
    if let Some(want) = &state.config.api_key {
        let given = headers.get("auth-token").and_then(|v| v.to_str().ok());
        if given != Some(want.as_str()) {
            let body = json!({"error": "Unauthorized", "message": "Invalid auth-token"});
            return Some((StatusCode::UNAUTHORIZED, Json(body)).into_response());
        }
    }
    injected_failure(state)
}

fn unknown_zone(zone: &str) -> Response {
    let body = json!({"error": "Not Found", "message": format!("Zone '{zone}' is not known to the mock grid")});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn history(
    State(state): State<Arc<GridState>>,
    headers: HeaderMap,
    Query(q): Query<ZoneQuery>,
) -> Response {
    if let Some(refused) = gate(&state, &headers).await {
        return refused;
    }
    let zone = q.zone.unwrap_or_default();
    let Some(base) = lookup(&zone) else {
        return unknown_zone(&zone);
    };
    let interval = state
        .config
        .history_interval
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(3600));
    let entries = history_entries(&zone, base, interval, jiff::Timestamp::now());
    Json(json!({"zone": zone, "history": entries})).into_response()
}

/// The [`HISTORY_LEN`] intervals of `interval` ending with the one that contains `now`, oldest first.
pub fn history_entries(
    zone: &str,
    base: f64,
    interval: Duration,
    now: jiff::Timestamp,
) -> Vec<serde_json::Value> {
    let step = i128::try_from(interval.as_nanos())
        .unwrap_or(i128::MAX)
        .max(1);
    let current = now.as_nanosecond().div_euclid(step);
    (current - i128::from(HISTORY_LEN) + 1..=current)
        .map(|index| {
            let start = jiff::Timestamp::from_nanosecond(index * step)
                .map(|t| t.to_string())
                .unwrap_or_default();
            let factor = HISTORY_PATTERN[index.rem_euclid(4) as usize];
            json!({
                "zone": zone,
                "carbonIntensity": base * factor,
                "datetime": start,
                "updatedAt": now.to_string(),
                "emissionFactorType": "lifecycle",
                "isEstimated": true,
                "estimationMethod": "mock-grid: CodeCarbon country table × a fixed pattern",
            })
        })
        .collect()
}

fn injected_failure(state: &GridState) -> Option<Response> {
    if state.config.error_rate <= 0.0 {
        return None;
    }
    let mut rng = state.rng.lock().unwrap_or_else(|p| p.into_inner());
    if rng.random::<f64>() >= state.config.error_rate {
        return None;
    }
    let response = if rng.random::<bool>() {
        let mut r = (StatusCode::TOO_MANY_REQUESTS, Json(json!({"error": "Too Many Requests", "message": "injected by mock-grid --error-rate"}))).into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        r
    } else {
        let body = json!({"error": "Internal Server Error", "message": "injected by mock-grid --error-rate"});
        (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
    };
    Some(response)
}

/// The mock grid's intensity for a zone, `None` when the zone maps to no country.
pub fn lookup(zone: &str) -> Option<f64> {
    let zone = energy::carbon::Zone::parse(zone).ok()?;
    energy::carbon::table::intensity(zone.country_part()).map(|c| c.intensity.0)
}

fn body_for(zone: &str, intensity: f64) -> serde_json::Value {
    let now = jiff::Timestamp::now();
    let hour = now.as_second() - now.as_second().rem_euclid(3600);
    let datetime = jiff::Timestamp::from_second(hour)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| now.to_string());
    json!({
        "zone": zone,
        "carbonIntensity": intensity,
        "datetime": datetime,
        "updatedAt": now.to_string(),
        "emissionFactorType": "lifecycle",
        "isEstimated": true,
        "estimationMethod": "mock-grid: CodeCarbon country table",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_ends_with_the_interval_containing_now_and_neighbours_differ() {
        let now: jiff::Timestamp = "2026-01-01T10:00:01.3Z".parse().expect("ts");
        let h = history_entries("DE", 400.0, Duration::from_millis(500), now);
        assert_eq!(h.len() as u64, HISTORY_LEN);
        let last: jiff::Timestamp = h[h.len() - 1]["datetime"]
            .as_str()
            .expect("datetime")
            .parse()
            .expect("rfc 3339");
        assert_eq!(last.to_string(), "2026-01-01T10:00:01Z");
        let first: jiff::Timestamp = h[0]["datetime"].as_str().expect("dt").parse().expect("ts");
        assert_eq!(last.duration_since(first).as_millis(), 23 * 500);
        let values: Vec<f64> = h
            .iter()
            .map(|e| e["carbonIntensity"].as_f64().expect("value"))
            .collect();
        assert!(values.windows(2).all(|w| w[0] != w[1]), "{values:?}");
        assert!(
            values
                .iter()
                .all(|v| HISTORY_PATTERN.iter().any(|f| (400.0 * f - v).abs() < 1e-9))
        );
    }
}
