//! What the app's `/chat_emissions` and `/chat` routes do, as a plain service the thin handlers call.
//!
//! One call: check the text, send it to the LLM through [`ChatClient`], count the outcome, tokens and impacts in
//! [`ChatMetrics`], and return the JSON body. Errors carry the HTTP status the route answers with:
//!
//! | error | status |
//! |---|---|
//! | no or blank `text` | 400 |
//! | LLM down, failing, or sending garbage | 502 |
//! | LLM timeout | 504 |
//! | impacts not computable | 500 |

use super::client::{ChatClient, ChatError, DEFAULT_BASE_URL, DEFAULT_TIMEOUT};
use super::impacts::{Catalog, Estimator, ImpactReport};
use super::metrics::{CallStatus, ChatMetrics};
use super::openai::Usage;
use serde::Serialize;
use std::time::Duration;

/// Provider and model used when `serve` is given none (the workshop's).
pub const DEFAULT_PROVIDER: &str = "openai";
/// Model used when `serve` is given none.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// How the app reaches its LLM and which model's impacts it reports (`workloads serve --llm-*`, `MOCK_LLM_URL`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatSettings {
    /// Base URL of the OpenAI-compatible server.
    pub llm_url: String,
    /// EcoLogits provider name.
    pub provider: String,
    /// Model name (sent to the LLM and used for impacts).
    pub model: String,
    /// Timeout of one call.
    pub timeout: Duration,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings {
            llm_url: DEFAULT_BASE_URL.to_string(),
            provider: DEFAULT_PROVIDER.to_string(),
            model: DEFAULT_MODEL.to_string(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl ChatSettings {
    /// Builds the service, registering its counters on `registry`. Unknown provider or model → an error listing
    /// the closest names. The LLM is not contacted: the app starts even when it is down.
    pub fn service(&self, registry: &prometheus::Registry) -> anyhow::Result<ChatService> {
        if self.timeout.is_zero() {
            anyhow::bail!("--llm-timeout must be greater than 0");
        }
        let estimator = Estimator::new(Catalog::embedded()?, &self.provider, &self.model, None)?;
        let client = ChatClient::new(&self.llm_url, estimator, self.timeout)?;
        Ok(ChatService::new(client, ChatMetrics::register(registry)?))
    }
}

/// Body of a successful `/chat_emissions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatEmissions {
    /// The LLM's answer.
    pub chat_response: String,
    /// The model that answered.
    pub model: String,
    /// Token counts the LLM reported.
    pub usage: Usage,
    /// Measured round trip to the LLM, s.
    pub latency_s: f64,
    /// EcoLogits impacts of the call (same shape as `workloads impacts --format json`).
    pub impacts: ImpactReport,
    /// EcoLogits warnings (also inside `impacts`).
    pub warnings: Vec<String>,
}

/// Why `/chat_emissions` failed.
#[derive(Debug, thiserror::Error)]
pub enum ChatServiceError {
    /// The query has no usable `text`.
    #[error("missing query parameter `text`: call /chat_emissions?text=your+message")]
    MissingText,
    /// The LLM call failed.
    #[error(transparent)]
    Chat(#[from] ChatError),
}

impl ChatServiceError {
    /// The HTTP status the route answers with.
    pub fn status(&self) -> u16 {
        match self {
            ChatServiceError::MissingText => 400,
            ChatServiceError::Chat(ChatError::Timeout { .. }) => 504,
            ChatServiceError::Chat(ChatError::Impacts(_)) => 500,
            ChatServiceError::Chat(_) => 502,
        }
    }

    fn call_status(&self) -> CallStatus {
        match self {
            ChatServiceError::MissingText => CallStatus::BadRequest,
            ChatServiceError::Chat(ChatError::Timeout { .. }) => CallStatus::Timeout,
            ChatServiceError::Chat(ChatError::Unreachable { .. }) => CallStatus::Unreachable,
            ChatServiceError::Chat(ChatError::Upstream { .. }) => CallStatus::UpstreamError,
            ChatServiceError::Chat(ChatError::InvalidResponse { .. }) => {
                CallStatus::InvalidResponse
            }
            ChatServiceError::Chat(ChatError::Impacts(_)) => CallStatus::ImpactsError,
        }
    }
}

/// The LLM client and the counters it feeds.
#[derive(Debug, Clone)]
pub struct ChatService {
    client: ChatClient,
    metrics: ChatMetrics,
}

impl ChatService {
    /// A service calling `client` and counting into `metrics`.
    pub fn new(client: ChatClient, metrics: ChatMetrics) -> Self {
        ChatService { client, metrics }
    }

    /// The client (its URL and estimator).
    pub fn client(&self) -> &ChatClient {
        &self.client
    }

    /// Sends `text` to the LLM and returns the answer with its impacts; counts the outcome either way.
    pub async fn chat_emissions(
        &self,
        text: Option<&str>,
    ) -> Result<ChatEmissions, ChatServiceError> {
        let model = self.client.estimator().model().name.clone();
        let result = self.call(text).await;
        match &result {
            Ok(out) => {
                self.metrics.record_call(&model, CallStatus::Ok);
                self.metrics
                    .record_impacts(&model, &out.usage, &out.impacts.impacts);
            }
            Err(e) => self.metrics.record_call(&model, e.call_status()),
        }
        result
    }

    async fn call(&self, text: Option<&str>) -> Result<ChatEmissions, ChatServiceError> {
        let text = text
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ChatServiceError::MissingText)?;
        let out = self.client.chat(text).await?;
        let impacts = self.client.estimator().describe(out.impacts);
        Ok(ChatEmissions {
            chat_response: out.response,
            model: out.model,
            usage: out.usage,
            latency_s: out.latency.0,
            warnings: impacts.warnings.clone(),
            impacts,
        })
    }
}
