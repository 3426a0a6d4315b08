//! `harness bench --target` with requests that carry a method, a JSON body and headers (`--scenario FILE`, and the
//! inline `--workload post:/PATH --body --header` forms) against a test server on 127.0.0.1:0 that checks both, and
//! the secret taken from the environment never reaching the result file.

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use common::assert_valid_result_file;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const SECRET: &str = "s3cr3t-t0ken-9f2c";

/// Requests the server accepted (right header, right JSON body) and refused.
#[derive(Debug, Default)]
struct Seen {
    good: AtomicU64,
    bad: AtomicU64,
}

/// `POST /orders` answers 201 only with `Authorization: Bearer SECRET`, `Content-Type: application/json` and a JSON
/// body `{"item": "tea", "qty": 2}`; anything else gets 400. `GET /orders` answers 200.
fn serve(seen: Arc<Seen>) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let post = move |headers: HeaderMap, body: Bytes| {
                let seen = Arc::clone(&seen);
                async move {
                    if order_is_valid(&headers, &body) {
                        seen.good.fetch_add(1, Ordering::Relaxed);
                        StatusCode::CREATED
                    } else {
                        seen.bad.fetch_add(1, Ordering::Relaxed);
                        StatusCode::BAD_REQUEST
                    }
                }
            };
            let app = Router::new().route("/orders", get(|| async { "[]" }).post(post));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            axum::serve(listener, app).await.expect("serve");
        });
    });
    rx.recv().expect("server started")
}

fn order_is_valid(headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    header("authorization") == Some(&format!("Bearer {SECRET}"))
        && header("content-type") == Some("application/json")
        && header("x-client") == Some("ci")
        && json == Some(serde_json::json!({"item": "tea", "qty": 2}))
}

fn harness(dir: &Path, args: &[&str], token: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.args(args).current_dir(dir).env_remove("API_TOKEN");
    if let Some(t) = token {
        cmd.env("API_TOKEN", t);
    }
    cmd.output().expect("harness runs")
}

fn bench_args<'a>(url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "bench",
        "--target",
        url,
        "--duration",
        "200ms",
        "--repetitions",
        "2",
        "--warmup",
        "0s",
        "--idle",
        "0s",
        "--concurrency",
        "2",
        "--meter",
        "fake",
        "--intensity",
        "300",
        "--no-emissions-csv",
        "--out",
        "run.json",
    ];
    args.extend_from_slice(extra);
    args
}

const SCENARIO: &str = r#"
[[request]]
name = "create-order"
method = "POST"
path = "/orders"
headers = { Authorization = "Bearer ${API_TOKEN}", "X-Client" = "ci" }
body = "@order.json"
expect_status = 201

[[request]]
name = "list-orders"
path = "/orders"
"#;

#[test]
fn a_scenario_sends_body_and_headers_and_records_no_secret() {
    let seen = Arc::new(Seen::default());
    let url = format!("http://{}", serve(Arc::clone(&seen)));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("scenario.toml"), SCENARIO).expect("write");
    std::fs::write(
        dir.path().join("order.json"),
        r#"{"item": "tea", "qty": 2}"#,
    )
    .expect("write");
    let out = harness(
        dir.path(),
        &bench_args(&url, &["--scenario", "scenario.toml"]),
        Some(SECRET),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        seen.good.load(Ordering::Relaxed) > 0,
        "no valid POST reached the server"
    );
    assert_eq!(
        seen.bad.load(Ordering::Relaxed),
        0,
        "the server refused some POSTs"
    );

    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let names: Vec<&str> = run["workloads"]
        .as_array()
        .expect("workloads")
        .iter()
        .map(|w| w["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["create-order", "list-orders"]);
    let create = &run["workloads"][0];
    assert!(
        create["ops"].as_u64().expect("ops") > 0 && create["errors"] == 0,
        "{create}"
    );
    assert_eq!(create["request"]["method"], "POST");
    assert_eq!(create["request"]["body_source"], "@order.json");
    let headers = create["request"]["headers"].to_string();
    assert!(headers.contains("Bearer ${API_TOKEN}"), "{headers}");
    assert_eq!(run["workloads"][1]["request"]["method"], "GET");

    let text = std::fs::read_to_string(dir.path().join("run.json")).expect("read");
    assert!(!text.contains(SECRET), "the secret is in the result file");
    assert!(!stderr.contains(SECRET) && !String::from_utf8_lossy(&out.stdout).contains(SECRET));
}

#[test]
fn inline_post_with_body_and_header() {
    let seen = Arc::new(Seen::default());
    let url = format!("http://{}", serve(Arc::clone(&seen)));
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = [
        "--workload",
        "post:/orders",
        "--body",
        r#"{"item": "tea", "qty": 2}"#,
        "--header",
        "Authorization: Bearer ${API_TOKEN}",
        "-H",
        "X-Client: ci",
    ];
    let out = harness(dir.path(), &bench_args(&url, &extra), Some(SECRET));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Inline requests expect any 2xx: the server's 201 is a success.
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(seen.good.load(Ordering::Relaxed) > 0 && seen.bad.load(Ordering::Relaxed) == 0);
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["workloads"][0]["name"], "post:/orders");
    assert_eq!(run["workloads"][0]["request"]["body_bytes"], 25);
    let text = std::fs::read_to_string(dir.path().join("run.json")).expect("read");
    assert!(!text.contains(SECRET), "the secret is in the result file");

    // Without the right header the server refuses: the errors are counted with their status.
    let wrong = [
        "--workload",
        "post:/orders",
        "--body",
        "{}",
        "--max-error-rate",
        "1",
    ];
    let out = harness(dir.path(), &bench_args(&url, &wrong), Some(SECRET));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert!(
        run["workloads"][0]["errors_by_kind"]["http_400"]
            .as_u64()
            .expect("count")
            > 0
    );
}

#[test]
fn bad_request_input_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = "http://127.0.0.1:9";
    let unset = [
        "--workload",
        "get:/x",
        "--header",
        "Authorization: Bearer ${API_TOKEN}",
    ];
    let out = harness(dir.path(), &bench_args(url, &unset), None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("API_TOKEN is not set"), "{stderr}");

    let body_on_get = ["--workload", "get:/x", "--body", "{}"];
    let out = harness(dir.path(), &bench_args(url, &body_on_get), None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--body applies to post:/PATH"), "{stderr}");

    std::fs::write(
        dir.path().join("bad.toml"),
        "[[request]]\nname = \"a\"\npath = \"/\"\nmethod = \"FETCH\"\n",
    )
    .expect("write");
    let out = harness(
        dir.path(),
        &bench_args(url, &["--scenario", "bad.toml"]),
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown method `FETCH`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
