//! `AppError`: every failure a handler can return, with its honest HTTP status, rendered as JSON or HTML.

use super::pages;
use crate::intensity::FetchError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use std::time::Duration;

/// The response format the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Accept: application/json`.
    Json,
    /// Anything else.
    Html,
}

impl Format {
    /// JSON when the `Accept` header mentions `application/json`, HTML otherwise.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Format {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if accept.contains("application/json") {
            Format::Json
        } else {
            Format::Html
        }
    }
}

/// A handler failure.
#[derive(Debug)]
pub struct AppError {
    /// Status to answer.
    pub status: StatusCode,
    /// Message for the user (escaped in HTML).
    pub message: String,
    /// `Retry-After` to send, if any.
    pub retry_after: Option<Duration>,
    /// Response format.
    pub format: Format,
}

impl AppError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>, format: Format) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
            format,
        }
    }

    /// Maps an upstream failure: 401 → 502, 429 → 503 + `Retry-After`, timeout → 504, anything else → 502.
    pub fn from_fetch(e: &FetchError, format: Format) -> Self {
        let (status, retry_after) = match e {
            FetchError::Unauthorized => (StatusCode::BAD_GATEWAY, None),
            FetchError::RateLimited { retry_after } => (
                StatusCode::SERVICE_UNAVAILABLE,
                Some(retry_after.unwrap_or(Duration::from_secs(60))),
            ),
            FetchError::Timeout(_) => (StatusCode::GATEWAY_TIMEOUT, None),
            FetchError::Upstream { .. }
            | FetchError::Malformed(_)
            | FetchError::Network(_)
            | FetchError::TooLarge { .. } => (StatusCode::BAD_GATEWAY, None),
        };
        Self {
            status,
            message: e.to_string(),
            retry_after,
            format,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = match self.format {
            Format::Json => (
                self.status,
                Json(json!({"error": self.status.as_u16(), "message": self.message})),
            )
                .into_response(),
            Format::Html => (
                self.status,
                Html(pages::error_page(self.status.as_u16(), &self.message)),
            )
                .into_response(),
        };
        if let Some(after) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&after.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
