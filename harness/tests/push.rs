//! `harness push` against local axum sinks on 127.0.0.1:0: a Pushgateway and a remote-write receiver that record what
//! they get, one that is down, one that wants other credentials, one that is too slow, one that fails once.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use harness::push::remote_write::WriteRequest;
use harness::push::verdicts::Verdicts;
use harness::push::{Endpoint, PushError, PushOptions, RetryPolicy, push_run};
use harness::record::schema::RunResult;
use prost::Message;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RUN: &str = "tests/fixtures/results/push-run.json";
const COMPARE: &str = "tests/fixtures/results/push-compare.json";

#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// How a sink answers: given the request number (0-based) and its headers.
type Behaviour = Arc<dyn Fn(usize, &HeaderMap) -> (StatusCode, Duration, String) + Send + Sync>;

#[derive(Clone)]
struct Sink {
    seen: Arc<Mutex<Vec<Recorded>>>,
    behaviour: Behaviour,
}

async fn record(State(sink): State<Sink>, req: Request) -> impl IntoResponse {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 10 << 20)
        .await
        .unwrap_or_default();
    let n = {
        let mut seen = sink.seen.lock().expect("lock");
        seen.push(Recorded {
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            headers: parts.headers.clone(),
            body,
        });
        seen.len() - 1
    };
    let (status, delay, text) = (sink.behaviour)(n, &parts.headers);
    tokio::time::sleep(delay).await;
    (status, text)
}

async fn start_sink(behaviour: Behaviour) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new().fallback(record).with_state(Sink {
        seen: seen.clone(),
        behaviour,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

fn ok_sink() -> Behaviour {
    Arc::new(|_, _| (StatusCode::OK, Duration::ZERO, String::new()))
}

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn load_run() -> RunResult {
    harness::commands::push::load_run(&fixture(RUN)).expect("fixture loads")
}

fn options(
    pushgateway: Option<&str>,
    remote_write: Option<&str>,
    retry: RetryPolicy,
) -> PushOptions {
    PushOptions {
        pushgateway: pushgateway.map(|u| Endpoint::parse(u, "--url", None).expect("url")),
        remote_write: remote_write
            .map(|u| Endpoint::parse(u, "--remote-write", None).expect("url")),
        job: "carbon_harness".into(),
        labels: vec![("runner".into(), "ci-3".into())],
        project_name: "carbon_harness".into(),
        retry,
    }
}

fn fast_retry(attempts: u32, timeout: Duration) -> RetryPolicy {
    RetryPolicy {
        attempts,
        initial_backoff: Duration::from_millis(20),
        timeout,
    }
}

/// Runs the harness binary to completion with a clean credential environment.
async fn harness_cli(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.args(args);
    for var in [
        "PUSHGATEWAY_URL",
        "PUSHGATEWAY_USERNAME",
        "PUSHGATEWAY_PASSWORD",
        "REMOTE_WRITE_USERNAME",
        "REMOTE_WRITE_PASSWORD",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("harness finishes within 60 s")
        .expect("harness runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `name{labels} value` lines of a text exposition, for exact lookups.
fn sample_value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test]
async fn pushgateway_receives_every_metric_with_put_and_grouping_path() {
    let (url, seen) = start_sink(ok_sink()).await;
    let run = load_run();
    let verdicts = Verdicts::load(&fixture(COMPARE)).expect("compare fixture");
    let outcomes = push_run(
        &run,
        Some(&verdicts),
        &options(Some(&url), None, RetryPolicy::default()),
    )
    .await
    .expect("metrics build");
    let delivered = outcomes
        .into_iter()
        .next()
        .expect("one sink")
        .expect("push succeeds");
    assert_eq!((delivered.status, delivered.attempts), (200, 1));

    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, Method::PUT);
    // branch "feature/push" contains a slash → base64url form.
    assert_eq!(
        req.path,
        "/metrics/job/carbon_harness/instance/fp-0123456789abcdef/branch@base64/ZmVhdHVyZS9wdXNo/runner/ci-3"
    );
    let ctype = req.headers["content-type"].to_str().expect("ascii");
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    assert!(req.headers.get("authorization").is_none());
    let text = std::str::from_utf8(&req.body).expect("utf-8");
    for name in [
        "carbon_harness_operation_energy_joules",
        "carbon_harness_operation_emissions_grams",
        "carbon_harness_operation_sci_grams",
        "carbon_harness_operation_embodied_grams",
        "carbon_harness_operation_latency_seconds",
        "carbon_harness_throughput_ops_per_second",
        "carbon_harness_operations_total",
        "carbon_harness_errors_total",
        "carbon_harness_run_timestamp_seconds",
        "carbon_harness_change_ratio",
        "carbon_harness_regression",
        "codecarbon_energy_consumed",
        "codecarbon_emissions",
        "codecarbon_cpu_power",
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} missing in:\n{text}"
        );
    }
    assert_eq!(
        sample_value(
            text,
            r#"carbon_harness_operations_total{workload="spin:1000"}"#
        ),
        Some(3000.0)
    );
    assert_eq!(
        sample_value(text, r#"carbon_harness_errors_total{workload="intensity"}"#),
        Some(3.0)
    );
    // The attributable energy (what compare gates on) beside the gross share: the fixture's is 60 % of it.
    assert_eq!(
        sample_value(
            text,
            r#"carbon_harness_operation_energy_attributable_joules{workload="spin:1000"}"#
        ),
        Some(0.006)
    );
    assert!(
        text.contains("# TYPE carbon_harness_operation_emissions_attributable_grams gauge"),
        "{text}"
    );
    // An energy run has no instruction count: the gauge is not sent.
    assert!(
        !text.contains("carbon_harness_operation_instructions"),
        "{text}"
    );
    // The fixture's SCI per op (operational 1.0556e-6 g + embodied 7.9274e-6 g: generic server, 3 s, 3000 ops).
    assert_eq!(
        sample_value(
            text,
            r#"carbon_harness_operation_sci_grams{workload="spin:1000"}"#
        ),
        Some(8.983003551496701e-6)
    );
    assert_eq!(
        sample_value(
            text,
            r#"carbon_harness_regression{metric="energy_j_per_op",workload="spin:1000"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample_value(
            text,
            r#"carbon_harness_regression{metric="energy_j_per_op",workload="intensity"}"#
        ),
        Some(0.0)
    );
    assert_eq!(
        sample_value(
            text,
            r#"carbon_harness_run_timestamp_seconds{commit="abc1234def5678abc1234def5678abc1234def56"}"#
        ),
        Some(1_767_268_800.0)
    );
    // spin:1000: 3 repetitions × 10 J over 3 s → 30 J = 30/3.6e6 kWh; at 380 g/kWh → kg = kWh × 0.38.
    let energy_line = text
        .lines()
        .find(|l| {
            l.starts_with("codecarbon_energy_consumed{") && l.contains(r#"workload="spin:1000""#)
        })
        .expect("codecarbon_energy_consumed for spin:1000");
    assert!(
        energy_line.contains(r#"project_name="carbon_harness""#),
        "{energy_line}"
    );
    let kwh: f64 = energy_line
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("value");
    assert!((kwh - 30.0 / 3.6e6).abs() < 1e-15, "{kwh}");
    let cpu_power = text
        .lines()
        .find(|l| l.starts_with("codecarbon_cpu_power{") && l.contains(r#"workload="spin:1000""#))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .expect("cpu power");
    assert!(
        (cpu_power - 8.0).abs() < 1e-9,
        "24 J of cpu_package over 3 s is 8 W, got {cpu_power}"
    );
}

#[test]
fn instruction_counts_are_pushed_when_the_run_has_them() {
    let mut run = load_run();
    run.workloads[0].instructions_per_op = Some(1_010_000.0);
    let text = harness::push::metrics::RunMetrics::build(&run, None, "p")
        .expect("build")
        .to_text()
        .expect("text");
    assert_eq!(
        sample_value(
            &text,
            r#"carbon_harness_operation_instructions{workload="spin:1000"}"#
        ),
        Some(1_010_000.0)
    );
    assert!(
        !text.contains(r#"carbon_harness_operation_instructions{workload="intensity"}"#),
        "only the counted workload: {text}"
    );
}

#[tokio::test]
async fn remote_write_sends_snappy_protobuf_with_the_runs_timestamp() {
    let (url, seen) = start_sink(ok_sink()).await;
    let run = load_run();
    let write_url = format!("{url}/api/v1/write");
    let outcomes = push_run(
        &run,
        None,
        &options(None, Some(&write_url), RetryPolicy::default()),
    )
    .await
    .expect("metrics build");
    let delivered = outcomes
        .into_iter()
        .next()
        .expect("one sink")
        .expect("write ok");
    let seen = seen.lock().expect("lock");
    let req = &seen[0];
    assert_eq!(
        (req.method.clone(), req.path.as_str()),
        (Method::POST, "/api/v1/write")
    );
    assert_eq!(req.headers["content-encoding"], "snappy");
    assert_eq!(req.headers["content-type"], "application/x-protobuf");
    assert_eq!(req.headers["x-prometheus-remote-write-version"], "0.1.0");
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&req.body)
        .expect("snappy block format");
    let write = WriteRequest::decode(raw.as_slice()).expect("protobuf WriteRequest");
    assert_eq!(write.timeseries.len(), delivered.series);
    let finished_ms = 1_767_268_810_000; // 2026-01-01T12:00:10Z
    for ts in &write.timeseries {
        let names: Vec<&str> = ts.labels.iter().map(|l| l.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "labels must be sorted by name");
        for required in ["__name__", "job", "instance", "branch", "runner"] {
            assert!(names.contains(&required), "{required} missing in {names:?}");
        }
        assert_eq!(ts.samples.len(), 1);
        assert_eq!(ts.samples[0].timestamp, finished_ms);
    }
    let ops = write
        .timeseries
        .iter()
        .find(|ts| {
            ts.labels
                .iter()
                .any(|l| l.name == "__name__" && l.value == "carbon_harness_operations_total")
                && ts
                    .labels
                    .iter()
                    .any(|l| l.name == "workload" && l.value == "intensity")
        })
        .expect("operations_total for intensity");
    assert_eq!(ops.samples[0].value, 1500.0);
    let branch = ops
        .labels
        .iter()
        .find(|l| l.name == "branch")
        .expect("branch");
    assert_eq!(branch.value, "feature/push");
}

#[tokio::test]
async fn pushgateway_down_exits_2_naming_the_url_and_still_warns_with_push_optional() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener); // nothing listens there any more
    let run = fixture(RUN);
    let run = run.to_str().expect("utf-8 path");
    let (code, _, stderr) = harness_cli(
        &[
            "push",
            run,
            "--url",
            &url,
            "--retries",
            "1",
            "--timeout",
            "2s",
        ],
        &[],
    )
    .await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&url) && stderr.contains("cannot reach the Pushgateway"),
        "{stderr}"
    );
    assert!(stderr.contains("after 2 attempt(s)"), "{stderr}");

    let (code, _, stderr) = harness_cli(
        &[
            "push",
            run,
            "--url",
            &url,
            "--retries",
            "0",
            "--push-optional",
        ],
        &[],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: push failed") && stderr.contains(&url),
        "{stderr}"
    );
}

/// Issue #15: credentials in the URL's user-info (sent as Basic auth by the client) and a `?token=` value leaked
/// when the endpoint echoed them: in the raw `Authorization` value (base64), the password itself, or the URL.
#[tokio::test]
async fn url_credentials_and_echoed_authorization_are_never_printed() {
    let behaviour: Behaviour = Arc::new(move |_, headers: &HeaderMap| {
        let got = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let decoded = got
            .strip_prefix("Basic ")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        (
            StatusCode::FORBIDDEN,
            Duration::ZERO,
            format!(
                "denied {got} ({decoded}) for http://bob:url-Secret-7@example.test/?token=tok-Q9z"
            ),
        )
    });
    let (url, _seen) = start_sink(behaviour).await;
    let with_creds = url.replacen("http://", "http://bob:url-Secret-7@", 1);
    let run = fixture(RUN);
    let run = run.to_str().expect("utf-8 path");
    let (code, stdout, stderr) = harness_cli(&["push", run, "--url", &with_creds], &[]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("403"), "{stderr}");
    let all = format!("{stdout}{stderr}");
    let encoded = base64::engine::general_purpose::STANDARD.encode("bob:url-Secret-7");
    for secret in ["url-Secret-7", encoded.as_str(), "tok-Q9z"] {
        assert!(
            !all.contains(secret),
            "{secret:?} leaked into output:\n{all}"
        );
    }
}

#[tokio::test]
async fn wrong_credentials_get_401_without_retry_and_are_never_printed() {
    let good = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ci:right-password")
    );
    // The sink echoes what it received, so the test also proves the harness scrubs the body it prints.
    let behaviour: Behaviour = Arc::new(move |_, headers: &HeaderMap| {
        let got = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if got == good {
            (StatusCode::OK, Duration::ZERO, String::new())
        } else {
            let decoded = got
                .strip_prefix("Basic ")
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            (
                StatusCode::UNAUTHORIZED,
                Duration::ZERO,
                format!("bad credentials {decoded}"),
            )
        }
    });
    let (url, seen) = start_sink(behaviour).await;
    let run = fixture(RUN);
    let run = run.to_str().expect("utf-8 path");
    let wrong = [
        ("PUSHGATEWAY_USERNAME", "mallory"),
        ("PUSHGATEWAY_PASSWORD", "wrong-Secret-42"),
    ];
    let (code, stdout, stderr) = harness_cli(&["push", run, "--url", &url], &wrong).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("401") && stderr.contains(&url), "{stderr}");
    assert!(stderr.contains("credentials were rejected"), "{stderr}");
    let all = format!("{stdout}{stderr}");
    let encoded = base64::engine::general_purpose::STANDARD.encode("mallory:wrong-Secret-42");
    for secret in ["wrong-Secret-42", "mallory", encoded.as_str()] {
        assert!(
            !all.contains(secret),
            "{secret:?} leaked into output:\n{all}"
        );
    }
    assert_eq!(seen.lock().expect("lock").len(), 1, "a 401 is not retried");

    let right = [
        ("PUSHGATEWAY_USERNAME", "ci"),
        ("PUSHGATEWAY_PASSWORD", "right-password"),
    ];
    let (code, stdout, stderr) = harness_cli(&["push", run, "--url", &url], &right).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("pushed") && !stdout.contains("right-password"),
        "{stdout}"
    );
}

#[tokio::test]
async fn slow_server_times_out_after_bounded_attempts() {
    let behaviour: Behaviour =
        Arc::new(|_, _| (StatusCode::OK, Duration::from_secs(5), String::new()));
    let (url, seen) = start_sink(behaviour).await;
    let started = Instant::now();
    let outcomes = push_run(
        &load_run(),
        None,
        &options(Some(&url), None, fast_retry(2, Duration::from_millis(200))),
    )
    .await
    .expect("metrics build");
    let elapsed = started.elapsed();
    match outcomes.into_iter().next().expect("one sink") {
        Err(PushError::Timeout {
            attempts,
            url: shown,
            timeout_ms,
            ..
        }) => {
            assert_eq!((attempts, timeout_ms), (2, 200));
            assert!(shown.starts_with(&url), "{shown}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(seen.lock().expect("lock").len(), 2);
    assert!(
        elapsed < Duration::from_secs(4),
        "gave up after {elapsed:?}, not after the 5 s answer"
    );
}

#[tokio::test]
async fn server_error_is_retried_then_succeeds() {
    let behaviour: Behaviour = Arc::new(|n, _| {
        let status = if n == 0 {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        (status, Duration::ZERO, String::new())
    });
    let (url, seen) = start_sink(behaviour).await;
    let outcomes = push_run(
        &load_run(),
        None,
        &options(Some(&url), None, fast_retry(3, Duration::from_secs(5))),
    )
    .await
    .expect("metrics build");
    let delivered = outcomes
        .into_iter()
        .next()
        .expect("one sink")
        .expect("second attempt succeeds");
    assert_eq!(delivered.attempts, 2);
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn dry_run_prints_the_exposition_and_sends_nothing() {
    let run = fixture(RUN);
    let (code, stdout, stderr) = harness_cli(
        &[
            "push",
            run.to_str().expect("utf-8"),
            "--url",
            "http://127.0.0.1:9",
            "--dry-run",
        ],
        &[],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("# TYPE carbon_harness_operation_energy_joules gauge"),
        "{stdout}"
    );
    assert!(
        stderr.contains("would PUT to http://127.0.0.1:9/metrics/job/carbon_harness/"),
        "{stderr}"
    );
}

#[tokio::test]
async fn bad_inputs_fail_with_exit_2_and_name_the_fix() {
    let run = fixture(RUN);
    let run = run.to_str().expect("utf-8");
    let cases: &[(&[&str], &str)] = &[
        (&["push", run], "nothing to push to"),
        (&["push", run, "--url", "ftp://x"], "--url"),
        (
            &[
                "push",
                run,
                "--url",
                "http://127.0.0.1:9",
                "--label",
                "workload=x",
            ],
            "--label",
        ),
        (
            &["push", "/nonexistent/run.json", "--dry-run"],
            "/nonexistent/run.json",
        ),
        (
            &["push", run, "--dry-run", "--compare", run],
            "not a compare report",
        ),
    ];
    for (args, needle) in cases {
        let (code, _, stderr) = harness_cli(args, &[]).await;
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: expected {needle:?} in {stderr}"
        );
    }
}

/// `harness bench --push`: the run is pushed after its file is written; a down Pushgateway keeps the file and exits 2.
#[tokio::test]
async fn bench_push_sends_the_run_and_keeps_the_file_when_the_gateway_is_down() {
    let (url, seen) = start_sink(ok_sink()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run.json");
    let out_s = out.to_str().expect("utf-8");
    let bench = |push_url: String| {
        let out_s = out_s.to_string();
        async move {
            harness_cli(
                &[
                    "bench",
                    "--workload",
                    "spin:1000",
                    "--duration",
                    "150ms",
                    "--warmup",
                    "50ms",
                    "--idle",
                    "50ms",
                    "--repetitions",
                    "2",
                    "--concurrency",
                    "1",
                    "--meter",
                    "fake",
                    "--intensity",
                    "380",
                    "--out",
                    &out_s,
                    "--no-emissions-csv",
                    "--push",
                    &push_url,
                    "--retries",
                    "0",
                ],
                &[],
            )
            .await
        }
    };
    let (code, stdout, stderr) = bench(url.clone()).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    {
        let seen = seen.lock().expect("lock");
        assert_eq!(seen.len(), 1, "one push");
        let text = std::str::from_utf8(&seen[0].body).expect("utf-8");
        assert!(
            text.contains(r#"carbon_harness_operation_energy_joules{workload="spin:1000"}"#),
            "{text}"
        );
    }

    std::fs::remove_file(&out).expect("remove");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let down = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let (code, _, stderr) = bench(down.clone()).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&down), "{stderr}");
    assert!(
        out.exists(),
        "the result file is written even though the push failed"
    );
}
