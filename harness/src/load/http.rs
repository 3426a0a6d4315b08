//! HTTP target: one op is one request against a running `workloads serve` (or any server), driven over a pooled
//! keep-alive client (reqwest on hyper). The body is read to the end, so an op is a complete request/response.
//!
//! Routes per workload: `intensity` → `GET /carbon_intensity` (JSON), `predict` →
//! `GET /predict_carbon_intensity?text=…`, `chat` → `GET /chat_emissions?text=…`, `get:/PATH` → `GET /PATH`;
//! `post:/PATH` (`put:`, `patch:`, `delete:`) and scenario requests send the method, headers and body of their
//! [`RequestSpec`]. A status the request does not expect (default: any non-2xx) is a failed op of kind
//! `http_<status>`; timeouts, refused connections and other transport errors are kinds `timeout`, `connect` and
//! `request`.
//!
//! `http://` targets take a fast path: a pool of HTTP/1.1 keep-alive connections driven with hyper directly (one
//! request in flight per connection, a connection per concurrent worker, like `oha`), because reqwest's per-request
//! machinery cost the generator about 30 % of its throughput against a trivial endpoint. `https://` goes through
//! reqwest (rustls).

use super::request::{RequestSpec, default_content_type};
use super::{OpError, OpFuture, Workload};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use std::sync::Mutex;
use std::time::Duration;

/// Default per-request timeout (`harness bench --request-timeout`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Send one request per op.
#[derive(Debug)]
pub struct HttpRequest {
    name: String,
    url: reqwest::Url,
    method: reqwest::Method,
    /// Every header sent besides `Host`: the defaults (`Accept`, a body's `Content-Type`) unless the user set them.
    headers: HeaderMap,
    body: Bytes,
    expect: super::request::ExpectStatus,
    timeout: Duration,
    transport: Transport,
}

#[derive(Debug)]
enum Transport {
    /// `http://`: our own pool of hyper HTTP/1.1 connections.
    Plain(PlainPool),
    /// `https://`: reqwest with rustls.
    Tls(reqwest::Client),
}

/// Idle keep-alive connections to one `host:port`, each able to carry one request at a time.
struct PlainPool {
    authority: String,
    path_and_query: String,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

impl std::fmt::Debug for PlainPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainPool")
            .field("authority", &self.authority)
            .field("path_and_query", &self.path_and_query)
            .finish_non_exhaustive()
    }
}

impl PlainPool {
    fn take(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some(s) = idle.pop() {
            if !s.is_closed() {
                return Some(s);
            }
        }
        None
    }

    fn give_back(&self, sender: SendRequest<Full<Bytes>>) {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(sender);
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, OpError> {
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|e| {
                OpError::new("connect", format!("connecting to {}: {e}", self.authority))
            })?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| {
                    OpError::new(
                        "connect",
                        format!("HTTP handshake with {}: {e}", self.authority),
                    )
                })?;
        tokio::spawn(async move {
            // Ends when the server closes the connection or the sender is dropped; the next op then reconnects.
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// One request on a pooled connection: status and body.
    async fn send(
        &self,
        spec: &HttpRequest,
        timeout: Duration,
    ) -> Result<(hyper::StatusCode, Bytes), OpError> {
        let mut request = hyper::Request::builder()
            .method(spec.method.clone())
            .uri(self.path_and_query.as_str())
            .header(hyper::header::HOST, self.authority.as_str())
            .body(Full::new(spec.body.clone()))
            .map_err(|e| OpError::new("request", e.to_string()))?;
        request.headers_mut().extend(spec.headers.clone());
        let exchange = async {
            let mut sender = match self.take() {
                Some(mut pooled) => match pooled.ready().await {
                    Ok(()) => pooled,
                    // The server closed an idle connection (keep-alive expiry): nothing was sent, so reconnect.
                    Err(_) => self.connect().await?,
                },
                None => self.connect().await?,
            };
            let request_error = |e: hyper::Error| OpError::new("request", e.to_string());
            sender.ready().await.map_err(request_error)?;
            let response = sender.send_request(request).await.map_err(request_error)?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(request_error)?
                .to_bytes();
            Ok::<_, OpError>((sender, status, body))
        };
        let (sender, status, body) =
            tokio::time::timeout(timeout, exchange)
                .await
                .map_err(|_| {
                    OpError::new(
                        "timeout",
                        format!(
                            "no complete response within {timeout:?} (raise --request-timeout)"
                        ),
                    )
                })??;
        self.give_back(sender);
        Ok((status, body))
    }
}

/// Why an HTTP target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("--target `{0}`: expected a base URL like http://127.0.0.1:8001")]
    BadUrl(String),
    #[error(
        "--target `{0}`: credentials in the URL are not supported (they would not be sent); remove the user:password@ part"
    )]
    Credentials(String),
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Parse and check a `--target` base URL (http or https, with a host).
///
/// Credentials in the URL (`http://user:pass@host`) are refused: the load drivers do not send them, and a password
/// must not end up in the result file. Messages show the URL through [`workloads::redact::url`].
pub fn parse_target(base: &str) -> Result<reqwest::Url, TargetError> {
    let shown = || workloads::redact::url(base);
    let url = reqwest::Url::parse(base).map_err(|_| TargetError::BadUrl(shown()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(TargetError::BadUrl(shown()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::Credentials(shown()));
    }
    Ok(url)
}

impl HttpRequest {
    /// A plain GET named `name`; `path_and_query` is joined to `base` (`/carbon_intensity`, `/x?text=a%20b`).
    pub fn get(
        name: &str,
        base: &reqwest::Url,
        path_and_query: &str,
        timeout: Duration,
    ) -> Result<Self, TargetError> {
        Self::new(base, &RequestSpec::get(name, path_and_query), timeout)
    }

    /// The request `spec` describes, against `base`.
    pub fn new(
        base: &reqwest::Url,
        spec: &RequestSpec,
        timeout: Duration,
    ) -> Result<Self, TargetError> {
        let path_and_query = spec.path.as_str();
        let url = base
            .join(path_and_query)
            .map_err(|_| TargetError::BadUrl(format!("{base}{path_and_query}")))?;
        let mut headers = HeaderMap::new();
        if !spec.has_header("accept") {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        if let Some(body) = &spec.body
            && !spec.has_header("content-type")
        {
            let ct = default_content_type(&body.bytes);
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        for h in &spec.headers {
            headers.append(h.name.clone(), h.value.clone());
        }
        let transport = if url.scheme() == "http" {
            let host = url
                .host_str()
                .ok_or_else(|| TargetError::BadUrl(url.to_string()))?;
            let port = url.port_or_known_default().unwrap_or(80);
            let path_and_query = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            Transport::Plain(PlainPool {
                authority: format!("{host}:{port}"),
                path_and_query,
                idle: Mutex::new(Vec::new()),
            })
        } else {
            Transport::Tls(
                reqwest::Client::builder()
                    .timeout(timeout)
                    .pool_max_idle_per_host(1024)
                    .tcp_nodelay(true)
                    .build()?,
            )
        };
        Ok(Self {
            name: spec.name.clone(),
            url,
            method: spec.method.clone(),
            headers,
            body: spec
                .body
                .as_ref()
                .map(|b| b.bytes.clone())
                .unwrap_or_default(),
            expect: spec.expect.clone(),
            timeout,
            transport,
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

impl Workload for HttpRequest {
    fn name(&self) -> &str {
        &self.name
    }

    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let (status, body) = match &self.transport {
                Transport::Plain(pool) => pool.send(self, self.timeout).await?,
                Transport::Tls(client) => {
                    let resp = client
                        .request(self.method.clone(), self.url.clone())
                        .headers(self.headers.clone())
                        .body(self.body.clone())
                        .send()
                        .await
                        .map_err(|e| transport_error(&e))?;
                    let status = resp.status();
                    let body = resp.bytes().await.map_err(|e| transport_error(&e))?;
                    (status, body)
                }
            };
            if !self.expect.accepts(status.as_u16()) {
                let start = String::from_utf8_lossy(&body[..body.len().min(800)]).into_owned();
                let snippet = workloads::redact::upstream_text(&start, &[]);
                return Err(OpError::new(
                    format!("http_{}", status.as_u16()),
                    format!(
                        "{} {}: {snippet}",
                        self.method,
                        workloads::redact::url(self.url.as_str())
                    ),
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
        let w = HttpRequest::get(
            "predict",
            &base,
            "/predict_carbon_intensity?text=driving%2010%20hours",
            REQUEST_TIMEOUT,
        )
        .expect("client");
        assert_eq!(
            w.url().as_str(),
            "http://127.0.0.1:8001/predict_carbon_intensity?text=driving%2010%20hours"
        );
    }
}
