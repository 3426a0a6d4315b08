//! `ElectricityMapsClient`: `GET {base}/v3/carbon-intensity/latest?zone=XX` (and `.../history?zone=XX`, the last 24
//! hours, for the intensity over a run) with the documented `auth-token` header.
//!
//! Timeouts, connection errors and 5xx answers are retried a bounded number of times with exponential backoff
//! (`backoff`, `2·backoff`, ...); 401/403, 429 and malformed bodies are not retried. The key is never logged and
//! never appears in an error message (`Debug` redacts it).

use super::{FetchError, Reading};
use crate::bounded::{self, BodyError};
use crate::redact;
use crate::units::GramsPerKwh;
use serde::Deserialize;
use std::time::Duration;

/// Client settings. `Debug` prints the key as `<redacted>`.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL without the `/v3/...` path (`https://api.electricitymap.org`).
    pub base_url: String,
    /// Sent as the `auth-token` header.
    pub api_key: String,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Extra attempts after the first, for timeouts, connection errors and 5xx.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further retry.
    pub backoff: Duration,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &redact::url(&self.base_url))
            .field("api_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl ClientConfig {
    /// Defaults: 5 s timeout, 2 retries, 100 ms initial backoff.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: api_key.into(),
            timeout: Duration::from_secs(5),
            retries: 2,
            backoff: Duration::from_millis(100),
        }
    }
}

/// The upstream's JSON body (fields we use).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LatestBody {
    zone: String,
    carbon_intensity: f64,
    datetime: String,
}

/// Electricity Maps client (reqwest with rustls).
#[derive(Debug, Clone)]
pub struct ElectricityMapsClient {
    http: reqwest::Client,
    config: ClientConfig,
}

impl ElectricityMapsClient {
    /// Builds the HTTP client.
    pub fn new(config: ClientConfig) -> Result<Self, FetchError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| FetchError::Network(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, config })
    }

    /// The latest intensity for `zone`, retrying transient failures.
    pub async fn latest(&self, zone: &str) -> Result<Reading, FetchError> {
        self.with_retries(zone, "latest", parse_body).await
    }

    /// The zone's recent history (oldest first; hourly, the last 24 hours on the API), retrying transient failures.
    pub async fn history(&self, zone: &str) -> Result<Vec<Reading>, FetchError> {
        self.with_retries(zone, "history", parse_history).await
    }

    async fn with_retries<T>(
        &self,
        zone: &str,
        endpoint: &str,
        parse: fn(&[u8]) -> Result<T, FetchError>,
    ) -> Result<T, FetchError> {
        let mut wait = self.config.backoff;
        let mut attempt = 0;
        loop {
            match self.attempt(zone, endpoint, parse).await {
                Err(e) if attempt < self.config.retries && is_transient(&e) => {
                    tracing::debug!(zone, attempt, error = %e, "retrying Electricity Maps fetch");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn attempt<T>(
        &self,
        zone: &str,
        endpoint: &str,
        parse: fn(&[u8]) -> Result<T, FetchError>,
    ) -> Result<T, FetchError> {
        let base = format!(
            "{}/v3/carbon-intensity/{endpoint}",
            self.config.base_url.trim_end_matches('/')
        );
        let url = reqwest::Url::parse_with_params(&base, &[("zone", zone)]).map_err(|e| {
            FetchError::Network(format!("invalid Electricity Maps URL {base:?}: {e}"))
        })?;
        let response = self
            .http
            .get(url)
            .header("auth-token", &self.config.api_key)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = match bounded::read_body(response, bounded::MAX_UPSTREAM_BODY_BYTES).await {
            Ok(body) => body,
            Err(BodyError::TooLarge { limit }) => return Err(FetchError::TooLarge { limit }),
            Err(BodyError::Transport(e)) => return Err(self.transport_error(&e)),
        };
        match status {
            200 => parse(&body).map_err(|e| self.scrubbed(e)),
            401 | 403 => Err(FetchError::Unauthorized),
            429 => Err(FetchError::RateLimited { retry_after }),
            _ => Err(FetchError::Upstream {
                status,
                message: redact::upstream_text(&upstream_message(&body), &[&self.config.api_key]),
            }),
        }
    }

    /// A malformed-body error with upstream text made safe (the key masked, at most 200 characters).
    fn scrubbed(&self, e: FetchError) -> FetchError {
        match e {
            FetchError::Malformed(m) => {
                FetchError::Malformed(redact::upstream_text(&m, &[&self.config.api_key]))
            }
            other => other,
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.config.timeout)
        } else {
            // Without the URL: it carries no key, but keep messages short and stable.
            FetchError::Network(redact::text(
                &e.without_url_string(),
                &[&self.config.api_key],
            ))
        }
    }
}

trait WithoutUrl {
    fn without_url_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_string(&self) -> String {
        let mut s = if self.is_connect() {
            "connection failed".to_owned()
        } else {
            "request failed".to_owned()
        };
        let mut source = std::error::Error::source(self);
        while let Some(inner) = source {
            s.push_str(": ");
            s.push_str(&inner.to_string());
            source = inner.source();
        }
        s
    }
}

fn is_transient(e: &FetchError) -> bool {
    match e {
        FetchError::Timeout(_) | FetchError::Network(_) => true,
        FetchError::Upstream { status, .. } => *status >= 500,
        _ => false,
    }
}

/// Parses a 200 answer (public for the property tests).
pub fn parse_body(body: &[u8]) -> Result<Reading, FetchError> {
    let parsed: LatestBody =
        serde_json::from_slice(body).map_err(|e| FetchError::Malformed(e.to_string()))?;
    if !parsed.carbon_intensity.is_finite() || parsed.carbon_intensity < 0.0 {
        return Err(FetchError::Malformed(format!(
            "carbonIntensity is {}",
            parsed.carbon_intensity
        )));
    }
    Ok(Reading {
        zone: parsed.zone,
        intensity: GramsPerKwh(parsed.carbon_intensity),
        datetime: parsed.datetime,
    })
}

/// Parses a 200 answer of the history endpoint: `{"zone", "history": [latest-shaped entries]}`; every entry must be
/// valid (public for tests).
pub fn parse_history(body: &[u8]) -> Result<Vec<Reading>, FetchError> {
    #[derive(Deserialize)]
    struct HistoryBody {
        history: Vec<serde_json::Value>,
    }
    let parsed: HistoryBody =
        serde_json::from_slice(body).map_err(|e| FetchError::Malformed(e.to_string()))?;
    parsed
        .history
        .iter()
        .map(|entry| parse_body(entry.to_string().as_bytes()))
        .collect()
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn upstream_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
        error: Option<String>,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody {
            message: Some(m), ..
        })
        | Ok(ErrorBody { error: Some(m), .. }) => m,
        _ => String::from_utf8_lossy(&body[..body.len().min(4 * redact::MAX_UPSTREAM_TEXT_CHARS)])
            .into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_key() {
        let cfg = ClientConfig::new("http://x", "s3cret-key");
        assert!(!format!("{cfg:?}").contains("s3cret-key"));
    }

    #[test]
    fn body_parsing() {
        let ok = br#"{"zone":"DE","carbonIntensity":380.95,"datetime":"2026-01-01T00:00:00.000Z"}"#;
        assert_eq!(parse_body(ok).map(|r| r.intensity), Ok(GramsPerKwh(380.95)));
        assert!(matches!(
            parse_body(b"<html>"),
            Err(FetchError::Malformed(_))
        ));
        let negative = br#"{"zone":"DE","carbonIntensity":-1,"datetime":"x"}"#;
        assert!(matches!(
            parse_body(negative),
            Err(FetchError::Malformed(_))
        ));
    }

    #[test]
    fn history_parsing() {
        let ok = br#"{"zone":"DE","history":[{"zone":"DE","carbonIntensity":300,"datetime":"2026-01-01T00:00:00Z"},{"zone":"DE","carbonIntensity":310.5,"datetime":"2026-01-01T01:00:00Z"}]}"#;
        let h = parse_history(ok).expect("parses");
        assert_eq!(
            h.iter().map(|r| r.intensity.0).collect::<Vec<_>>(),
            [300.0, 310.5]
        );
        assert_eq!(h[1].datetime, "2026-01-01T01:00:00Z");
        let bad = br#"{"zone":"DE","history":[{"zone":"DE","carbonIntensity":-3,"datetime":"x"}]}"#;
        assert!(matches!(parse_history(bad), Err(FetchError::Malformed(_))));
        assert!(matches!(
            parse_history(b"{}"),
            Err(FetchError::Malformed(_))
        ));
    }

    #[test]
    fn only_timeouts_network_and_5xx_are_retried() {
        assert!(is_transient(&FetchError::Timeout(Duration::from_secs(1))));
        assert!(is_transient(&FetchError::Upstream {
            status: 500,
            message: String::new()
        }));
        assert!(!is_transient(&FetchError::Upstream {
            status: 404,
            message: String::new()
        }));
        assert!(!is_transient(&FetchError::Unauthorized));
        assert!(!is_transient(&FetchError::RateLimited {
            retry_after: None
        }));
        assert!(!is_transient(&FetchError::Malformed(String::new())));
    }
}
