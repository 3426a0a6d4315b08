//! The app's chat routes, generic over the app state: `GET /chat` (HTML page) and `GET /chat_emissions?text=…` (JSON
//! `{"chat_response","model","usage","latency_s","impacts","warnings"}`).
//!
//! Thin handlers over [`ChatService`] (which counts every call in the `llm_*` metrics). Any state `S` with
//! `Arc<ChatService>: FromRef<S>` can merge [`routes`]. Errors of `/chat_emissions` are JSON
//! `{"error": <status>, "message": "..."}`: no `text` or a query that is not valid percent-encoded UTF-8 → 400 (decoded
//! strictly like the predict routes, never sent upstream as U+FFFD), LLM down or failing → 502, LLM timeout → 504.

use super::emissions::{ChatEmissions, ChatService};
use super::page;
use crate::app::routes::predict::{TextError, text_param};
use axum::extract::{FromRef, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
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

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY)
}

fn bad_query(e: &TextError) -> (StatusCode, String) {
    (e.status(), e.message())
}

async fn chat_emissions(
    State(service): State<Arc<ChatService>>,
    RawQuery(query): RawQuery,
) -> Response {
    let text = match text_param(query.as_deref()) {
        Ok(text) => text,
        Err(e) => {
            let (code, message) = bad_query(&e);
            return (
                code,
                Json(json!({"error": code.as_u16(), "message": message})),
            )
                .into_response();
        }
    };
    match service.chat_emissions(text.as_deref()).await {
        Ok(body) => Json::<ChatEmissions>(body).into_response(),
        Err(e) => {
            let code = status(e.status());
            let body = json!({"error": code.as_u16(), "message": e.to_string()});
            (code, Json(body)).into_response()
        }
    }
}

async fn chat_page(State(service): State<Arc<ChatService>>, RawQuery(query): RawQuery) -> Response {
    let text = match text_param(query.as_deref()) {
        Ok(text) => text,
        Err(e) => {
            let (code, message) = bad_query(&e);
            let page = crate::app::pages::error_page(code.as_u16(), &message);
            return (code, Html(page)).into_response();
        }
    };
    let Some(text) = text else {
        return Html(page::render(None, None)).into_response();
    };
    let outcome = service.chat_emissions(Some(&text)).await;
    let code = outcome
        .as_ref()
        .map_or_else(|e| status(e.status()), |_| StatusCode::OK);
    (code, Html(page::render(Some(&text), Some(&outcome)))).into_response()
}
