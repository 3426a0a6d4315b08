//! `/predict` and `/predict_carbon_intensity` through the whole app router (tiny embedded model).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::*;
use std::time::Duration;

const T: Duration = Duration::from_secs(2);

/// The app with the default (tiny, embedded) classifier; predict never calls the grid.
fn app() -> axum::Router {
    app_for(state("http://127.0.0.1:9", KEY, T, T, 0))
}

/// The value of one sample line of the exposition, or 0 when absent.
fn sample(exposition: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.split(['{', ' ']).next() == Some(name)
                && labels
                    .iter()
                    .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

#[tokio::test]
async fn json_has_the_documented_shape_and_consistent_scores() {
    let app = app();
    let (status, headers, body) =
        get_json(&app, "/predict_carbon_intensity?text=driving+10+hours").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(body["sequence"], "driving 10 hours");
    assert_eq!(body["model"], "tiny");
    let label = body["classification"].as_str().unwrap();
    assert!(["low", "medium", "high"].contains(&label), "{body}");
    let scores: Vec<f64> = ["low", "medium", "high"]
        .iter()
        .map(|k| body["scores"][k].as_f64().unwrap())
        .collect();
    assert!((scores.iter().sum::<f64>() - 1.0).abs() < 1e-5, "{body}");
    let best = scores.iter().copied().fold(f64::MIN, f64::max);
    assert!((body["score"].as_f64().unwrap() - best).abs() < 1e-9);
    assert_eq!(body["scores"][label].as_f64().unwrap(), best);
}

#[tokio::test]
async fn clearly_low_and_high_activities_land_right() {
    let app = app();
    for (text, want) in [
        ("flying+from+London+to+Sydney+in+business+class", "high"),
        ("reading+a+paper+book+at+home", "low"),
    ] {
        let (status, _, body) =
            get_json(&app, &format!("/predict_carbon_intensity?text={text}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["classification"], want, "{text}: {body}");
    }
}

#[tokio::test]
async fn bad_text_gets_an_honest_status_and_a_message() {
    let app = app();
    let long = "a".repeat(1001);
    let just_fits = "a".repeat(1000);
    for (uri, want, says) in [
        ("/predict_carbon_intensity", StatusCode::BAD_REQUEST, "text"),
        (
            "/predict_carbon_intensity?text=",
            StatusCode::BAD_REQUEST,
            "text",
        ),
        (
            "/predict_carbon_intensity?text=+%20+",
            StatusCode::BAD_REQUEST,
            "text",
        ),
        (
            "/predict_carbon_intensity?text=%zz",
            StatusCode::BAD_REQUEST,
            "percent",
        ),
        (
            "/predict_carbon_intensity?text=%ff%fe",
            StatusCode::BAD_REQUEST,
            "UTF-8",
        ),
        (
            &format!("/predict_carbon_intensity?text={long}"),
            StatusCode::PAYLOAD_TOO_LARGE,
            "1000",
        ),
        (
            &format!("/predict?text={long}"),
            StatusCode::PAYLOAD_TOO_LARGE,
            "1000",
        ),
    ] {
        let (status, _, body) = get_json(&app, uri).await;
        assert_eq!(status, want, "{uri}: {body}");
        let message = body.to_string();
        assert!(
            message.to_lowercase().contains(&says.to_lowercase()),
            "{uri}: {message}"
        );
    }
    let (status, _, _) =
        get_json(&app, &format!("/predict_carbon_intensity?text={just_fits}")).await;
    assert_eq!(status, StatusCode::OK, "1,000 characters is allowed");
}

#[tokio::test]
async fn the_page_shows_a_form_then_the_escaped_result() {
    let app = app();
    let (status, headers, html) = call(&app, "GET", "/predict", None, Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        html.contains("<form") && html.contains("name=\"text\""),
        "{html}"
    );
    let (status, _, html) = call(
        &app,
        "GET",
        "/predict?text=%3Cscript%3Ealert(1)%3C%2Fscript%3E+driving",
        None,
        Body::empty(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; driving"),
        "{html}"
    );
    assert!(html.contains("probability"), "{html}");
    // The page answers JSON to a client that asks for it.
    let (_, _, body) = get_json(&app, "/predict?text=cycling").await;
    assert_eq!(body["sequence"], "cycling");
}

#[tokio::test]
async fn wrong_method_is_405() {
    let app = app();
    for uri in ["/predict_carbon_intensity?text=x", "/predict"] {
        let (status, _, _) = call(&app, "POST", uri, None, Body::empty()).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{uri}");
    }
}

#[tokio::test]
async fn metrics_count_predictions_and_real_statuses() {
    let app = app();
    for uri in [
        "/predict_carbon_intensity?text=driving+10+hours",
        "/predict_carbon_intensity?text=driving+10+hours",
        "/predict_carbon_intensity",
        "/predict?text=cycling",
    ] {
        get_json(&app, uri).await;
    }
    let (_, _, text) = call(&app, "GET", "/metrics", None, Body::empty()).await;
    let ep = ("endpoint", "/predict_carbon_intensity");
    assert_eq!(
        sample(&text, "requests_total", &[ep, ("status", "200")]),
        2.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "requests_total", &[ep, ("status", "400")]),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            "requests_total",
            &[("endpoint", "/predict"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        sample(&text, "request_latency_seconds_count", &[ep]),
        3.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "predictions_total", &[("model", "tiny")]),
        3.0,
        "two JSON predictions and one page prediction; the 400 classifies nothing"
    );
}
