//! The app's routes, one file per group; [`all`] merges them. A new workload adds `routes/<name>.rs` with a
//! `routes() -> Router<AppState>` and one `.merge(..)` line here.
//!
//! | file | routes |
//! |---|---|
//! | [`intensity`] | `GET /carbon_intensity` |
//! | [`metrics`] | `GET /metrics` |
//! | [`predict`] | `GET /predict`, `GET /predict_carbon_intensity` |
//! | [`crate::chat::http`] | `GET /chat`, `GET /chat_emissions` (generic over the state; lives with the chat workload) |

pub mod intensity;
pub mod metrics;
pub mod predict;

use super::AppState;
use super::error::{AppError, Format};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// Every route of the app.
pub fn all() -> Router<AppState> {
    Router::new()
        .merge(intensity::routes())
        .merge(metrics::routes())
        .merge(predict::routes())
        .merge(crate::chat::http::routes())
}

/// 404 for unknown paths (the path is escaped in the HTML page).
pub async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    let message = format!("no such page: {}", uri.path());
    AppError::new(
        StatusCode::NOT_FOUND,
        message,
        Format::from_headers(&headers),
    )
    .into_response()
}
