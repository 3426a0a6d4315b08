//! `GET /predict[?text=…]` (HTML form and result) and `GET /predict_carbon_intensity?text=…` (JSON
//! `{"sequence","classification","score","scores":{"low","medium","high"},"model"}`).
//!
//! The query is decoded strictly here, not by serde: `serde_urlencoded` replaces invalid UTF-8 with U+FFFD, which
//! would classify a text the client never sent.
//!
//! | request | status |
//! |---|---|
//! | `text` missing, empty or blank | 400 |
//! | `text` over [`MAX_TEXT_CHARS`] characters | 413 |
//! | bad percent-encoding (`%zz`) or invalid UTF-8 | 400 |
//!
//! Classification is CPU work, so it runs on tokio's blocking pool and never stalls the request-serving threads.

use crate::app::error::{AppError, Format};
use crate::app::{AppState, pages};
use crate::predict::{Label, PredictError, Prediction};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

/// Longest `text` accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// The two routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/predict", get(predict_page))
        .route("/predict_carbon_intensity", get(predict_json))
}

/// Why a `text` parameter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// Absent, empty or only spaces.
    Missing,
    /// Longer than [`MAX_TEXT_CHARS`] characters (the length found).
    TooLong(usize),
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    BadEncoding(String),
}

impl TextError {
    /// 413 for [`TextError::TooLong`], else 400.
    pub fn status(&self) -> StatusCode {
        match self {
            TextError::TooLong(_) => StatusCode::PAYLOAD_TOO_LARGE,
            TextError::Missing | TextError::BadEncoding(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// What to tell the client, with the fix.
    pub fn message(&self) -> String {
        match self {
            TextError::Missing => {
                "missing text: pass an activity, e.g. ?text=driving+10+hours".to_owned()
            }
            TextError::TooLong(n) => {
                format!(
                    "text is {n} characters long; the limit is {MAX_TEXT_CHARS}: send a shorter activity"
                )
            }
            TextError::BadEncoding(why) => format!("cannot decode the query string: {why}"),
        }
    }
}

/// The `text` parameter of a raw query string: the last `text=` wins, `+` is a space, percent-escapes must be
/// well-formed and the result valid UTF-8. Returns `Ok(None)` when there is no `text` at all.
pub fn text_param(query: Option<&str>) -> Result<Option<String>, TextError> {
    Ok(query_params(query, "text")?.pop())
}

/// Every value of parameter `name` in a raw query string, in order, decoded strictly (`+` is a space,
/// percent-escapes are `%` and two hex digits, the result is UTF-8). Used by every app route that reads the query, so
/// none of them sees U+FFFD for bytes the client sent.
pub fn query_params(query: Option<&str>, name: &str) -> Result<Vec<String>, TextError> {
    let mut found = Vec::new();
    for pair in query.unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if decode(key)? == name {
            found.push(decode(value)?);
        }
    }
    Ok(found)
}

/// Checks a decoded `text`: present, not blank, not too long. Returns it trimmed.
pub fn validate_text(text: Option<String>) -> Result<String, TextError> {
    let text = text.unwrap_or_default();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(TextError::Missing);
    }
    let chars = trimmed.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(TextError::TooLong(chars));
    }
    Ok(trimmed.to_owned())
}

fn decode(component: &str) -> Result<String, TextError> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits exactly: `from_str_radix` alone would take "+4" as a number.
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        let shown: String = component[i..].chars().take(3).collect();
                        TextError::BadEncoding(format!(
                            "{shown:?} is not a percent-escape (% and two hex digits)"
                        ))
                    })?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| TextError::BadEncoding("the decoded text is not valid UTF-8".to_owned()))
}

/// Classifies on the blocking pool. Errors map to 400 (empty after tokenisation) or 500 (the model failed).
async fn classify(state: &AppState, text: String) -> Result<Prediction, (StatusCode, String)> {
    let classifier = state.classifier.clone();
    let outcome = tokio::task::spawn_blocking(move || classifier.classify(&text)).await;
    match outcome {
        Ok(Ok(p)) => {
            state
                .metrics
                .observe_prediction(state.classifier.model_name(), p.label.as_str());
            Ok(p)
        }
        Ok(Err(PredictError::EmptyText)) => {
            Err((StatusCode::BAD_REQUEST, PredictError::EmptyText.to_string()))
        }
        Ok(Err(e)) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the classifier failed: {e}"),
        )),
        Err(e) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the classifier task failed: {e}"),
        )),
    }
}

/// The JSON body of a prediction.
pub fn json_body(text: &str, prediction: &Prediction, model: &str) -> serde_json::Value {
    let [low, medium, high] = prediction.scores;
    json!({
        "sequence": text,
        "classification": prediction.label.as_str(),
        "score": prediction.score,
        "scores": {"low": low, "medium": medium, "high": high},
        "model": model,
    })
}

async fn predict_json(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let err = |status, message| AppError::new(status, message, Format::Json);
    let text = text_param(query.as_deref())
        .and_then(validate_text)
        .map_err(|e| err(e.status(), e.message()))?;
    let prediction = classify(&state, text.clone())
        .await
        .map_err(|(s, m)| err(s, m))?;
    Ok(Json(json_body(&text, &prediction, state.classifier.model_name())).into_response())
}

async fn predict_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let format = Format::from_headers(&headers);
    let err = |status, message| AppError::new(status, message, format);
    let raw = text_param(query.as_deref()).map_err(|e| err(e.status(), e.message()))?;
    let Some(raw) = raw else {
        return Ok(Html(page(None)).into_response());
    };
    let text = validate_text(Some(raw)).map_err(|e| err(e.status(), e.message()))?;
    let prediction = classify(&state, text.clone())
        .await
        .map_err(|(s, m)| err(s, m))?;
    Ok(match format {
        Format::Json => {
            Json(json_body(&text, &prediction, state.classifier.model_name())).into_response()
        }
        Format::Html => Html(page(Some((
            &text,
            &prediction,
            state.classifier.model_name(),
        ))))
        .into_response(),
    })
}

fn page(result: Option<(&str, &Prediction, &str)>) -> String {
    let value = result.map_or(String::new(), |(text, _, _)| pages::escape(text));
    let mut body = format!(
        "<h1>Carbon intensity of an activity</h1>\
         <form method=\"get\" action=\"/predict\"><input name=\"text\" size=\"40\" maxlength=\"{MAX_TEXT_CHARS}\" \
         value=\"{value}\" placeholder=\"driving 10 hours\" autofocus> <button>Classify</button></form>"
    );
    if let Some((text, p, model)) = result {
        let rows: String = Label::ALL
            .iter()
            .zip(p.scores)
            .map(|(label, s)| {
                format!(
                    "<tr><td>{label}</td><td>{:.1} %</td></tr>",
                    f64::from(s) * 100.0
                )
            })
            .collect();
        body.push_str(&format!(
            "<p><q>{}</q> is <strong>{}</strong> carbon intensity ({:.1} % probability).</p>\
             <table>{rows}</table><p><small>model: {}</small></p>",
            pages::escape(text),
            p.label,
            f64::from(p.score) * 100.0,
            pages::escape(model)
        ));
    }
    pages::page("Predict", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_escapes_strictly() {
        assert_eq!(
            text_param(Some("text=driving+10%20hours")),
            Ok(Some("driving 10 hours".to_owned()))
        );
        assert_eq!(
            text_param(Some("a=1&text=%C3%A9t%C3%A9")),
            Ok(Some("été".to_owned()))
        );
        assert_eq!(text_param(Some("other=1")), Ok(None));
        assert_eq!(text_param(None), Ok(None));
        assert!(matches!(
            text_param(Some("text=%zz")),
            Err(TextError::BadEncoding(_))
        ));
        assert!(matches!(
            text_param(Some("text=%4")),
            Err(TextError::BadEncoding(_))
        ));
        assert!(matches!(
            text_param(Some("text=%FF%FE")),
            Err(TextError::BadEncoding(_))
        ));
        // Issue #15: a sign is not a hex digit.
        for bad in ["text=%+4", "text=%-1", "text=% 4", "%+4=x"] {
            assert!(
                matches!(text_param(Some(bad)), Err(TextError::BadEncoding(_))),
                "{bad}"
            );
        }
        assert_eq!(
            query_params(Some("zone=DE&zone=FR&x=1"), "zone"),
            Ok(vec!["DE".to_owned(), "FR".to_owned()])
        );
    }

    #[test]
    fn validates_presence_and_length() {
        assert_eq!(validate_text(None), Err(TextError::Missing));
        assert_eq!(validate_text(Some("   ".into())), Err(TextError::Missing));
        assert_eq!(validate_text(Some(" walk ".into())), Ok("walk".to_owned()));
        let long = "é".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            validate_text(Some(long)),
            Err(TextError::TooLong(MAX_TEXT_CHARS + 1))
        );
        assert!(validate_text(Some("é".repeat(MAX_TEXT_CHARS))).is_ok());
        assert_eq!(
            TextError::TooLong(2000).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
