//! HTTP target: one op is one GET against a running `workloads serve` (or any server), driven over a pooled
//! keep-alive client (reqwest on hyper). The body is read to the end, so an op is a complete request/response.
//!
//! Routes per workload: `intensity` → `GET /carbon_intensity` (JSON), `predict` →
//! `GET /predict_carbon_intensity?text=…`, `chat` → `GET /chat_emissions?text=…`, `get:/PATH` → `GET /PATH`.
//! A non-2xx status is a failed op of kind `http_<status>`; timeouts, refused connections and other transport
//! errors are kinds `timeout`, `connect` and `request`.

use super::{OpError, OpFuture, Workload};
use reqwest::header::{ACCEPT, HeaderValue};
use std::time::Duration;

/// Per-request timeout.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// GET one URL per op.
#[derive(Debug, Clone)]
pub struct HttpGet {
    name: String,
    url: reqwest::Url,
    client: reqwest::Client,
}

/// Why an HTTP target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("--target `{0}`: expected a base URL like http://127.0.0.1:8001")]
    BadUrl(String),
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Parse and check a `--target` base URL (http or https, with a host).
pub fn parse_target(base: &str) -> Result<reqwest::Url, TargetError> {
    let url = reqwest::Url::parse(base).map_err(|_| TargetError::BadUrl(base.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(TargetError::BadUrl(base.to_string()));
    }
    Ok(url)
}

impl HttpGet {
    /// `name` for results; `path_and_query` is joined to `base` (`/carbon_intensity`, `/x?text=a%20b`).
    pub fn new(name: &str, base: &reqwest::Url, path_and_query: &str) -> Result<Self, TargetError> {
        let url = base
            .join(path_and_query)
            .map_err(|_| TargetError::BadUrl(format!("{base}{path_and_query}")))?;
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(1024)
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            name: name.to_string(),
            url,
            client,
        })
    }

    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }
}

fn transport_error(e: &reqwest::Error) -> OpError {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "request"
    };
    OpError::new(kind, e.to_string())
}

impl Workload for HttpGet {
    fn name(&self) -> &str {
        &self.name
    }

    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let resp = self
                .client
                .get(self.url.clone())
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .send()
                .await
                .map_err(|e| transport_error(&e))?;
            let status = resp.status();
            let body = resp.bytes().await.map_err(|e| transport_error(&e))?;
            if !status.is_success() {
                let snippet = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                return Err(OpError::new(
                    format!("http_{}", status.as_u16()),
                    format!("GET {}: {snippet}", self.url),
                ));
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_urls_are_checked() {
        assert!(parse_target("http://127.0.0.1:8001").is_ok());
        assert!(parse_target("127.0.0.1:8001").is_err());
        assert!(parse_target("ftp://host").is_err());
        let base = parse_target("http://127.0.0.1:8001/").expect("valid");
        let w = HttpGet::new(
            "predict",
            &base,
            "/predict_carbon_intensity?text=driving%2010%20hours",
        )
        .expect("client");
        assert_eq!(
            w.url().as_str(),
            "http://127.0.0.1:8001/predict_carbon_intensity?text=driving%2010%20hours"
        );
    }
}
