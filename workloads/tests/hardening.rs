//! Issue #15 regressions of the app: bounded upstream bodies, scrubbed upstream text, no URL credentials or internal
//! URLs in answers, bounded zone cardinality. Upstreams are raw TCP servers on 127.0.0.1:0 so a test controls every
//! byte (a 300 MB body is streamed lazily, never built in memory).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::*;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use workloads::app::{AppState, router};
use workloads::chat::emissions::ChatSettings;
use workloads::intensity::Source;
use workloads::intensity::cache::{IntensityService, MAX_ZONES};
use workloads::intensity::client::{ClientConfig, ElectricityMapsClient};
use workloads::intensity::mock_grid::{self, MockGridConfig};

const BIG: u64 = 300 * 1024 * 1024;

/// What the raw upstream sends after reading a request head.
#[derive(Clone)]
enum Answer {
    /// `status` with `body`.
    Fixed(u16, String),
    /// 200 with `len` bytes of `x` (after `prefix`), announced by `Content-Length` or not (then `Connection: close`).
    Huge {
        len: u64,
        announce: bool,
        prefix: &'static str,
    },
}

async fn raw_upstream(answer: Answer) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                // A POST body (chat) may follow; it is small and ignored.
                match answer {
                    Answer::Fixed(status, body) => {
                        let resp = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(resp.as_bytes()).await;
                    }
                    Answer::Huge {
                        len,
                        announce,
                        prefix,
                    } => {
                        let length = if announce {
                            format!("content-length: {}\r\n", len + prefix.len() as u64)
                        } else {
                            String::new()
                        };
                        let h = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n{prefix}"
                        );
                        if sock.write_all(h.as_bytes()).await.is_err() {
                            return;
                        }
                        let chunk = vec![b'x'; 64 * 1024];
                        let mut sent = 0u64;
                        while sent < len {
                            if sock.write_all(&chunk).await.is_err() {
                                return; // the client stopped reading: what we want
                            }
                            sent += chunk.len() as u64;
                        }
                    }
                }
            });
        }
    });
    addr
}

fn intensity_app(base: &str) -> (axum::Router, Arc<IntensityService>, AppState) {
    let cfg = ClientConfig {
        timeout: Duration::from_secs(20),
        retries: 0,
        ..ClientConfig::new(base, KEY)
    };
    let service = Arc::new(IntensityService::new(
        ElectricityMapsClient::new(cfg).unwrap(),
        Source::ElectricityMaps,
        Duration::from_secs(60),
    ));
    let state = AppState::new(service.clone(), "DE").unwrap();
    (router(state.clone()), service, state)
}

fn chat_app(llm_url: &str) -> axum::Router {
    let grid = ClientConfig::new("http://127.0.0.1:9", KEY);
    let service = Arc::new(IntensityService::new(
        ElectricityMapsClient::new(grid).unwrap(),
        Source::Mock,
        Duration::from_secs(60),
    ));
    let settings = ChatSettings {
        llm_url: llm_url.to_string(),
        timeout: Duration::from_secs(20),
        ..ChatSettings::default()
    };
    let classifier = Arc::new(workloads::predict::tiny::TinyClassifier::embedded().unwrap());
    router(AppState::with(service, "DE", classifier, &settings).unwrap())
}

/// A 300 MB answer (streamed, or announced by Content-Length) is a 502 "upstream answer too large" under 4 KB.
#[tokio::test]
async fn a_huge_grid_answer_is_a_small_502() {
    for announce in [false, true] {
        let addr = raw_upstream(Answer::Huge {
            len: BIG,
            announce,
            prefix: "{\"zone\":\"",
        })
        .await;
        let (app, _, _) = intensity_app(&format!("http://{addr}"));
        for accept in [Some("application/json"), None] {
            let (status, _, body) =
                call(&app, "GET", "/carbon_intensity", accept, Body::empty()).await;
            assert_eq!(status, StatusCode::BAD_GATEWAY, "announce={announce}");
            assert!(body.len() < 4096, "{} bytes", body.len());
            assert!(body.contains("upstream answer too large"), "{body}");
        }
    }
}

#[tokio::test]
async fn a_huge_llm_answer_is_a_small_502() {
    for announce in [false, true] {
        let addr = raw_upstream(Answer::Huge {
            len: BIG,
            announce,
            prefix: "{\"id\":\"",
        })
        .await;
        let app = chat_app(&format!("http://{addr}"));
        let (status, _, body) =
            call(&app, "GET", "/chat_emissions?text=hi", None, Body::empty()).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
        assert!(body.len() < 4096, "{} bytes", body.len());
        assert!(body.contains("upstream answer too large"), "{body}");
    }
}

/// A 900 KB error message that also echoes the key: cut to 200 characters, the key masked, in JSON and HTML.
#[tokio::test]
async fn upstream_error_text_is_cut_and_scrubbed() {
    // Under the 1 MiB body cap (a 5 MB one is "too large", above), far over the 200-character text cap.
    let message = format!("bad auth-token {KEY} {}", "y".repeat(900 * 1024));
    let body = serde_json::json!({ "message": message }).to_string();
    let addr = raw_upstream(Answer::Fixed(400, body)).await;
    let (app, _, _) = intensity_app(&format!("http://{addr}"));
    for accept in [Some("application/json"), None] {
        let (status, _, body) = call(&app, "GET", "/carbon_intensity", accept, Body::empty()).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert!(body.len() < 4096, "{} bytes", body.len());
        assert!(!body.contains(KEY), "the key leaked: {body}");
        assert!(body.contains("bad auth-token"), "{body}");
    }
}

/// The LLM's URL (with credentials) is internal: no 502 body and no /chat page shows it or its password.
#[tokio::test]
async fn llm_errors_show_neither_the_url_nor_its_password() {
    let echo = "{\"error\":{\"message\":\"denied for http://bob:llm-Pa55@h/ and llm-Pa55\"}}";
    let addr = raw_upstream(Answer::Fixed(500, echo.into())).await;
    let url = format!("http://bob:llm-Pa55@{addr}");
    let app = chat_app(&url);
    for uri in ["/chat_emissions?text=hi", "/chat?text=hi"] {
        let (status, _, body) = call(&app, "GET", uri, None, Body::empty()).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{uri}: {body}");
        assert!(!body.contains("llm-Pa55"), "{uri}: password leaked: {body}");
        assert!(
            !body.contains(&addr.to_string()),
            "{uri}: internal URL shown: {body}"
        );
    }
    // Down: the connection error does not name the URL either.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let down = listener.local_addr().unwrap();
    drop(listener);
    let app = chat_app(&format!("http://bob:llm-Pa55@{down}"));
    let (status, _, body) = call(&app, "GET", "/chat_emissions?text=hi", None, Body::empty()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        !body.contains("llm-Pa55") && !body.contains(&down.to_string()),
        "{body}"
    );
}

/// 2,000 distinct zones (the mock grid answers any `DE-<x>`) keep the cache and the gauge at [`MAX_ZONES`].
#[tokio::test]
async fn two_thousand_zones_keep_cache_and_series_bounded() {
    let g = mock_grid::spawn(MockGridConfig::default(), local())
        .await
        .unwrap();
    let (app, service, _) = intensity_app(&g.server.base_url());
    for i in 0..2_000 {
        let (status, _, _) = get_json(&app, &format!("/carbon_intensity?zone=DE-Z{i}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert!(
        service.cached_zones() <= MAX_ZONES,
        "{}",
        service.cached_zones()
    );
    let (_, _, metrics) = call(&app, "GET", "/metrics", None, Body::empty()).await;
    let series = metrics
        .lines()
        .filter(|l| l.starts_with("carbon_intensity_g_per_kwh{"))
        .count();
    assert_eq!(series, MAX_ZONES, "series");
    assert!(metrics.contains("zone=\"DE-Z1999\""));
}

/// Invalid UTF-8 and `%+4` are 400s on every route that reads text, and nothing is sent upstream.
#[tokio::test]
async fn bad_percent_encoding_is_a_400_on_chat_and_predict() {
    let addr = raw_upstream(Answer::Fixed(500, "{}".into())).await; // contacted → 502, not 400
    let app = chat_app(&format!("http://{addr}"));
    for uri in [
        "/chat_emissions?text=%FF%FE",
        "/chat?text=%FF",
        "/chat_emissions?text=%+4",
        "/predict_carbon_intensity?text=%+4",
        "/predict?text=%-1",
    ] {
        let (status, _, body) = call(&app, "GET", uri, None, Body::empty()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    }
    let (status, headers, body) = get_json(&app, "/chat_emissions?text=%FF").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(headers["content-type"].to_str().unwrap().contains("json"));
    assert_eq!(body["error"], 400, "{body}");
}

/// A duplicate `zone` gets a JSON 400 when JSON was asked for (it was a text/plain serde rejection).
#[tokio::test]
async fn a_duplicate_zone_is_a_json_400() {
    let g = mock_grid::spawn(MockGridConfig::default(), local())
        .await
        .unwrap();
    let (app, _, _) = intensity_app(&g.server.base_url());
    let (status, headers, body) = get_json(&app, "/carbon_intensity?zone=DE&zone=FR").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(headers["content-type"].to_str().unwrap().contains("json"));
    assert!(body["message"].as_str().unwrap().contains("zone"), "{body}");
}

/// The body limit's 413 is counted in `requests_total` like every other answer.
#[tokio::test]
async fn body_limit_413s_are_counted() {
    let g = mock_grid::spawn(MockGridConfig::default(), local())
        .await
        .unwrap();
    let (app, _, _) = intensity_app(&g.server.base_url());
    let big = vec![b'a'; workloads::app::BODY_LIMIT_BYTES + 1];
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/predict_carbon_intensity")
        .header("content-length", big.len())
        .body(Body::from(big))
        .unwrap();
    let resp = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (_, _, metrics) = call(&app, "GET", "/metrics", None, Body::empty()).await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("requests_total{") && l.contains("status=\"413\"")),
        "{metrics}"
    );
}
