//! The OpenAI chat-completions wire format, as far as the mock LLM and our client use it.
//!
//! Request: `{"model", "messages": [{"role", "content"}], "max_tokens"?}` (content is a string; OpenAI's array-of-parts
//! form is not supported). Response: `chat.completion` with `choices[0].message`, `finish_reason` and `usage`.
//! Errors: `{"error": {"message", "type", "param", "code"}}`, as OpenAI sends them.

use serde::{Deserialize, Serialize};

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, ...
    pub role: String,
    /// The text.
    pub content: String,
}

/// Body of `POST /v1/chat/completions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model name; the mock answers as `gpt-4o-mini` when it is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The conversation, oldest first. Must not be empty.
    pub messages: Vec<ChatMessage>,
    /// Upper bound on generated tokens (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
}

/// Token counts of one completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// `prompt_tokens + completion_tokens`.
    pub total_tokens: u64,
}

/// One generated alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Position in `choices`.
    pub index: u32,
    /// The assistant's message.
    pub message: ChatMessage,
    /// `stop` when the model finished, `length` when `max_tokens` cut it.
    pub finish_reason: String,
}

/// A `chat.completion` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletion {
    /// `chatcmpl-…`.
    pub id: String,
    /// Always `chat.completion`.
    pub object: String,
    /// Unix seconds.
    pub created: u64,
    /// Model that answered.
    pub model: String,
    /// Generated alternatives (the mock returns one).
    pub choices: Vec<Choice>,
    /// Token counts.
    pub usage: Usage,
}

/// The inside of an OpenAI error body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// What went wrong and how to fix it.
    pub message: String,
    /// `invalid_request_error`, `server_error`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The offending parameter, when one is to blame.
    #[serde(default)]
    pub param: Option<String>,
    /// A machine-readable code, when there is one.
    #[serde(default)]
    pub code: Option<String>,
}

/// An OpenAI error body: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

impl ErrorBody {
    /// An error of `kind` with `message`, naming `param` when given.
    pub fn new(kind: &str, message: impl Into<String>, param: Option<&str>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                message: message.into(),
                kind: kind.to_string(),
                param: param.map(str::to_string),
                code: None,
            },
        }
    }
}
