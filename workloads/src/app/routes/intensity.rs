//! `GET /carbon_intensity[?zone=XX]`: the current intensity for the zone, as HTML or (with
//! `Accept: application/json`) JSON `{"zone","intensity_g_per_kwh","datetime","source","cached"}`.

use crate::app::error::{AppError, Format};
use crate::app::routes::predict::query_params;
use crate::app::{AppState, Chaos, pages};
use crate::intensity::Source;
use crate::intensity::cache::Served;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rand::Rng;
use serde_json::json;

/// The route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/carbon_intensity", get(carbon_intensity))
}

async fn carbon_intensity(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let format = Format::from_headers(&headers);
    let bad = |m: String| AppError::new(StatusCode::BAD_REQUEST, m, format);
    // Decoded strictly (like predict): a duplicate or badly encoded `zone` is a 400 in the format asked for.
    let mut zones = query_params(query.as_deref(), "zone").map_err(|e| bad(e.message()))?;
    if zones.len() > 1 {
        return Err(bad(format!(
            "`zone` is given {} times: pass it once, e.g. ?zone=DE",
            zones.len()
        )));
    }
    let zone = zones.pop().unwrap_or_else(|| state.zone.to_string());
    validate_zone(&zone).map_err(|m| AppError::new(StatusCode::BAD_REQUEST, m, format))?;
    apply_chaos(state.chaos, format).await?;
    let served = state
        .intensity
        .get(&zone)
        .await
        .map_err(|e| AppError::from_fetch(&e, format))?;
    let source = state.intensity.source();
    state
        .metrics
        .set_intensity(&zone, source.as_str(), served.reading.intensity.0);
    if let Some(energy) = state.energy.as_ref().filter(|_| *zone == *state.zone) {
        // The app's own emissions follow the live intensity of the zone it runs in.
        energy.set_intensity(served.reading.intensity);
    }
    Ok(match format {
        Format::Json => Json(json_body(&served, source)).into_response(),
        Format::Html => Html(html_body(&served, source)).into_response(),
    })
}

/// Zones are short codes of letters, digits and `-` (`DE`, `US-CAL-CISO`). Also checked for `workloads serve --zone`.
pub fn validate_zone(zone: &str) -> Result<(), String> {
    let ok = !zone.is_empty()
        && zone.len() <= 32
        && zone.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid zone {zone:?}: use a zone code such as DE or US-CAL-CISO"
        ))
    }
}

async fn apply_chaos(chaos: Chaos, format: Format) -> Result<(), AppError> {
    let (delay, fail) = {
        let mut rng = rand::rng();
        let delay = if chaos.latency_max.is_zero() {
            None
        } else {
            Some(chaos.latency_max.mul_f64(rng.random()))
        };
        (
            delay,
            chaos.error_rate > 0.0 && rng.random::<f64>() < chaos.error_rate,
        )
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    if fail {
        let message = "artificial failure injected by --artificial-error-rate";
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            message,
            format,
        ));
    }
    Ok(())
}

fn json_body(served: &Served, source: Source) -> serde_json::Value {
    json!({
        "zone": served.reading.zone,
        "intensity_g_per_kwh": served.reading.intensity.0,
        "datetime": served.reading.datetime,
        "source": source.as_str(),
        "cached": served.cached,
    })
}

fn html_body(served: &Served, source: Source) -> String {
    let r = &served.reading;
    let note = match source {
        Source::Mock => {
            "<p><strong>Mock grid:</strong> no ELECTRICITY_MAP_API_KEY is configured, so this value comes \
                         from the built-in mock grid (CodeCarbon's country table), not from Electricity Maps.</p>"
        }
        Source::ElectricityMaps => "<p>Source: Electricity Maps.</p>",
    };
    let body = format!(
        "<h1>Carbon intensity in {zone}</h1><p><strong>{value}</strong> gCO2eq/kWh at {dt}{cached}</p>{note}",
        zone = pages::escape(&r.zone),
        value = r.intensity.0,
        dt = pages::escape(&r.datetime),
        cached = if served.cached { " (cached)" } else { "" },
    );
    pages::page("Carbon intensity", &body)
}
