//! `harness bench --target` against a live HTTP server on 127.0.0.1:0 (an axum stand-in with `/ok`, `/fail` and
//! `/flaky` routes), and the `--max-error-rate` exit code.

mod common;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::{assert_valid_result_file, harness};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Serve the stand-in on a background runtime for the rest of the test process.
fn serve() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let flaky = Arc::new(AtomicU64::new(0));
            let app = Router::new()
                .route("/ok", get(|| async { "ok" }))
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
                        "late"
                    }),
                )
                .route(
                    "/close",
                    get(|| async { ([(axum::http::header::CONNECTION, "close")], "bye") }),
                )
                .route(
                    "/fail",
                    get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "upstream down") }),
                )
                .route(
                    "/flaky",
                    get(move || {
                        let n = flaky.fetch_add(1, Ordering::Relaxed);
                        async move {
                            if n.is_multiple_of(2) {
                                StatusCode::OK
                            } else {
                                StatusCode::INTERNAL_SERVER_ERROR
                            }
                        }
                    }),
                );
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

fn bench_args<'a>(url: &'a str, workload: &'a str) -> Vec<&'a str> {
    vec![
        "bench",
        "--target",
        url,
        "--workload",
        workload,
        "--duration",
        "300ms",
        "--repetitions",
        "2",
        "--warmup",
        "0s",
        "--idle",
        "100ms",
        "--concurrency",
        "4",
        "--intensity",
        "300",
        "--out",
        "run.json",
    ]
}

#[test]
fn target_mode_drives_the_server_and_records_the_attribution() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(dir.path(), &bench_args(&url, "get:/ok"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("whole machine minus idle"), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["config"]["target"], url.as_str());
    assert_eq!(run["config"]["attribution"], "machine-minus-idle");
    let w = &run["workloads"][0];
    assert_eq!(w["name"], "get:/ok");
    assert!(w["ops"].as_u64().expect("ops") > 10, "{w}");
    assert_eq!(w["errors"], 0);

    // Charged to a server process: the test process itself serves, so give its pid.
    let pid = std::process::id().to_string();
    let mut args = bench_args(&url, "get:/ok");
    args.extend(["--server-pid", &pid]);
    let out = harness(dir.path(), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["config"]["attribution"], "server-pid-cpu-share");
    assert!(
        run["workloads"][0]["repetitions"][0]["cpu_s"]
            .as_f64()
            .expect("cpu_s")
            > 0.0
    );
}

#[test]
fn error_rate_above_the_limit_exits_2_naming_the_workload() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(dir.path(), &bench_args(&url, "get:/fail"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("workload get:/fail failed") && stderr.contains("http_503"),
        "{stderr}"
    );
    assert!(
        stderr.contains("upstream down"),
        "the first errors must be quoted: {stderr}"
    );
    // The measurements are still written, complete.
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["complete"], true);
    assert!(
        run["workloads"][0]["errors_by_kind"]["http_503"]
            .as_u64()
            .expect("count")
            > 0
    );

    // Half the requests fail: refused at the default 1 %, accepted at 60 %.
    let out = harness(dir.path(), &bench_args(&url, "get:/flaky"));
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut args = bench_args(&url, "get:/flaky");
    args.extend(["--max-error-rate", "0.6"]);
    let out = harness(dir.path(), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue #15: the per-request timeout was a fixed 10 s; `--request-timeout` sets it.
#[test]
fn request_timeout_is_a_flag() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = bench_args(&url, "get:/slow");
    args.extend(["--request-timeout", "50ms"]);
    let out = harness(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("timeout") && stderr.contains("50ms"),
        "{stderr}"
    );
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert!(
        run["workloads"][0]["errors_by_kind"]["timeout"]
            .as_u64()
            .expect("timeouts counted")
            > 0
    );
    // With the default 10 s the same route succeeds.
    let out = harness(dir.path(), &bench_args(&url, "get:/slow"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut args = bench_args(&url, "get:/ok");
    args.extend(["--request-timeout", "0s"]);
    let out = harness(dir.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--request-timeout"));
}

#[test]
fn unreachable_or_invalid_targets_fail_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(dir.path(), &bench_args("not a url", "get:/ok"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--target"));
    // A port that was just free: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let out = harness(dir.path(), &bench_args(&dead, "spin:1000"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in-process only"));
    // Nothing listens there any more: every op is a `connect` error.
    let out = harness(dir.path(), &bench_args(&dead, "get:/ok"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("connect"), "{stderr}");
}

/// The real workshop app (`workloads serve` as a library), with its built-in mock grid and mock LLM, on a background
/// runtime for the rest of the test process.
fn workloads_serve() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut config =
                workloads::app::start::ServeConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)));
            config.builtin_mock_llm = true;
            config.energy_period = None;
            let app = workloads::app::start::start(&config)
                .await
                .expect("workloads serve");
            tx.send(app.server.addr()).expect("send addr");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("app started")
}

#[test]
fn target_mode_drives_a_live_workloads_serve_through_all_three_workloads() {
    let addr = workloads_serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let pid = std::process::id().to_string();
    let mut args = bench_args(&url, "intensity,predict,chat");
    args.extend(["--server-pid", &pid]);
    let out = harness(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let names: Vec<&str> = run["workloads"]
        .as_array()
        .expect("workloads")
        .iter()
        .map(|w| w["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["intensity", "predict", "chat"], "{run}");
    for w in run["workloads"].as_array().expect("workloads") {
        assert!(w["ops"].as_u64().expect("ops") > 0, "{w}");
        assert_eq!(w["errors"], 0, "{w}");
    }
    // The app saw the load on its own metrics.
    let metrics = reqwest::blocking::get(format!("{url}/metrics"))
        .expect("metrics")
        .text()
        .expect("text");
    for needle in [
        "requests_total{endpoint=\"/carbon_intensity\",status=\"200\"}",
        "requests_total{endpoint=\"/predict_carbon_intensity\",status=\"200\"}",
        "requests_total{endpoint=\"/chat_emissions\",status=\"200\"}",
        "llm_requests_total{model=\"gpt-4o-mini\",status=\"ok\"}",
    ] {
        assert!(metrics.contains(needle), "{needle} not in /metrics");
    }
}

#[test]
fn connections_the_server_closes_are_replaced_without_failed_ops() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(dir.path(), &bench_args(&url, "get:/close"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let w = &run["workloads"][0];
    assert!(w["ops"].as_u64().expect("ops") > 10, "{w}");
    assert_eq!(w["errors"], 0, "{w}");
}

#[test]
fn a_server_pid_that_does_not_exist_is_refused_naming_it() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    // Pids above the kernel's pid_max (at most 2^22) never exist.
    let mut args = bench_args(&url, "get:/ok");
    args.extend(["--server-pid", "2147483000"]);
    let out = harness(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--server-pid 2147483000"), "{stderr}");
    assert!(!dir.path().join("run.json").exists());
}

#[test]
fn a_server_pid_that_did_no_work_is_warned_about_with_its_name() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    // A process that is not the server (as a wrapper shell's pid would be): its CPU time stays still.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn sleep");
    let pid = sleeper.id().to_string();
    let mut args = bench_args(&url, "get:/ok");
    args.extend(["--server-pid", &pid]);
    let out = harness(dir.path(), &args);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let expected = format!("--server-pid {pid} (sleep): its CPU time did not move");
    assert!(stderr.contains(&expected), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let warnings = run["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains(&expected))),
        "{warnings:?}"
    );
}

#[test]
fn a_workload_whose_first_ops_all_fail_the_same_way_is_stopped_early() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = bench_args(&url, "get:/fail");
    // Five 2 s repetitions would run thousands of 503s; the first 50 are enough to know.
    args[6] = "2s";
    args[8] = "5";
    let out = harness(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("workload get:/fail stopped early, in repetition 1/5: its first 50 ops all failed with http_503"),
        "{stderr}"
    );
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let w = &run["workloads"][0];
    assert_eq!(w["repetitions"].as_array().expect("reps").len(), 1, "{w}");
    assert!(
        run["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|m| m.as_str().is_some_and(|m| m.contains("stopped early"))),
        "{run}"
    );
}

#[test]
fn target_without_workload_refuses_a_server_that_is_not_the_workshop_app() {
    let addr = serve();
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(
        dir.path(),
        &[
            "bench",
            "--target",
            &url,
            "--duration",
            "300ms",
            "--out",
            "run.json",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not the workshop app") && stderr.contains("--workload get:/PATH"),
        "{stderr}"
    );
    assert!(!dir.path().join("run.json").exists());

    // Nothing listening: refused with the same hint, not thousands of connect errors.
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}", free.local_addr().expect("addr"));
    drop(free);
    let out = harness(
        dir.path(),
        &["bench", "--target", &dead, "--out", "run.json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nothing answers there") && stderr.contains("get:/PATH"),
        "{stderr}"
    );
}
