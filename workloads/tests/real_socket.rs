//! Real-socket tests: the app and the mock grid started in-process on 127.0.0.1:0, driven with reqwest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use workloads::app::start::{ServeConfig, start};
use workloads::intensity::mock_grid::{self, MockGridConfig};

fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_app_serves_from_the_mock_grid_and_shuts_down() {
    let app = start(&ServeConfig::new(local())).await.unwrap();
    assert_ne!(app.server.addr().port(), 0);
    let url = format!("{}/carbon_intensity", app.server.base_url());
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (body["source"].as_str(), body["zone"].as_str()),
        (Some("mock"), Some("DE"))
    );
    let html = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Mock grid"),
        "the page says the value is mocked"
    );
    let metrics = client
        .get(format!("{}/metrics?x=1", app.server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let addr = app.server.addr();
    app.shutdown().await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "port closed after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_with_key_calls_the_configured_grid() {
    let grid = mock_grid::spawn(
        MockGridConfig {
            api_key: Some("k-123".into()),
            ..Default::default()
        },
        local(),
    )
    .await
    .unwrap();
    let config = ServeConfig {
        api_key: Some("k-123".into()),
        base_url: grid.server.base_url(),
        zone: "SE-SE3".into(),
        ..ServeConfig::new(local())
    };
    let app = start(&config).await.unwrap();
    assert!(app.mock_grid.is_none());
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/carbon_intensity", app.server.base_url()))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["source"], "electricity-maps");
    assert_eq!(
        body["intensity_g_per_kwh"], 40.695,
        "SE-SE3 uses Sweden's country value"
    );
    app.shutdown().await.unwrap();
    grid.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn mock_grid_rejects_a_wrong_key_and_injects_failures() {
    let grid = mock_grid::spawn(
        MockGridConfig {
            api_key: Some("good".into()),
            error_rate: 1.0,
            seed: 3,
            ..Default::default()
        },
        local(),
    )
    .await
    .unwrap();
    let url = format!(
        "{}/v3/carbon-intensity/latest?zone=DE",
        grid.server.base_url()
    );
    let client = reqwest::Client::new();
    let bad = client
        .get(&url)
        .header("auth-token", "bad")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["message"], "Invalid auth-token");
    for _ in 0..5 {
        let s = client
            .get(&url)
            .header("auth-token", "good")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!(s == 429 || s == 500, "error rate 1 always fails, got {s}");
    }
    grid.server.shutdown().await.unwrap();
}

/// Issue #15: a client that sends half a request head and then nothing used to hold its connection for 65 s and
/// more. With a header-read timeout the server closes it; a complete request on another connection still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let server = workloads::server::spawn_with(local(), router, Duration::from_millis(300))
        .await
        .unwrap();
    let mut slow = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the half-sent request was still open after 10 s"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let ok = reqwest::get(server.base_url()).await.unwrap();
    assert_eq!(ok.text().await.unwrap(), "ok");
    server.shutdown().await.unwrap();
}
