//! The mock LLM: every bad-input class, determinism under a seed, token arithmetic, OpenAI response shape, metrics,
//! and serving on a real socket (127.0.0.1, port 0).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tower::ServiceExt;
use workloads::chat::mock_llm::{self, MAX_BODY_BYTES, MockLlmConfig, MockLlmError};
use workloads::chat::tokens;

fn app(config: MockLlmConfig) -> Router {
    mock_llm::router(config).expect("valid config")
}

async fn post_raw(app: &Router, path: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let req = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, bytes)
}

async fn post(app: &Router, path: &str, body: Value) -> (StatusCode, Value) {
    let (status, bytes) = post_raw(app, path, body.to_string().into_bytes()).await;
    (status, serde_json::from_slice(&bytes).expect("JSON body"))
}

fn hello() -> Value {
    json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello there"}]})
}

/// The subset of async-openai's `CreateChatCompletionResponse` a real client needs, with its field types.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct OpenAiResponse {
    id: String,
    object: String,
    created: u32,
    model: String,
    choices: Vec<OpenAiChoice>,
    usage: Option<OpenAiUsage>,
}
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct OpenAiChoice {
    index: u32,
    message: OpenAiMessage,
    finish_reason: Option<OpenAiFinish>,
}
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct OpenAiMessage {
    role: OpenAiRole,
    content: Option<String>,
}
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum OpenAiRole {
    Assistant,
}
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum OpenAiFinish {
    Stop,
    Length,
}
#[derive(Debug, Deserialize)]
struct OpenAiUsage {
    prompt_tokens: u32,
    completion_tokens: u32,
    total_tokens: u32,
}
#[derive(Debug, Deserialize)]
struct OpenAiError {
    error: OpenAiErrorDetail,
}
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct OpenAiErrorDetail {
    message: String,
    #[serde(rename = "type")]
    kind: String,
    param: Option<String>,
    code: Option<String>,
}

#[tokio::test]
async fn answers_in_openai_shape_on_both_paths() {
    let app = app(MockLlmConfig::default());
    for path in ["/chat", "/v1/chat/completions"] {
        let (status, body) = post(&app, path, hello()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let r: OpenAiResponse =
            serde_json::from_value(body.clone()).expect("typed OpenAI client parses it");
        assert!(r.id.starts_with("chatcmpl-"), "{}", r.id);
        assert_eq!(r.object, "chat.completion");
        assert_eq!(r.model, "gpt-4o-mini");
        assert_eq!(r.choices.len(), 1);
        assert_eq!(r.choices[0].message.role, OpenAiRole::Assistant);
        assert_eq!(r.choices[0].finish_reason, Some(OpenAiFinish::Stop));
        let u = r.usage.expect("usage present");
        assert_eq!(u.total_tokens, u.prompt_tokens + u.completion_tokens);
        assert!((10..=50).contains(&u.completion_tokens), "{u:?}");
        let content = r.choices[0].message.content.as_deref().expect("content");
        assert_eq!(
            tokens::count_text(content),
            u64::from(u.completion_tokens),
            "reply has as many tokens as reported"
        );
    }
}

#[tokio::test]
async fn prompt_tokens_are_counted_from_the_input() {
    let app = app(MockLlmConfig::default());
    let (_, body) = post(&app, "/chat", hello()).await;
    // user (1) + "hello" (2) + "there" (2) + 3 framing + 3 reply priming.
    assert_eq!(body["usage"]["prompt_tokens"], 11);
    let long = json!({"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "x ".repeat(100)}]});
    let (_, body) = post(&app, "/chat", long).await;
    assert_eq!(
        body["usage"]["prompt_tokens"],
        (3 + 2 + 3) + (3 + 1 + 100) + 3
    );
    assert_eq!(
        body["model"], "gpt-4o-mini",
        "default model when none is named"
    );
}

async fn completion_sequence(config: MockLlmConfig, n: usize) -> Vec<u64> {
    let app = app(config);
    let mut out = Vec::new();
    for _ in 0..n {
        let (_, body) = post(&app, "/chat", hello()).await;
        out.push(body["usage"]["completion_tokens"].as_u64().expect("tokens"));
    }
    out
}

#[tokio::test]
async fn a_seed_fixes_the_completion_sequence() {
    let seeded = |seed| MockLlmConfig {
        seed,
        ..MockLlmConfig::default()
    };
    let a = completion_sequence(seeded(7), 20).await;
    assert_eq!(
        a,
        completion_sequence(seeded(7), 20).await,
        "same seed, same sequence"
    );
    assert_ne!(
        a,
        completion_sequence(seeded(8), 20).await,
        "another seed, another sequence"
    );
    assert!(a.iter().all(|t| (10..=50).contains(t)));
    assert!(a.iter().any(|t| *t != a[0]), "draws vary: {a:?}");
    let narrow = MockLlmConfig {
        completion_tokens: 3..=5,
        ..MockLlmConfig::default()
    };
    assert!(
        completion_sequence(narrow, 20)
            .await
            .iter()
            .all(|t| (3..=5).contains(t))
    );
}

#[tokio::test]
async fn max_tokens_caps_the_completion() {
    let app = app(MockLlmConfig {
        completion_tokens: 40..=40,
        ..MockLlmConfig::default()
    });
    let mut req = hello();
    req["max_tokens"] = json!(5);
    let (_, body) = post(&app, "/chat", req).await;
    assert_eq!(body["usage"]["completion_tokens"], 5);
    assert_eq!(body["choices"][0]["finish_reason"], "length");
    assert_eq!(
        body["usage"]["total_tokens"],
        body["usage"]["prompt_tokens"].as_u64().expect("n") + 5
    );
    let mut req = hello();
    req["max_tokens"] = json!(100);
    let (_, body) = post(&app, "/chat", req).await;
    assert_eq!(body["usage"]["completion_tokens"], 40);
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
}

fn assert_openai_error(
    status: StatusCode,
    bytes: &[u8],
    expected: StatusCode,
    kind: &str,
    what: &str,
) -> OpenAiError {
    assert_eq!(
        status,
        expected,
        "{what}: {}",
        String::from_utf8_lossy(bytes)
    );
    let e: OpenAiError = serde_json::from_slice(bytes)
        .unwrap_or_else(|err| panic!("{what}: not an OpenAI error ({err})"));
    assert_eq!(e.error.kind, kind, "{what}");
    assert!(!e.error.message.is_empty(), "{what}");
    e
}

#[tokio::test]
async fn every_bad_input_class_is_a_400_in_openai_shape() {
    let app = app(MockLlmConfig::default());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no body", vec![]),
        ("whitespace body", b"  \n".to_vec()),
        ("invalid JSON", b"{\"messages\": [".to_vec()),
        ("not an object", b"[1,2]".to_vec()),
        (
            "no messages",
            json!({"model": "m"}).to_string().into_bytes(),
        ),
        (
            "empty messages",
            json!({"messages": []}).to_string().into_bytes(),
        ),
        (
            "messages not a list",
            json!({"messages": "hi"}).to_string().into_bytes(),
        ),
        (
            "content not a string",
            json!({"messages": [{"role": "user", "content": 3}]})
                .to_string()
                .into_bytes(),
        ),
        (
            "role missing",
            json!({"messages": [{"content": "hi"}]})
                .to_string()
                .into_bytes(),
        ),
        (
            "model not a string",
            json!({"model": 4, "messages": [{"role": "user", "content": "hi"}]})
                .to_string()
                .into_bytes(),
        ),
        (
            "max_tokens negative",
            json!({"max_tokens": -1, "messages": [{"role": "user", "content": "hi"}]})
                .to_string()
                .into_bytes(),
        ),
        (
            "max_tokens zero",
            json!({"max_tokens": 0, "messages": [{"role": "user", "content": "hi"}]})
                .to_string()
                .into_bytes(),
        ),
    ];
    for (what, body) in cases {
        let (status, bytes) = post_raw(&app, "/v1/chat/completions", body).await;
        assert_openai_error(
            status,
            &bytes,
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            what,
        );
    }
    let (status, bytes) = post_raw(
        &app,
        "/chat",
        json!({"messages": []}).to_string().into_bytes(),
    )
    .await;
    let e = assert_openai_error(
        status,
        &bytes,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        "param",
    );
    assert_eq!(e.error.param.as_deref(), Some("messages"));
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_a_413() {
    let app = app(MockLlmConfig::default());
    let text = "a".repeat(MAX_BODY_BYTES);
    let body = json!({"messages": [{"role": "user", "content": text}]})
        .to_string()
        .into_bytes();
    let (status, bytes) = post_raw(&app, "/chat", body).await;
    let e = assert_openai_error(
        status,
        &bytes,
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request_error",
        "413",
    );
    assert_eq!(e.error.code.as_deref(), Some("request_too_large"));
    let just_under =
        json!({"messages": [{"role": "user", "content": "a".repeat(MAX_BODY_BYTES - 100)}]});
    let (status, _) = post_raw(&app, "/chat", just_under.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "a body under the limit is served");
}

#[tokio::test]
async fn injected_failures_are_500s_at_the_configured_rate() {
    let always = app(MockLlmConfig {
        error_rate: 1.0,
        ..MockLlmConfig::default()
    });
    let (status, bytes) = post_raw(&always, "/chat", hello().to_string().into_bytes()).await;
    assert_openai_error(
        status,
        &bytes,
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "injected",
    );
    let some = app(MockLlmConfig {
        error_rate: 0.3,
        seed: 1,
        ..MockLlmConfig::default()
    });
    let mut failures = 0;
    for _ in 0..200 {
        let (status, _) = post_raw(&some, "/chat", hello().to_string().into_bytes()).await;
        failures += usize::from(status == StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert!(
        (30..=90).contains(&failures),
        "≈30% of 200 requests fail, got {failures}"
    );
}

#[tokio::test]
async fn unknown_paths_are_404_in_openai_shape() {
    let app = app(MockLlmConfig::default());
    let (status, bytes) = post_raw(&app, "/v1/completions", hello().to_string().into_bytes()).await;
    assert_openai_error(
        status,
        &bytes,
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "404",
    );
}

#[tokio::test]
async fn metrics_count_requests_and_tokens() {
    let app = app(MockLlmConfig {
        completion_tokens: 12..=12,
        ..MockLlmConfig::default()
    });
    post(&app, "/chat", hello()).await;
    post(&app, "/chat", hello()).await;
    post_raw(&app, "/chat", vec![]).await;
    let resp = app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).expect("req"))
        .await
        .expect("ok");
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec(),
    )
    .expect("utf8");
    assert!(
        text.contains("mock_llm_requests_total{status=\"200\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("mock_llm_requests_total{status=\"400\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("mock_llm_tokens_total{kind=\"completion\"} 24"),
        "{text}"
    );
    assert!(
        text.contains("mock_llm_tokens_total{kind=\"prompt\"} 22"),
        "{text}"
    );
}

#[test]
fn bad_configuration_names_the_flag() {
    let empty = MockLlmConfig {
        completion_tokens: std::ops::RangeInclusive::new(50, 10),
        ..MockLlmConfig::default()
    };
    assert!(matches!(
        empty.validate(),
        Err(MockLlmError::EmptyTokenRange { .. })
    ));
    for tps in [0.0, -1.0, f64::NAN] {
        let c = MockLlmConfig {
            tokens_per_second: Some(tps),
            ..MockLlmConfig::default()
        };
        let e = c.validate().expect_err("invalid tps");
        assert!(e.to_string().contains("--tokens-per-second"), "{e}");
    }
    let c = MockLlmConfig {
        error_rate: 1.5,
        ..MockLlmConfig::default()
    };
    assert!(
        c.validate()
            .expect_err("invalid")
            .to_string()
            .contains("--error-rate")
    );
}

#[test]
fn simulated_time_is_ttft_plus_tokens_over_speed() {
    let c = MockLlmConfig {
        ttft: Duration::from_millis(200),
        tokens_per_second: Some(50.0),
        ..MockLlmConfig::default()
    };
    assert_eq!(mock_llm::simulated_time(&c, 25), Duration::from_millis(700));
    let no_speed = MockLlmConfig {
        ttft: Duration::from_millis(200),
        ..MockLlmConfig::default()
    };
    assert_eq!(
        mock_llm::simulated_time(&no_speed, 25),
        Duration::from_millis(200)
    );
}

#[tokio::test]
async fn serves_on_a_socket_with_simulated_latency_and_shuts_down() {
    let config = MockLlmConfig {
        completion_tokens: 10..=10,
        ttft: Duration::from_millis(50),
        tokens_per_second: Some(100.0),
        ..MockLlmConfig::default()
    };
    let server = mock_llm::start("127.0.0.1:0", config).await.expect("binds");
    assert_ne!(server.addr().port(), 0);
    let started = Instant::now();
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", server.url()))
        .json(&hello())
        .send()
        .await
        .expect("served");
    assert_eq!(resp.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "ttft 50 ms + 10 tokens at 100/s"
    );
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn binding_a_busy_port_is_a_clear_error() {
    let first = mock_llm::start("127.0.0.1:0", MockLlmConfig::default())
        .await
        .expect("binds");
    let e = mock_llm::start(&first.addr().to_string(), MockLlmConfig::default())
        .await
        .expect_err("busy");
    assert!(e.to_string().contains("--addr"), "{e}");
    first.shutdown().await.expect("clean shutdown");
}
