//! The app's chat routes, generic over the app state: `GET /chat` (HTML page) and `GET /chat_emissions?text=…` (JSON
//! `{"chat_response","model","usage","latency_s","impacts","warnings"}`).
//!
//! Thin handlers over [`ChatService`] (which counts every call in the `llm_*` metrics). Any state `S` with
//! `Arc<ChatService>: FromRef<S>` can merge [`routes`]. Errors of `/chat_emissions` are JSON
//! `{"error": <status>, "message": "..."}`: no `text` → 400, LLM down or failing → 502, LLM timeout → 504.

use super::emissions::{ChatEmissions, ChatService};
use super::page;
use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// `/chat` and `/chat_emissions`.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<ChatService>: FromRef<S>,
{
    Router::new()
        .route("/chat", get(chat_page))
        .route("/chat_emissions", get(chat_emissions))
}

#[derive(Debug, Deserialize)]
struct TextQuery {
    text: Option<String>,
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY)
}

async fn chat_emissions(
    State(service): State<Arc<ChatService>>,
    Query(query): Query<TextQuery>,
) -> Response {
    match service.chat_emissions(query.text.as_deref()).await {
        Ok(body) => Json::<ChatEmissions>(body).into_response(),
        Err(e) => {
            let code = status(e.status());
            let body = json!({"error": code.as_u16(), "message": e.to_string()});
            (code, Json(body)).into_response()
        }
    }
}

async fn chat_page(
    State(service): State<Arc<ChatService>>,
    Query(query): Query<TextQuery>,
) -> Response {
    let Some(text) = query.text else {
        return Html(page::render(None, None)).into_response();
    };
    let outcome = service.chat_emissions(Some(&text)).await;
    let code = outcome
        .as_ref()
        .map_or_else(|e| status(e.status()), |_| StatusCode::OK);
    (code, Html(page::render(Some(&text), Some(&outcome)))).into_response()
}
