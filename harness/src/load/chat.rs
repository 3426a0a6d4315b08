//! `chat` in-process: the workloads `ChatClient` (an OpenAI-style call plus its EcoLogits impact estimate) against an
//! in-process mock LLM bound on 127.0.0.1:0, with the app's defaults (openai / gpt-4o-mini). The mock is stopped by
//! [`Workload::shutdown`]. Client errors map to kinds `timeout`, `connect`, `http_<status>`, `invalid_response`,
//! `impacts`.

use super::{OpError, OpFuture, SAMPLE_TEXT, ShutdownFuture, Workload};
use std::sync::Mutex;
use workloads::chat::client::{ChatClient, ChatError, DEFAULT_TIMEOUT};
use workloads::chat::impacts::{Catalog, Estimator};
use workloads::chat::mock_llm::{self, DEFAULT_MODEL, MockLlmConfig, MockLlmServer};

/// The provider whose impacts are estimated (the app's default).
pub const PROVIDER: &str = "openai";

/// The chat workload with its mock LLM.
#[derive(Debug)]
pub struct Chat {
    client: ChatClient,
    server: Mutex<Option<MockLlmServer>>,
}

impl Chat {
    /// Start the mock LLM on 127.0.0.1:0 and a client for it.
    pub async fn start() -> anyhow::Result<Self> {
        let server = mock_llm::start("127.0.0.1:0", MockLlmConfig::default()).await?;
        let catalog = Catalog::embedded()?;
        let estimator = Estimator::new(catalog, PROVIDER, DEFAULT_MODEL, None)?;
        let client = ChatClient::new(&server.url(), estimator, DEFAULT_TIMEOUT)?;
        Ok(Self {
            client,
            server: Mutex::new(Some(server)),
        })
    }
}

fn kind(e: &ChatError) -> String {
    match e {
        ChatError::Timeout { .. } => "timeout".into(),
        ChatError::Unreachable { .. } => "connect".into(),
        ChatError::Upstream { status, .. } => format!("http_{status}"),
        ChatError::InvalidResponse { .. } => "invalid_response".into(),
        ChatError::Impacts(_) => "impacts".into(),
    }
}

impl Workload for Chat {
    fn name(&self) -> &str {
        "chat"
    }

    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let outcome = self
                .client
                .chat(SAMPLE_TEXT)
                .await
                .map_err(|e| OpError::new(kind(&e), e.to_string()))?;
            std::hint::black_box(outcome);
            Ok(())
        })
    }

    fn shutdown(&self) -> ShutdownFuture {
        let server = self.server.lock().ok().and_then(|mut s| s.take());
        Box::pin(async move {
            if let Some(s) = server {
                // A failed shutdown of the mock only leaves a task that ends with the process.
                let _ = s.shutdown().await;
            }
        })
    }
}
