//! Push a run's results to Prometheus, through a Pushgateway or with remote write.
//!
//! | sink | file | wire format | semantics |
//! |---|---|---|---|
//! | [`pushgateway::Pushgateway`] | `pushgateway.rs` | text exposition 0.0.4, HTTP `PUT /metrics/job/<job>/<k>/<v>…` | last value per group; Prometheus scrapes it with `honor_labels: true` |
//! | [`remote_write::RemoteWrite`] | `remote_write.rs` | remote-write 1.0: protobuf `WriteRequest`, snappy block, HTTP `POST` | samples carry the run's own timestamp; scales to Mimir, Thanos Receive, VictoriaMetrics |
//!
//! [`metrics::RunMetrics`] builds the metrics once (prometheus crate registry); each [`Sink`] only encodes them into a
//! [`Payload`]; [`deliver`] is the one place that does network I/O: per-attempt timeout, bounded retries with
//! exponential backoff on connection errors, timeouts, 429 and 5xx, and no retry on other 4xx (a wrong password does
//! not get better). Credentials come from the environment, go out as HTTP Basic auth and never appear in output: URLs
//! are shown without their user-info and error bodies are scrubbed of the secret. [`plan`] turns the push flags into a
//! validated plan and reports each sink's outcome (`harness push`, `harness bench --push`).

pub mod metrics;
pub mod plan;
pub mod pushgateway;
pub mod remote_write;
pub mod verdicts;

use crate::record::schema::RunResult;
use metrics::RunMetrics;
use reqwest::{Method, StatusCode, Url};
use std::time::Duration;

/// Default Pushgateway job name.
pub const DEFAULT_JOB: &str = "carbon_harness";
/// Default value of CodeCarbon's `project_name` label on the `codecarbon_*` gauges.
pub const DEFAULT_PROJECT_NAME: &str = "carbon_harness";
/// Environment variables holding the Pushgateway's Basic-auth credentials.
pub const PUSHGATEWAY_USERNAME_ENV: &str = "PUSHGATEWAY_USERNAME";
pub const PUSHGATEWAY_PASSWORD_ENV: &str = "PUSHGATEWAY_PASSWORD";
/// Environment variables holding the remote-write endpoint's Basic-auth credentials.
pub const REMOTE_WRITE_USERNAME_ENV: &str = "REMOTE_WRITE_USERNAME";
pub const REMOTE_WRITE_PASSWORD_ENV: &str = "REMOTE_WRITE_PASSWORD";

/// HTTP Basic-auth credentials. `Debug` never shows the password.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &"<redacted>")
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// Reads credentials from two environment variables; `None` unless the username is set and non-empty.
    pub fn from_env(user_var: &str, password_var: &str) -> Option<Self> {
        let username = std::env::var(user_var).ok().filter(|u| !u.is_empty())?;
        let password = std::env::var(password_var).unwrap_or_default();
        Some(Self { username, password })
    }

    /// Replaces every occurrence of the secret (and the username) in `text`.
    #[cfg(test)]
    fn scrub(&self, text: &str) -> String {
        scrub(text, &secrets(Some(self), None))
    }
}

/// What must never be printed for one request: the env credentials, the URL's user-info, and both as the base64
/// `user:password` of a Basic `Authorization` value (an upstream may echo the header back).
fn secrets(auth: Option<&Credentials>, url: Option<&Url>) -> Vec<String> {
    use base64::Engine as _;
    let decode = |s: &str| {
        workloads::redact::url_password(&format!("http://x:{s}@h/"))
            .unwrap_or_else(|| s.to_string())
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(c) = auth {
        pairs.push((c.username.clone(), c.password.clone()));
    }
    if let Some(u) = url
        && (!u.username().is_empty() || u.password().is_some())
    {
        pairs.push((
            decode(u.username()),
            u.password().map(decode).unwrap_or_default(),
        ));
    }
    let mut out = Vec::new();
    for (user, password) in pairs {
        let b64 = base64::engine::general_purpose::STANDARD;
        out.push(b64.encode(format!("{user}:{password}")));
        out.push(base64::engine::general_purpose::URL_SAFE.encode(format!("{user}:{password}")));
        out.push(password);
        out.push(user);
    }
    // Short values would mask ordinary words; a one- or two-letter password is not worth hiding that way.
    out.retain(|s| s.len() >= 3);
    out
}

/// `text` with URLs redacted ([`workloads::redact::url`]) and every secret masked.
fn scrub(text: &str, secrets: &[String]) -> String {
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    workloads::redact::text(text, &refs).replace(workloads::redact::MASK, "<redacted>")
}

/// A URL to send to plus its optional credentials.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: Url,
    pub auth: Option<Credentials>,
}

impl Endpoint {
    /// Parses `url` (must be http or https); `flag` names the option in the error message.
    pub fn parse(url: &str, flag: &str, auth: Option<Credentials>) -> Result<Self, PushError> {
        let parsed = Url::parse(url).map_err(|e| PushError::BadUrl {
            flag: flag.to_string(),
            url: redact_str(url),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(PushError::BadUrl {
                flag: flag.to_string(),
                url: redact(&parsed),
                reason: "only http:// and https:// URLs are supported".into(),
            });
        }
        Ok(Self { url: parsed, auth })
    }
}

/// Timeout and retry policy for one sink.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total attempts, at least 1.
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each later one.
    pub initial_backoff: Duration,
    /// Limit for one attempt (connect + request + response).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            initial_backoff: Duration::from_millis(250),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Everything a push needs besides the run itself.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Pushgateway base URL (`http://host:9091`), if pushing there.
    pub pushgateway: Option<Endpoint>,
    /// Remote-write receiver URL (`http://host:9090/api/v1/write`), if writing there.
    pub remote_write: Option<Endpoint>,
    /// Pushgateway job (also the `job` label of remote-written series).
    pub job: String,
    /// Extra grouping labels (`--label k=v`), validated; override the defaults `instance` and `branch`.
    pub labels: Vec<(String, String)>,
    /// CodeCarbon `project_name` label value.
    pub project_name: String,
    pub retry: RetryPolicy,
}

/// What one sink should send: built by a [`Sink`], sent by [`deliver`].
#[derive(Debug, Clone)]
pub struct Payload {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Number of series or samples it carries, for the report.
    pub series: usize,
}

/// A destination for a run's metrics: it only encodes; [`deliver`] sends.
pub trait Sink {
    /// Human name used in messages: `Pushgateway`, `remote-write endpoint`.
    fn kind(&self) -> &'static str;
    /// Where it sends, with credentials.
    fn endpoint(&self) -> &Endpoint;
    /// Encodes the run's metrics into the request to send.
    fn payload(&self, metrics: &RunMetrics, run: &RunResult) -> Result<Payload, PushError>;
}

/// The outcome of a successful delivery.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub kind: &'static str,
    /// The URL, without credentials.
    pub url: String,
    pub status: u16,
    pub attempts: u32,
    pub series: usize,
}

/// Why a push failed. Messages name the URL (never its credentials) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("{flag} {url:?} is not a usable URL: {reason}")]
    BadUrl {
        flag: String,
        url: String,
        reason: String,
    },
    #[error("--label {0:?}: {1}")]
    BadLabel(String, String),
    #[error("cannot build the metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("cannot encode the remote-write request: {0}")]
    Encode(String),
    #[error(
        "cannot reach the {kind} at {url} after {attempts} attempt(s): {reason}. \
         Start it or fix the URL (or pass --push-optional to only warn)"
    )]
    Unreachable {
        kind: &'static str,
        url: String,
        attempts: u32,
        reason: String,
    },
    #[error(
        "the {kind} at {url} did not answer within {timeout_ms} ms ({attempts} attempt(s)). \
         Raise --timeout or check the server (or pass --push-optional to only warn)"
    )]
    Timeout {
        kind: &'static str,
        url: String,
        attempts: u32,
        timeout_ms: u128,
    },
    #[error("the {kind} at {url} answered {status} after {attempts} attempt(s): {body}{hint}")]
    Rejected {
        kind: &'static str,
        url: String,
        status: u16,
        attempts: u32,
        body: String,
        hint: String,
    },
}

/// Builds the metrics of `run` and sends them to every configured sink.
///
/// Returns one result per sink, in the order Pushgateway, remote write; an error building the metrics fails the whole
/// call. This is the library entry point for `harness push` and `harness bench --push`.
pub async fn push_run(
    run: &RunResult,
    verdicts: Option<&verdicts::Verdicts>,
    opts: &PushOptions,
) -> Result<Vec<Result<Delivered, PushError>>, PushError> {
    let metrics = RunMetrics::build(run, verdicts, &opts.project_name)?;
    let client = reqwest::Client::builder()
        .timeout(opts.retry.timeout)
        .build()
        .map_err(|e| PushError::Encode(format!("cannot build the HTTP client: {e}")))?;
    let grouping = grouping_labels(run, &opts.labels);
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    if let Some(ep) = &opts.pushgateway {
        sinks.push(Box::new(pushgateway::Pushgateway::new(
            ep.clone(),
            &opts.job,
            grouping.clone(),
        )));
    }
    if let Some(ep) = &opts.remote_write {
        sinks.push(Box::new(remote_write::RemoteWrite::new(
            ep.clone(),
            &opts.job,
            grouping.clone(),
        )));
    }
    let mut outcomes = Vec::new();
    for sink in &sinks {
        let outcome = match sink.payload(&metrics, run) {
            Ok(payload) => deliver(&client, sink.as_ref(), payload, &opts.retry).await,
            Err(e) => Err(e),
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Grouping labels: `instance` = machine fingerprint, `branch` = git branch, then `extra` (which may override them).
pub fn grouping_labels(run: &RunResult, extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut labels = vec![
        ("instance".to_string(), non_empty(&run.machine.fingerprint)),
        (
            "branch".to_string(),
            non_empty(run.git.branch.as_deref().unwrap_or("")),
        ),
    ];
    for (k, v) in extra {
        match labels.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.clone(),
            None => labels.push((k.clone(), v.clone())),
        }
    }
    labels
}

fn non_empty(s: &str) -> String {
    if s.is_empty() {
        "unknown".into()
    } else {
        s.into()
    }
}

/// Parses and validates one `--label k=v`.
pub fn parse_label(arg: &str) -> Result<(String, String), PushError> {
    let bad = |why: &str| PushError::BadLabel(arg.to_string(), why.to_string());
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| bad("expected NAME=VALUE, e.g. --label runner=ci-3"))?;
    let valid_name = k
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
    if k.is_empty() || !valid_name || k.starts_with("__") {
        return Err(bad(
            "the name must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __",
        ));
    }
    if metrics::RESERVED_LABELS.contains(&k) {
        return Err(bad(
            "this name is used by the pushed metrics themselves; choose another",
        ));
    }
    Ok((k.to_string(), v.to_string()))
}

/// Sends `payload`, retrying what may succeed later. The only network I/O of the push module.
pub async fn deliver(
    client: &reqwest::Client,
    sink: &dyn Sink,
    payload: Payload,
    policy: &RetryPolicy,
) -> Result<Delivered, PushError> {
    let kind = sink.kind();
    let auth = sink.endpoint().auth.as_ref();
    let hidden = secrets(auth, Some(&payload.url));
    let url = redact(&payload.url);
    let attempts = policy.attempts.max(1);
    let mut backoff = policy.initial_backoff;
    let mut last_err = None;
    for attempt in 1..=attempts {
        if attempt > 1 {
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
        let mut req = client.request(payload.method.clone(), payload.url.clone());
        for (name, value) in &payload.headers {
            req = req.header(*name, value);
        }
        if let Some(c) = auth {
            req = req.basic_auth(&c.username, Some(&c.password));
        }
        match req.body(payload.body.clone()).send().await {
            Ok(resp) if resp.status().is_success() => {
                return Ok(Delivered {
                    kind,
                    url,
                    status: resp.status().as_u16(),
                    attempts: attempt,
                    series: payload.series,
                });
            }
            Ok(resp) => {
                let status = resp.status();
                let body = resp.text().await.unwrap_or_default();
                let err = rejected(kind, &url, status, attempt, &body, auth, &hidden);
                if !retryable_status(status) {
                    return Err(err);
                }
                last_err = Some(err);
            }
            Err(e) if e.is_timeout() => {
                last_err = Some(PushError::Timeout {
                    kind,
                    url: url.clone(),
                    attempts: attempt,
                    timeout_ms: policy.timeout.as_millis(),
                });
            }
            Err(e) => {
                last_err = Some(PushError::Unreachable {
                    kind,
                    url: url.clone(),
                    attempts: attempt,
                    reason: error_chain(e.without_url(), &hidden),
                });
            }
        }
    }
    Err(last_err.unwrap_or(PushError::Unreachable {
        kind,
        url,
        attempts,
        reason: "no attempt was made".into(),
    }))
}

fn retryable_status(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

fn rejected(
    kind: &'static str,
    url: &str,
    status: StatusCode,
    attempts: u32,
    body: &str,
    auth: Option<&Credentials>,
    hidden: &[String],
) -> PushError {
    // Scrub before cutting, so no secret is cut in half and survives.
    let window: String = body.trim().chars().take(1200).collect();
    let mut body: String = scrub(&window, hidden).chars().take(300).collect();
    if body.is_empty() {
        body = status.canonical_reason().unwrap_or("no body").to_string();
    }
    let hint = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN if auth.is_some() => {
            ". The credentials were rejected: check the USERNAME/PASSWORD environment variables for this endpoint"
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            ". The endpoint wants credentials: set PUSHGATEWAY_USERNAME/PUSHGATEWAY_PASSWORD (or REMOTE_WRITE_USERNAME/REMOTE_WRITE_PASSWORD)"
        }
        StatusCode::NOT_FOUND => ". Check the URL's path",
        _ => "",
    };
    PushError::Rejected {
        kind,
        url: url.to_string(),
        status: status.as_u16(),
        attempts,
        body,
        hint: hint.to_string(),
    }
}

/// `err` and its sources joined by `: `, credentials scrubbed.
fn error_chain(err: reqwest::Error, hidden: &[String]) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    scrub(&parts.join(": "), hidden)
}

/// The URL without user-info and secret query values (what messages show).
pub fn redact(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    workloads::redact::url(u.as_str())
}

fn redact_str(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) if !host.is_empty() => format!("{scheme}://<redacted>@{host}"),
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests;
