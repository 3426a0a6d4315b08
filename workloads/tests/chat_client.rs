//! The chat client against local servers: success with impacts, upstream failure, server down, timeout, bad body.

use axum::Router;
use axum::routing::post;
use std::time::Duration;
use workloads::chat::client::{ChatClient, ChatError};
use workloads::chat::impacts::{Catalog, Estimator};
use workloads::chat::mock_llm::{self, MockLlmConfig};
use workloads::units::Seconds;

fn estimator() -> Estimator {
    Estimator::new(
        Catalog::embedded().expect("tables"),
        "openai",
        "gpt-4o-mini",
        None,
    )
    .expect("known model")
}

fn client(base: &str, timeout: Duration) -> ChatClient {
    ChatClient::new(base, estimator(), timeout).expect("client builds")
}

#[tokio::test]
async fn a_completion_comes_back_with_usage_latency_and_impacts() {
    let config = MockLlmConfig {
        completion_tokens: 30..=30,
        ..MockLlmConfig::default()
    };
    let server = mock_llm::start("127.0.0.1:0", config).await.expect("binds");
    let c = client(&server.url(), Duration::from_secs(5));
    let out = c
        .chat("what is the carbon intensity now")
        .await
        .expect("served");
    assert_eq!(out.usage.completion_tokens, 30);
    assert_eq!(out.usage.total_tokens, out.usage.prompt_tokens + 30);
    assert_eq!(out.model, "gpt-4o-mini");
    assert!(!out.response.is_empty());
    assert!(
        out.latency.0 > 0.0 && out.latency.0 < 5.0,
        "{:?}",
        out.latency
    );
    let expected = estimator().impacts(30, Some(out.latency)).expect("valid");
    assert_eq!(
        out.impacts, expected,
        "impacts are the estimator's for the measured tokens and latency"
    );
    assert!(out.impacts.energy_kwh.min > 0.0);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_upstream_failure_carries_its_status_and_message() {
    let config = MockLlmConfig {
        error_rate: 1.0,
        ..MockLlmConfig::default()
    };
    let server = mock_llm::start("127.0.0.1:0", config).await.expect("binds");
    match client(&server.url(), Duration::from_secs(5))
        .chat("hi")
        .await
    {
        Err(ChatError::Upstream {
            status, message, ..
        }) => {
            assert_eq!(status, 500);
            assert!(message.contains("Simulated error"), "{message}");
        }
        other => panic!("expected Upstream, got {other:?}"),
    }
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_server_that_is_down_is_unreachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    match client(&format!("http://{addr}"), Duration::from_secs(5))
        .chat("hi")
        .await
    {
        Err(e @ ChatError::Unreachable { .. }) => {
            assert!(e.to_string().contains("MOCK_LLM_URL"), "{e}")
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let config = MockLlmConfig {
        ttft: Duration::from_secs(3),
        ..MockLlmConfig::default()
    };
    let server = mock_llm::start("127.0.0.1:0", config).await.expect("binds");
    match client(&server.url(), Duration::from_millis(200))
        .chat("hi")
        .await
    {
        Err(ChatError::Timeout { timeout, .. }) => assert_eq!(timeout, Duration::from_millis(200)),
        other => panic!("expected Timeout, got {other:?}"),
    }
    server.shutdown_token().cancel();
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_body_that_is_not_a_completion_is_invalid() {
    let garbage = Router::new().route("/v1/chat/completions", post(|| async { "not json" }));
    let base = serve(garbage).await;
    assert!(matches!(
        client(&base, Duration::from_secs(5)).chat("hi").await,
        Err(ChatError::InvalidResponse { .. })
    ));
    let bad_sum = Router::new().route(
        "/v1/chat/completions",
        post(|| async {
            axum::Json(serde_json::json!({"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "a"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 5}}))
        }),
    );
    let base = serve(bad_sum).await;
    match client(&base, Duration::from_secs(5)).chat("hi").await {
        Err(ChatError::InvalidResponse { message, .. }) => {
            assert!(message.contains("total_tokens"), "{message}")
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}

#[test]
fn latency_is_in_seconds() {
    let e = estimator();
    let fast = e.impacts(100, Some(Seconds(0.1))).expect("valid");
    let slow = e.impacts(100, Some(Seconds(100.0))).expect("valid");
    assert!(
        fast.energy_kwh.max < slow.energy_kwh.max,
        "a latency cap below the generation time lowers energy"
    );
}
