//! `/chat_emissions` and `/chat` through an axum router (oneshot) against a local mock LLM: success, mock failure,
//! mock down, timeout, missing text, escaping, and the `llm_*` counters each outcome moves.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use prometheus::{Registry, TextEncoder};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use workloads::chat::emissions::ChatSettings;
use workloads::chat::http::routes;
use workloads::chat::mock_llm::{self, MockLlmConfig};

fn app(llm_url: &str, timeout: Duration) -> (Router, Registry) {
    let registry = Registry::new();
    let settings = ChatSettings {
        llm_url: llm_url.to_string(),
        timeout,
        ..ChatSettings::default()
    };
    let service = Arc::new(settings.service(&registry).expect("service"));
    (routes().with_state(service), registry)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, String) {
    let req = Request::get(uri).body(Body::empty()).expect("request");
    let resp = app.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn metric(registry: &Registry, name: &str, labels: &[(&str, &str)]) -> f64 {
    let text = TextEncoder::new()
        .encode_to_string(&registry.gather())
        .expect("encodes");
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

const MODEL: (&str, &str) = ("model", "gpt-4o-mini");

#[tokio::test]
async fn success_answers_json_and_moves_the_impact_counters() {
    let config = MockLlmConfig {
        completion_tokens: 20..=20,
        ..MockLlmConfig::default()
    };
    let mock = mock_llm::start("127.0.0.1:0", config).await.expect("mock");
    let (app, registry) = app(&mock.url(), Duration::from_secs(5));
    let (status, body) = get(&app, "/chat_emissions?text=is+now+a+good+time").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["usage"]["completion_tokens"], 20);
    assert_eq!(v["model"], "gpt-4o-mini");
    assert!(v["latency_s"].as_f64().expect("latency") > 0.0);
    assert_eq!(v["impacts"]["provider"], "openai");
    assert!(
        v["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w == "model-arch-not-released")
    );
    assert_eq!(
        metric(&registry, "llm_requests_total", &[MODEL, ("status", "ok")]),
        1.0
    );
    assert_eq!(
        metric(
            &registry,
            "llm_tokens_total",
            &[MODEL, ("kind", "completion")]
        ),
        20.0
    );
    let joules = metric(
        &registry,
        "llm_impact_energy_joules_total",
        &[MODEL, ("bound", "max")],
    );
    let expected = v["impacts"]["energy_kwh"]["max"].as_f64().expect("energy") * 3.6e6;
    assert!(
        (joules - expected).abs() <= 1e-9 * expected,
        "{joules} vs {expected}"
    );
    mock.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn missing_text_is_a_400_json_error() {
    let (app, registry) = app("http://127.0.0.1:9", Duration::from_secs(5));
    for uri in [
        "/chat_emissions",
        "/chat_emissions?text=",
        "/chat_emissions?other=1",
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let v: Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(v["error"], 400);
        assert!(
            v["message"].as_str().expect("message").contains("text"),
            "{body}"
        );
    }
    assert_eq!(
        metric(
            &registry,
            "llm_requests_total",
            &[MODEL, ("status", "bad_request")]
        ),
        3.0
    );
}

#[tokio::test]
async fn a_failing_mock_and_a_down_mock_are_502() {
    let failing = mock_llm::start(
        "127.0.0.1:0",
        MockLlmConfig {
            error_rate: 1.0,
            ..MockLlmConfig::default()
        },
    )
    .await
    .expect("mock");
    let (app1, registry1) = app(&failing.url(), Duration::from_secs(5));
    let (status, body) = get(&app1, "/chat_emissions?text=hi").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON")["error"],
        502
    );
    assert_eq!(
        metric(
            &registry1,
            "llm_requests_total",
            &[MODEL, ("status", "upstream_error")]
        ),
        1.0
    );
    assert_eq!(
        metric(
            &registry1,
            "llm_impact_energy_joules_total",
            &[("bound", "max")]
        ),
        0.0
    );
    failing.shutdown().await.expect("shutdown");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let (app2, registry2) = app(&format!("http://{addr}"), Duration::from_secs(5));
    let (status, body) = get(&app2, "/chat_emissions?text=hi").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(
        metric(
            &registry2,
            "llm_requests_total",
            &[MODEL, ("status", "unreachable")]
        ),
        1.0
    );
}

#[tokio::test]
async fn a_slow_mock_is_504() {
    let config = MockLlmConfig {
        ttft: Duration::from_secs(3),
        ..MockLlmConfig::default()
    };
    let slow = mock_llm::start("127.0.0.1:0", config).await.expect("mock");
    let (app, registry) = app(&slow.url(), Duration::from_millis(200));
    let (status, body) = get(&app, "/chat_emissions?text=hi").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(
        metric(
            &registry,
            "llm_requests_total",
            &[MODEL, ("status", "timeout")]
        ),
        1.0
    );
    slow.shutdown_token().cancel();
}

#[tokio::test]
async fn the_chat_page_shows_the_form_then_the_escaped_answer() {
    let mock = mock_llm::start("127.0.0.1:0", MockLlmConfig::default())
        .await
        .expect("mock");
    let (app, _) = app(&mock.url(), Duration::from_secs(5));
    let (status, html) = get(&app, "/chat").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<form"), "{html}");
    let (status, html) = get(&app, "/chat?text=%3Cb%3Ehello%3C%2Fb%3E").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Estimated impacts") && html.contains("kWh"),
        "{html}"
    );
    assert!(!html.contains("<b>hello</b>"), "user text is escaped");
    mock.shutdown().await.expect("shutdown");
    let (status, html) = get(&app, "/chat?text=hi").await;
    assert_eq!(
        status,
        StatusCode::BAD_GATEWAY,
        "the page shows the error with its status"
    );
    assert!(html.contains("Error:"), "{html}");
}
