//! An OpenAI-compatible fake LLM: `POST /chat` (the workshop's path) and `POST /v1/chat/completions`, plus `/metrics`.
//!
//! * Prompt tokens are counted from the messages deterministically ([`super::tokens`]).
//! * Completion tokens are drawn from a ChaCha8 generator seeded with `seed`, uniformly in `completion_tokens`, then
//!   capped by `max_tokens` (`finish_reason: "length"` when capped). The n-th request served gets the n-th draw, so a
//!   sequential client sees the same sequence on every run; concurrent clients share the same draws in arrival order.
//! * With `tokens_per_second`, the answer is delayed by `ttft + completion_tokens / tokens_per_second`; without it, by
//!   `ttft` only.
//! * `error_rate` of the requests (same generator) fail with 500 in OpenAI's error shape.
//!
//! | answer | when | body |
//! |---|---|---|
//! | 200 | valid request | `chat.completion` object |
//! | 400 | no body, invalid JSON, missing/empty `messages`, wrong types, `max_tokens` < 1 | `{"error":{"message","type":"invalid_request_error","param","code"}}` |
//! | 413 | body over 1 MiB | same shape, `type: "invalid_request_error"`, `code: "request_too_large"` |
//! | 500 | injected failure | same shape, `type: "server_error"` |
//! | 404 | any other path | same shape |
//!
//! Metrics (Prometheus text on `GET /metrics`): `mock_llm_requests_total{status}` and `mock_llm_tokens_total{kind}`.

use super::openai::{ChatCompletion, ChatMessage, ChatRequest, Choice, ErrorBody, Usage};
use super::tokens;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prometheus::{IntCounterVec, Opts, Registry, TextEncoder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Largest accepted request body, bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Model reported when the request names none.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// Address `workloads mock-llm` binds by default.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8002";

/// How the fake behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct MockLlmConfig {
    /// Seed of the completion-token and failure draws.
    pub seed: u64,
    /// Range of completion tokens drawn per request (before `max_tokens`).
    pub completion_tokens: RangeInclusive<u64>,
    /// Simulated time to first token.
    pub ttft: Duration,
    /// Simulated generation speed, tokens/s (None: no per-token delay).
    pub tokens_per_second: Option<f64>,
    /// Fraction of requests answered with an injected 500, in [0, 1].
    pub error_rate: f64,
}

impl Default for MockLlmConfig {
    fn default() -> Self {
        MockLlmConfig {
            seed: 0,
            completion_tokens: 10..=50,
            ttft: Duration::ZERO,
            tokens_per_second: None,
            error_rate: 0.0,
        }
    }
}

/// A configuration value out of range, naming the flag to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MockLlmError {
    /// `completion_tokens` is empty.
    #[error(
        "--completion-tokens {start}..{end} is empty: the first number must not exceed the second"
    )]
    EmptyTokenRange {
        /// Lower end given.
        start: u64,
        /// Upper end given.
        end: u64,
    },
    /// `tokens_per_second` is not a positive finite number.
    #[error("--tokens-per-second {0} must be a positive number (or `none`)")]
    BadTokensPerSecond(f64),
    /// `error_rate` is outside [0, 1].
    #[error("--error-rate {0} must be between 0 and 1")]
    BadErrorRate(f64),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {message} (pick another --addr)")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        message: String,
    },
}

impl MockLlmConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), MockLlmError> {
        let (start, end) = (
            *self.completion_tokens.start(),
            *self.completion_tokens.end(),
        );
        if start > end {
            return Err(MockLlmError::EmptyTokenRange { start, end });
        }
        match self.tokens_per_second {
            Some(tps) if !(tps.is_finite() && tps > 0.0) => {
                return Err(MockLlmError::BadTokensPerSecond(tps));
            }
            _ => {}
        }
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(MockLlmError::BadErrorRate(self.error_rate));
        }
        Ok(())
    }
}

/// What the generator decided for one request.
struct Draw {
    fail: bool,
    completion_tokens: u64,
    id: u64,
}

#[derive(Debug)]
struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    tokens: IntCounterVec,
}

impl Metrics {
    fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "mock_llm_requests_total",
                "Requests answered by the mock LLM, by HTTP status",
            ),
            &["status"],
        )?;
        let tokens = IntCounterVec::new(
            Opts::new(
                "mock_llm_tokens_total",
                "Tokens counted (prompt) and generated (completion) by the mock LLM",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(tokens.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            tokens,
        })
    }
}

#[derive(Debug)]
struct Shared {
    config: MockLlmConfig,
    rng: Mutex<ChaCha8Rng>,
    metrics: Metrics,
}

impl Shared {
    fn draw(&self) -> Draw {
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fail = rng.random::<f64>() < self.config.error_rate;
        let completion_tokens = rng.random_range(self.config.completion_tokens.clone());
        Draw {
            fail,
            completion_tokens,
            id: rng.random(),
        }
    }

    fn error(&self, status: StatusCode, body: ErrorBody) -> Response {
        self.metrics
            .requests
            .with_label_values(&[status.as_str()])
            .inc();
        (status, axum::Json(body)).into_response()
    }
}

/// The mock's routes, ready to serve or to test with `oneshot`.
pub fn router(config: MockLlmConfig) -> Result<Router, MockLlmError> {
    config.validate()?;
    let metrics = Metrics::new().map_err(|e| MockLlmError::Bind {
        addr: "-".into(),
        message: e.to_string(),
    })?;
    let shared = Arc::new(Shared {
        rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed)),
        config,
        metrics,
    });
    Ok(Router::new()
        .route("/chat", post(completions))
        .route("/v1/chat/completions", post(completions))
        .route("/metrics", get(metrics_text))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared))
}

fn invalid(message: impl Into<String>, param: Option<&str>) -> ErrorBody {
    ErrorBody::new("invalid_request_error", message, param)
}

/// Parses and checks a request body; the error is the 400 body to send.
fn parse_request(body: &[u8]) -> Result<ChatRequest, ErrorBody> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(
            "request body is empty: send JSON {\"model\": ..., \"messages\": [{\"role\": \"user\", \"content\": ...}]}",
            None,
        ));
    }
    let request: ChatRequest = serde_json::from_slice(body)
        .map_err(|e| invalid(format!("invalid request body: {e}; expected {{\"model\", \"messages\": [{{\"role\", \"content\"}}], \"max_tokens\"?}}"), None))?;
    if request.messages.is_empty() {
        return Err(invalid(
            "`messages` must hold at least one message",
            Some("messages"),
        ));
    }
    if request.max_tokens == Some(0) {
        return Err(invalid(
            "`max_tokens` must be at least 1",
            Some("max_tokens"),
        ));
    }
    Ok(request)
}

async fn completions(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let mut e = invalid(format!("request body exceeds {MAX_BODY_BYTES} bytes"), None);
            e.error.code = Some("request_too_large".into());
            return shared.error(StatusCode::PAYLOAD_TOO_LARGE, e);
        }
        Err(rejection) => {
            return shared.error(rejection.status(), invalid(rejection.body_text(), None));
        }
    };
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err(e) => return shared.error(StatusCode::BAD_REQUEST, e),
    };
    let draw = shared.draw();
    if draw.fail {
        let e = ErrorBody::new(
            "server_error",
            "Simulated error for testing purposes (--error-rate)",
            None,
        );
        return shared.error(StatusCode::INTERNAL_SERVER_ERROR, e);
    }
    let completion = complete(&request, &draw);
    tokio::time::sleep(simulated_time(
        &shared.config,
        completion.usage.completion_tokens,
    ))
    .await;
    let m = &shared.metrics;
    m.tokens
        .with_label_values(&["prompt"])
        .inc_by(completion.usage.prompt_tokens);
    m.tokens
        .with_label_values(&["completion"])
        .inc_by(completion.usage.completion_tokens);
    m.requests.with_label_values(&["200"]).inc();
    axum::Json(completion).into_response()
}

/// The completion object for a valid request and its draw.
fn complete(request: &ChatRequest, draw: &Draw) -> ChatCompletion {
    let cap = request.max_tokens.unwrap_or(u64::MAX);
    let completion_tokens = draw.completion_tokens.min(cap);
    let finish_reason = if completion_tokens < draw.completion_tokens {
        "length"
    } else {
        "stop"
    };
    let prompt_tokens = tokens::count_prompt(&request.messages);
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    ChatCompletion {
        id: format!("chatcmpl-mock{:016x}", draw.id),
        object: "chat.completion".into(),
        created,
        model: request
            .model
            .clone()
            .unwrap_or_else(|| DEFAULT_MODEL.into()),
        choices: vec![Choice {
            index: 0,
            message: ChatMessage {
                role: "assistant".into(),
                content: tokens::reply_text(completion_tokens, draw.id),
            },
            finish_reason: finish_reason.into(),
        }],
        usage: Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        },
    }
}

/// `ttft + tokens / tps` (just `ttft` without a speed).
pub fn simulated_time(config: &MockLlmConfig, completion_tokens: u64) -> Duration {
    let generation = match config.tokens_per_second {
        Some(tps) => Duration::from_secs_f64(completion_tokens as f64 / tps),
        None => Duration::ZERO,
    };
    config.ttft + generation
}

async fn metrics_text(State(shared): State<Arc<Shared>>) -> Response {
    match TextEncoder::new().encode_to_string(&shared.metrics.registry.gather()) {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn not_found(State(shared): State<Arc<Shared>>) -> Response {
    let e = invalid(
        "unknown path: use POST /v1/chat/completions or POST /chat",
        None,
    );
    shared.error(StatusCode::NOT_FOUND, e)
}

/// A running mock LLM: its address and the means to stop it.
#[derive(Debug)]
pub struct MockLlmServer {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl MockLlmServer {
    /// The bound address (useful after binding port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server to end.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.shutdown.cancel();
        self.wait().await
    }

    /// Waits until the server ends (it ends only on [`Self::shutdown`] or an I/O error).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }

    /// A token that stops the server when cancelled (e.g. from a Ctrl-C handler).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// Binds `addr` (port 0 picks a free port) and serves the mock in the background.
pub async fn start(addr: &str, config: MockLlmConfig) -> Result<MockLlmServer, MockLlmError> {
    let app = router(config)?;
    let bind_error = |e: std::io::Error| MockLlmError::Bind {
        addr: addr.to_string(),
        message: e.to_string(),
    };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(serve(listener, app, shutdown.clone().cancelled_owned()));
    Ok(MockLlmServer {
        addr: bound,
        shutdown,
        task,
    })
}

async fn serve(
    listener: TcpListener,
    app: Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}
