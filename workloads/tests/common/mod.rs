//! Shared helpers for the app tests: local upstreams on 127.0.0.1:0 and an app wired to them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;
use workloads::app::{AppState, router};
use workloads::intensity::Source;
use workloads::intensity::cache::IntensityService;
use workloads::intensity::client::{ClientConfig, ElectricityMapsClient};
use workloads::server::{self, ServerHandle};

pub const KEY: &str = "test-key-7f3a9c";

pub fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// App state calling `base_url` with `key`, with the given TTL, timeout and retries.
pub fn state(
    base_url: &str,
    key: &str,
    ttl: Duration,
    timeout: Duration,
    retries: u32,
) -> AppState {
    let cfg = ClientConfig {
        timeout,
        retries,
        backoff: Duration::from_millis(10),
        ..ClientConfig::new(base_url, key)
    };
    let client = ElectricityMapsClient::new(cfg).unwrap();
    let service = Arc::new(IntensityService::new(client, Source::ElectricityMaps, ttl));
    AppState::new(service, "DE").unwrap()
}

/// An upstream answering every request with `status` and `body`, recording request headers.
pub async fn canned(
    status: StatusCode,
    body: &'static str,
    extra: &'static [(&'static str, &'static str)],
) -> (ServerHandle, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let handler = move |headers: HeaderMap| {
        let seen = seen2.clone();
        async move {
            seen.lock().unwrap().push(headers);
            let mut response = (status, body).into_response();
            for (k, v) in extra {
                response.headers_mut().insert(*k, v.parse().unwrap());
            }
            response
        }
    };
    let app = Router::new().route("/v3/carbon-intensity/latest", get(handler));
    (server::spawn(local(), app).await.unwrap(), seen)
}

/// Sends one request through the router (no socket) and returns status, headers and body text.
pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    accept: Option<&str>,
    body: Body,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let response = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub async fn get_json(app: &Router, uri: &str) -> (StatusCode, HeaderMap, serde_json::Value) {
    let (s, h, b) = call(app, "GET", uri, Some("application/json"), Body::empty()).await;
    (
        s,
        h,
        serde_json::from_str(&b).unwrap_or(serde_json::Value::String(b)),
    )
}

pub fn app_for(state: AppState) -> Router {
    router(state)
}
