//! The chat workload's client: one OpenAI-style completion, timed, with its EcoLogits impacts.
//!
//! Used by the app's `/chat_emissions` route and by the harness's in-process `chat` workload, so both measure the same
//! thing: the wall-clock round trip of `POST {base}/v1/chat/completions`, the completion tokens the server reports,
//! and the impacts [`Estimator::impacts`] derives from those two.
//!
//! | error | meaning | `/chat_emissions` answers |
//! |---|---|---|
//! | [`ChatError::Timeout`] | no answer within the timeout | 504 |
//! | [`ChatError::Unreachable`] | connection refused or dropped | 502 |
//! | [`ChatError::Upstream`] | the LLM answered with an error status | 502 |
//! | [`ChatError::InvalidResponse`] | the body is not a chat completion | 502 |
//! | [`ChatError::Impacts`] | impacts could not be computed | 500 |
//!
//! Error messages never name the LLM's URL (it is internal; the app shows them to public clients) and text taken from
//! the LLM is scrubbed of URL credentials and cut to [`redact::MAX_UPSTREAM_TEXT_CHARS`] characters. The `url` fields
//! hold the URL through [`redact::url`], for logs. Bodies are read up to [`bounded::MAX_UPSTREAM_BODY_BYTES`]; a
//! longer answer is an [`ChatError::InvalidResponse`] "upstream answer too large" (502).

use super::impacts::{Estimator, Impacts, ImpactsError};
use super::openai::{ChatCompletion, ChatMessage, ChatRequest, ErrorBody, Usage};
use crate::bounded::{self, BodyError};
use crate::redact;
use crate::units::Seconds;
use std::time::{Duration, Instant};

/// Where the mock LLM listens by default (`MOCK_LLM_URL`).
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8002";
/// Default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Path the client posts to.
pub const COMPLETIONS_PATH: &str = "/v1/chat/completions";

/// Why a chat call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// No complete answer within the timeout.
    #[error("the LLM did not answer within {timeout:?} (raise the timeout or check the server)")]
    Timeout {
        /// URL called, redacted ([`redact::url`]); not part of the message.
        url: String,
        /// The limit.
        timeout: Duration,
    },
    /// The connection failed.
    #[error("cannot reach the LLM: {message} (is `workloads mock-llm` running? set MOCK_LLM_URL)")]
    Unreachable {
        /// URL called, redacted ([`redact::url`]); not part of the message.
        url: String,
        /// The transport error.
        message: String,
    },
    /// The server answered with an error status.
    #[error("the LLM answered {status}: {message}")]
    Upstream {
        /// URL called, redacted ([`redact::url`]); not part of the message.
        url: String,
        /// HTTP status.
        status: u16,
        /// The error message it sent (OpenAI `error.message`, else the raw body).
        message: String,
    },
    /// The body was not a usable chat completion.
    #[error("the LLM sent an invalid chat completion: {message}")]
    InvalidResponse {
        /// URL called, redacted ([`redact::url`]); not part of the message.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// Impacts could not be computed.
    #[error(transparent)]
    Impacts(#[from] ImpactsError),
}

/// One completed chat call.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatOutcome {
    /// The assistant's text.
    pub response: String,
    /// The model that answered.
    pub model: String,
    /// Token counts reported by the server.
    pub usage: Usage,
    /// Measured round trip.
    pub latency: Seconds,
    /// EcoLogits impacts for `usage.completion_tokens` generated in `latency`.
    pub impacts: Impacts,
}

/// A client bound to one LLM endpoint and one provider/model for impacts.
#[derive(Debug, Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    /// The URL posted to, credentials included.
    endpoint: String,
    /// `endpoint` through [`redact::url`]: the only form that reaches errors.
    shown_url: String,
    /// The user-info password of `url`, scrubbed from upstream text.
    secrets: Vec<String>,
    model: String,
    timeout: Duration,
    estimator: Estimator,
}

impl ChatClient {
    /// A client posting to `{base_url}/v1/chat/completions` as `estimator`'s model, giving up after `timeout`.
    pub fn new(base_url: &str, estimator: Estimator, timeout: Duration) -> Result<Self, ChatError> {
        let url = format!("{}{COMPLETIONS_PATH}", base_url.trim_end_matches('/'));
        let shown_url = redact::url(&url);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ChatError::Unreachable {
                url: shown_url.clone(),
                message: e.to_string(),
            })?;
        let model = estimator.model().name.clone();
        Ok(ChatClient {
            http,
            secrets: redact::url_password(&url).into_iter().collect(),
            endpoint: url,
            shown_url,
            model,
            timeout,
            estimator,
        })
    }

    /// The URL posted to, redacted ([`redact::url`]): safe to print.
    pub fn url(&self) -> &str {
        &self.shown_url
    }

    /// The estimator used for impacts.
    pub fn estimator(&self) -> &Estimator {
        &self.estimator
    }

    /// Sends `text` as one user message; returns the answer, its usage, the round trip and the impacts.
    pub async fn chat(&self, text: &str) -> Result<ChatOutcome, ChatError> {
        let request = ChatRequest {
            model: Some(self.model.clone()),
            messages: vec![ChatMessage {
                role: "user".into(),
                content: text.into(),
            }],
            max_tokens: None,
        };
        let started = Instant::now();
        let completion = self.complete(&request).await?;
        let latency = Seconds(started.elapsed().as_secs_f64());
        let usage = completion.usage;
        let response = match completion.choices.into_iter().next() {
            Some(choice) => choice.message.content,
            None => return Err(self.invalid("`choices` is empty")),
        };
        let impacts = self
            .estimator
            .impacts(usage.completion_tokens, Some(latency))?;
        Ok(ChatOutcome {
            response,
            model: completion.model,
            usage,
            latency,
            impacts,
        })
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatCompletion, ChatError> {
        let response = self
            .http
            .post(&self.endpoint)
            .json(request)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = response.status();
        let body = match bounded::read_body(response, bounded::MAX_UPSTREAM_BODY_BYTES).await {
            Ok(body) => body,
            Err(e @ BodyError::TooLarge { .. }) => return Err(self.invalid(e)),
            Err(BodyError::Transport(e)) => return Err(self.transport(e)),
        };
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorBody>(&body)
                .map(|e| e.error.message)
                .unwrap_or_else(|_| {
                    let start = &body[..body.len().min(4 * redact::MAX_UPSTREAM_TEXT_CHARS)];
                    String::from_utf8_lossy(start).into_owned()
                });
            return Err(ChatError::Upstream {
                url: self.shown_url.clone(),
                status: status.as_u16(),
                message: self.scrub(&message),
            });
        }
        parse_completion(&body).map_err(|e| self.invalid(e))
    }

    /// Upstream or transport text made safe to show: URLs redacted, the URL's password masked, at most 200 chars.
    fn scrub(&self, text: &str) -> String {
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        redact::upstream_text(text, &secrets)
    }

    fn transport(&self, e: reqwest::Error) -> ChatError {
        if e.is_timeout() {
            ChatError::Timeout {
                url: self.shown_url.clone(),
                timeout: self.timeout,
            }
        } else {
            ChatError::Unreachable {
                url: self.shown_url.clone(),
                message: self.scrub(&error_chain(&e.without_url())),
            }
        }
    }

    fn invalid(&self, message: impl ToString) -> ChatError {
        ChatError::InvalidResponse {
            url: self.shown_url.clone(),
            message: self.scrub(&message.to_string()),
        }
    }
}

/// A 2xx body as a chat completion whose token counts add up (public for the property tests).
pub fn parse_completion(body: &[u8]) -> Result<ChatCompletion, String> {
    let completion: ChatCompletion = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let u = completion.usage;
    if u.prompt_tokens.checked_add(u.completion_tokens) != Some(u.total_tokens) {
        return Err(format!(
            "usage.total_tokens {} ≠ prompt + completion",
            u.total_tokens
        ));
    }
    Ok(completion)
}

/// An error and its sources, joined with `: ` (reqwest's top-level message alone says little).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
