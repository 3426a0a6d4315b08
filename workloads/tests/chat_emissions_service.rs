//! The `/chat_emissions` service against a local mock LLM: success, mock failure, mock down, timeout, missing text,
//! and the counters each outcome moves.

use prometheus::{Registry, TextEncoder};
use std::time::Duration;
use workloads::chat::client::ChatClient;
use workloads::chat::emissions::{ChatService, ChatServiceError};
use workloads::chat::impacts::{Catalog, Estimator};
use workloads::chat::metrics::ChatMetrics;
use workloads::chat::mock_llm::{self, MockLlmConfig};

fn service(base: &str, timeout: Duration) -> (ChatService, Registry) {
    let estimator = Estimator::new(
        Catalog::embedded().expect("tables"),
        "openai",
        "gpt-4o-mini",
        None,
    )
    .expect("model");
    let registry = Registry::new();
    let metrics = ChatMetrics::register(&registry).expect("registers");
    let client = ChatClient::new(base, estimator, timeout).expect("client");
    (ChatService::new(client, metrics), registry)
}

fn exposition(registry: &Registry) -> String {
    TextEncoder::new()
        .encode_to_string(&registry.gather())
        .expect("encodes")
}

/// The value of the sample of `name` carrying every `labels` pair, or 0 when absent (label order does not matter).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
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
async fn success_returns_the_answer_and_moves_every_counter() {
    let config = MockLlmConfig {
        completion_tokens: 25..=25,
        ..MockLlmConfig::default()
    };
    let server = mock_llm::start("127.0.0.1:0", config).await.expect("binds");
    let (svc, registry) = service(&server.url(), Duration::from_secs(5));
    let body = svc
        .chat_emissions(Some("is now a good time to train"))
        .await
        .expect("served");
    assert_eq!(body.usage.completion_tokens, 25);
    assert_eq!(body.impacts.model, "gpt-4o-mini");
    assert_eq!(body.impacts.zone, "USA");
    assert_eq!(body.warnings, body.impacts.warnings);
    let json = serde_json::to_value(&body).expect("serialises");
    for k in [
        "chat_response",
        "model",
        "usage",
        "latency_s",
        "impacts",
        "warnings",
    ] {
        assert!(json.get(k).is_some(), "{k} in {json}");
    }
    assert!(
        json["impacts"]["energy_kwh"]["max"]
            .as_f64()
            .expect("number")
            > 0.0
    );

    svc.chat_emissions(Some("again")).await.expect("served");
    let text = exposition(&registry);
    assert_eq!(
        sample(&text, "llm_requests_total", &[MODEL, ("status", "ok")]),
        2.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "llm_tokens_total", &[MODEL, ("kind", "completion")]),
        50.0,
        "{text}"
    );
    let energy_max = sample(
        &text,
        "llm_impact_energy_joules_total",
        &[MODEL, ("bound", "max")],
    );
    let energy_min = sample(
        &text,
        "llm_impact_energy_joules_total",
        &[MODEL, ("bound", "min")],
    );
    assert!(energy_max > energy_min && energy_min > 0.0, "{text}");
    for name in [
        "llm_impact_gwp_grams_total",
        "llm_impact_adpe_grams_total",
        "llm_impact_pe_joules_total",
        "llm_impact_water_litres_total",
    ] {
        assert!(
            sample(&text, name, &[MODEL, ("bound", "max")]) > 0.0,
            "{name}: {text}"
        );
    }
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn missing_text_is_400_and_counted_without_calling_the_llm() {
    let (svc, registry) = service("http://127.0.0.1:9", Duration::from_secs(5));
    for text in [None, Some(""), Some("   ")] {
        let e = svc.chat_emissions(text).await.expect_err("no text");
        assert!(matches!(e, ChatServiceError::MissingText));
        assert_eq!(e.status(), 400);
    }
    let text = exposition(&registry);
    assert_eq!(
        sample(
            &text,
            "llm_requests_total",
            &[MODEL, ("status", "bad_request")]
        ),
        3.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "llm_impact_energy_joules_total", &[("bound", "max")]),
        0.0,
        "no impact without a call"
    );
}

#[tokio::test]
async fn a_failing_mock_is_502() {
    let server = mock_llm::start(
        "127.0.0.1:0",
        MockLlmConfig {
            error_rate: 1.0,
            ..MockLlmConfig::default()
        },
    )
    .await
    .expect("binds");
    let (svc, registry) = service(&server.url(), Duration::from_secs(5));
    let e = svc
        .chat_emissions(Some("hi"))
        .await
        .expect_err("injected failure");
    assert_eq!(e.status(), 502, "{e}");
    let text = exposition(&registry);
    assert_eq!(
        sample(
            &text,
            "llm_requests_total",
            &[MODEL, ("status", "upstream_error")]
        ),
        1.0,
        "{text}"
    );
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_mock_that_is_down_is_502() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let (svc, registry) = service(&format!("http://{addr}"), Duration::from_secs(5));
    let e = svc.chat_emissions(Some("hi")).await.expect_err("down");
    assert_eq!(e.status(), 502, "{e}");
    let text = exposition(&registry);
    assert_eq!(
        sample(
            &text,
            "llm_requests_total",
            &[MODEL, ("status", "unreachable")]
        ),
        1.0,
        "{text}"
    );
}

#[tokio::test]
async fn a_slow_mock_is_504() {
    let config = MockLlmConfig {
        ttft: Duration::from_secs(3),
        ..MockLlmConfig::default()
    };
    let server = mock_llm::start("127.0.0.1:0", config).await.expect("binds");
    let (svc, registry) = service(&server.url(), Duration::from_millis(200));
    let e = svc.chat_emissions(Some("hi")).await.expect_err("timeout");
    assert_eq!(e.status(), 504, "{e}");
    let text = exposition(&registry);
    assert_eq!(
        sample(&text, "llm_requests_total", &[MODEL, ("status", "timeout")]),
        1.0,
        "{text}"
    );
    server.shutdown_token().cancel();
}

#[test]
fn settings_build_a_service_without_contacting_the_llm_and_reject_unknown_models() {
    use workloads::chat::emissions::ChatSettings;
    let registry = Registry::new();
    let down = ChatSettings {
        llm_url: "http://127.0.0.1:9".into(),
        ..ChatSettings::default()
    };
    let svc = down
        .service(&registry)
        .expect("builds while the LLM is down");
    assert_eq!(svc.client().estimator().model().name, "gpt-4o-mini");
    let unknown = ChatSettings {
        model: "gpt-4o-mni".into(),
        ..ChatSettings::default()
    };
    let e = unknown
        .service(&Registry::new())
        .expect_err("unknown model");
    assert!(e.to_string().contains("gpt-4o-mini"), "{e}");
    let zero = ChatSettings {
        timeout: Duration::ZERO,
        ..ChatSettings::default()
    };
    assert!(
        zero.service(&Registry::new())
            .expect_err("zero timeout")
            .to_string()
            .contains("--llm-timeout")
    );
}
