//! Route tests through `router(state).oneshot(..)` with upstreams on 127.0.0.1:0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::*;
use std::sync::atomic::Ordering;
use std::time::Duration;
use workloads::app::Chaos;
use workloads::intensity::mock_grid::{self, MockGridConfig};

const LONG: Duration = Duration::from_secs(60);
const T: Duration = Duration::from_secs(2);

async fn grid(config: MockGridConfig) -> mock_grid::MockGrid {
    mock_grid::spawn(config, local()).await.unwrap()
}

#[tokio::test]
async fn happy_path_json_then_cached() {
    let g = grid(MockGridConfig {
        api_key: Some(KEY.into()),
        ..Default::default()
    })
    .await;
    let app = app_for(state(&g.server.base_url(), KEY, LONG, T, 0));
    let (status, _, body) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["zone"], "DE");
    assert_eq!(body["intensity_g_per_kwh"], 380.95);
    assert_eq!(body["source"], "electricity-maps");
    assert_eq!(body["cached"], false);
    assert!(body["datetime"].as_str().unwrap().ends_with('Z'));
    let (_, _, again) = get_json(&app, "/carbon_intensity?zone=DE").await;
    assert_eq!(again["cached"], true);
    assert_eq!(
        g.requests.load(Ordering::Relaxed),
        1,
        "second request served from the cache"
    );
    let (_, _, fr) = get_json(&app, "/carbon_intensity?zone=FR").await;
    assert_eq!(
        (fr["zone"].as_str(), fr["cached"].as_bool()),
        (Some("FR"), Some(false))
    );
    assert_eq!(
        g.requests.load(Ordering::Relaxed),
        2,
        "the cache is per zone"
    );
}

#[tokio::test]
async fn html_by_default() {
    let g = grid(MockGridConfig::default()).await;
    let app = app_for(state(&g.server.base_url(), KEY, LONG, T, 0));
    let (status, headers, body) = call(&app, "GET", "/carbon_intensity", None, Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        body.contains("380.95") && body.contains("Carbon intensity in DE"),
        "{body}"
    );
}

#[tokio::test]
async fn cache_ttl_expires_and_zero_disables() {
    let g = grid(MockGridConfig::default()).await;
    let app = app_for(state(
        &g.server.base_url(),
        KEY,
        Duration::from_millis(150),
        T,
        0,
    ));
    get_json(&app, "/carbon_intensity").await;
    let (_, _, hit) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(hit["cached"], true);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (_, _, miss) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(miss["cached"], false, "expired after the TTL");
    assert_eq!(g.requests.load(Ordering::Relaxed), 2);

    let g0 = grid(MockGridConfig::default()).await;
    let app0 = app_for(state(&g0.server.base_url(), KEY, Duration::ZERO, T, 0));
    for _ in 0..3 {
        let (_, _, b) = get_json(&app0, "/carbon_intensity").await;
        assert_eq!(b["cached"], false);
    }
    assert_eq!(g0.requests.load(Ordering::Relaxed), 3);
}

#[tokio::test]
async fn rejected_key_is_502_and_never_leaks() {
    let g = grid(MockGridConfig {
        api_key: Some("the-right-key".into()),
        ..Default::default()
    })
    .await;
    let app = app_for(state(&g.server.base_url(), KEY, LONG, T, 2));
    let (status, _, body) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("the Electricity Maps API key was rejected")
    );
    assert_eq!(g.requests.load(Ordering::Relaxed), 1, "401 is not retried");
    let (_, _, html) = call(&app, "GET", "/carbon_intensity", None, Body::empty()).await;
    let (_, _, metrics) = call(&app, "GET", "/metrics", None, Body::empty()).await;
    for text in [body.to_string(), html, metrics] {
        assert!(!text.contains(KEY), "the key leaked: {text}");
    }
}

#[tokio::test]
async fn key_goes_in_the_auth_token_header() {
    let ok = r#"{"zone":"DE","carbonIntensity":123.5,"datetime":"2026-01-01T00:00:00.000Z"}"#;
    let (up, seen) = canned(StatusCode::OK, ok, &[]).await;
    let app = app_for(state(&up.base_url(), KEY, LONG, T, 0));
    let (status, _, body) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(
        (status, body["intensity_g_per_kwh"].as_f64()),
        (StatusCode::OK, Some(123.5))
    );
    let headers = seen.lock().unwrap()[0].clone();
    assert_eq!(headers["auth-token"], KEY);
    assert!(headers.get("authorization").is_none(), "no Basic auth");
}

#[tokio::test]
async fn rate_limit_is_503_with_retry_after() {
    let (up, seen) = canned(StatusCode::TOO_MANY_REQUESTS, "{}", &[("retry-after", "7")]).await;
    let app = app_for(state(&up.base_url(), KEY, LONG, T, 2));
    let (status, headers, _) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["retry-after"], "7");
    assert_eq!(seen.lock().unwrap().len(), 1, "429 is not retried");
}

#[tokio::test]
async fn timeout_is_504_after_retries() {
    let g = grid(MockGridConfig {
        latency: Duration::from_millis(400),
        ..Default::default()
    })
    .await;
    let app = app_for(state(
        &g.server.base_url(),
        KEY,
        LONG,
        Duration::from_millis(50),
        1,
    ));
    let (status, _, body) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(g.requests.load(Ordering::Relaxed), 2, "one retry");
}

#[tokio::test]
async fn malformed_body_is_502_and_5xx_retried_then_502() {
    let (up, _) = canned(StatusCode::OK, "<html>not json</html>", &[]).await;
    let app = app_for(state(&up.base_url(), KEY, LONG, T, 0));
    let (status, _, body) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        body["message"].as_str().unwrap().contains("malformed"),
        "{body}"
    );

    let (up, seen) = canned(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"message":"boom"}"#,
        &[],
    )
    .await;
    let app = app_for(state(&up.base_url(), KEY, LONG, T, 2));
    let (status, _, body) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        body["message"].as_str().unwrap().contains("HTTP 500: boom"),
        "{body}"
    );
    assert_eq!(seen.lock().unwrap().len(), 3, "first attempt + 2 retries");
}

#[tokio::test]
async fn metrics_count_real_statuses_and_accept_query_strings() {
    let g = grid(MockGridConfig::default()).await;
    let mut st = state(&g.server.base_url(), KEY, LONG, T, 0);
    st.chaos = Chaos {
        latency_max: Duration::ZERO,
        error_rate: 1.0,
    };
    let app = app_for(st);
    let (status, _, _) = get_json(&app, "/carbon_intensity").await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "chaos error rate 1"
    );
    assert_eq!(
        g.requests.load(Ordering::Relaxed),
        0,
        "chaos failures do not call upstream"
    );
    call(&app, "GET", "/nope", None, Body::empty()).await;
    let (status, headers, text) = call(&app, "GET", "/metrics?x=1", None, Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        text.contains(r#"requests_total{endpoint="/carbon_intensity",status="503"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"requests_total{endpoint="other",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("request_latency_seconds_bucket{endpoint=\"/carbon_intensity\""),
        "{text}"
    );
    assert!(text.contains("process_cpu_seconds_total"), "{text}");
}

/// The `endpoint` label is the route's request path, as in the workshop app whose queries filter on it.
#[tokio::test]
async fn requests_total_is_labelled_with_the_request_path() {
    let g = grid(MockGridConfig::default()).await;
    let app = app_for(state(&g.server.base_url(), KEY, LONG, T, 0));
    let (status, _, _) = get_json(&app, "/carbon_intensity?zone=FR").await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, text) = call(&app, "GET", "/metrics", None, Body::empty()).await;
    assert!(
        text.contains(r#"requests_total{endpoint="/carbon_intensity",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"request_latency_seconds_count{endpoint="/carbon_intensity"} 1"#),
        "{text}"
    );
    assert!(!text.contains(r#"endpoint="carbon_intensity""#), "{text}");
}

#[tokio::test]
async fn intensity_gauge_after_a_fetch() {
    let g = grid(MockGridConfig::default()).await;
    let app = app_for(state(&g.server.base_url(), KEY, LONG, T, 0));
    get_json(&app, "/carbon_intensity?zone=FR").await;
    let (_, _, text) = call(&app, "GET", "/metrics", None, Body::empty()).await;
    assert!(
        text.contains(r#"carbon_intensity_g_per_kwh{source="electricity-maps",zone="FR"} 56.039"#),
        "{text}"
    );
}

#[tokio::test]
async fn routing_404_405_413_and_escaping() {
    let g = grid(MockGridConfig::default()).await;
    let app = app_for(state(&g.server.base_url(), KEY, LONG, T, 0));
    let (status, _, body) = call(
        &app,
        "GET",
        "/carbon_intensity?zone=%3Cscript%3Ealert(1)%3C/script%3E",
        None,
        Body::empty(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("&lt;script&gt;") && !body.contains("<script>"),
        "{body}"
    );
    let (status, _, body) = call(&app, "GET", "/%3Cb%3Ex", None, Body::empty()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("<b>"), "{body}");
    let (status, _, _) = call(&app, "POST", "/metrics", None, Body::empty()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let big = "x".repeat(workloads::app::BODY_LIMIT_BYTES + 1);
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/carbon_intensity")
        .header("content-length", big.len())
        .body(Body::from(big))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn unknown_zone_is_an_honest_error_not_zero() {
    let g = grid(MockGridConfig::default()).await;
    let app = app_for(state(&g.server.base_url(), KEY, LONG, T, 0));
    let (status, _, body) = get_json(&app, "/carbon_intensity?zone=XX").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(body.get("intensity_g_per_kwh").is_none());
}
