//! End-to-end: `harness push` into a real Pushgateway and a real Prometheus (remote-write receiver), then Prometheus's
//! HTTP API must return every pushed metric with the right labels, fire the CarbonRegression alert, and give a
//! non-empty result for every query of every Grafana panel.
//!
//! `.ci/run` starts Debian's `prometheus` and `prometheus-pushgateway` on 127.0.0.1 ephemeral ports and sets
//! `CARBON_HARNESS_E2E_PROMETHEUS` / `CARBON_HARNESS_E2E_PUSHGATEWAY` (and `CARBON_HARNESS_E2E_APP` when it started
//! `workloads serve`, which the "Workshop app" dashboard needs). Without them the test prints why it skipped.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FINGERPRINT: &str = "fp-0123456789abcdef";
const BRANCH: &str = "feature/push";
const REMOTE_JOB: &str = "carbon_harness_remote_write";

/// Metric name → labels each of its series must carry (besides job, instance, branch).
const EXPECTED: &[(&str, &[&str])] = &[
    ("carbon_harness_operation_energy_joules", &["workload"]),
    ("carbon_harness_operation_energy_net_joules", &["workload"]),
    ("carbon_harness_operation_emissions_grams", &["workload"]),
    ("carbon_harness_operation_sci_grams", &["workload"]),
    (
        "carbon_harness_operation_energy_attributable_joules",
        &["workload"],
    ),
    (
        "carbon_harness_operation_emissions_attributable_grams",
        &["workload"],
    ),
    ("carbon_harness_operation_embodied_grams", &["workload"]),
    (
        "carbon_harness_operation_emissions_net_grams",
        &["workload"],
    ),
    (
        "carbon_harness_operation_latency_seconds",
        &["workload", "quantile"],
    ),
    ("carbon_harness_throughput_ops_per_second", &["workload"]),
    ("carbon_harness_operations_total", &["workload"]),
    ("carbon_harness_errors_total", &["workload"]),
    ("carbon_harness_grid_intensity_grams_per_kwh", &["source"]),
    ("carbon_harness_run_timestamp_seconds", &["commit"]),
    ("carbon_harness_change_ratio", &["workload", "metric"]),
    ("carbon_harness_regression", &["workload", "metric"]),
    ("codecarbon_duration", &["project_name", "workload"]),
    ("codecarbon_emissions", &["project_name", "workload"]),
    ("codecarbon_emissions_rate", &["project_name", "workload"]),
    ("codecarbon_cpu_power", &["project_name", "workload"]),
    ("codecarbon_gpu_power", &["project_name", "workload"]),
    ("codecarbon_ram_power", &["project_name", "workload"]),
    ("codecarbon_cpu_energy", &["project_name", "workload"]),
    ("codecarbon_gpu_energy", &["project_name", "workload"]),
    ("codecarbon_ram_energy", &["project_name", "workload"]),
    ("codecarbon_energy_consumed", &["project_name", "workload"]),
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ has a parent")
        .to_path_buf()
}

/// The fixture run with its timestamps moved to now (remote write rejects samples far older than the TSDB's head).
fn fresh_run_file(dir: &Path) -> PathBuf {
    let fixture = repo_root().join("harness/tests/fixtures/results/push-run.json");
    let mut run: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).expect("fixture")).expect("json");
    let now = jiff::Timestamp::now();
    let started = now - jiff::SignedDuration::from_secs(10);
    run["started_at"] = Value::String(started.to_string());
    run["finished_at"] = Value::String(now.to_string());
    let path = dir.join("run.json");
    std::fs::write(&path, serde_json::to_string_pretty(&run).expect("json")).expect("write");
    path
}

fn harness(args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .env_remove("PUSHGATEWAY_USERNAME")
        .env_remove("REMOTE_WRITE_USERNAME")
        .output()
        .expect("harness runs");
    assert!(
        out.status.success(),
        "harness {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Prom {
    base: String,
    client: reqwest::blocking::Client,
}

impl Prom {
    /// Instant query; the `result` array.
    fn query(&self, promql: &str) -> Vec<Value> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/query", self.base),
            [("query", promql)],
        )
        .expect("query URL");
        let resp: Value = self
            .client
            .get(url)
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("query {promql:?}: {e}"));
        assert_eq!(resp["status"], "success", "query {promql:?}: {resp}");
        resp["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Polls until `promql` returns something (scrapes and rule evaluations take a moment).
    fn wait_for(&self, promql: &str, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let result = self.query(promql);
            if !result.is_empty() || Instant::now() > deadline {
                return result;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

fn check_metrics(prom: &Prom, job: &str) {
    for (name, labels) in EXPECTED {
        let selector =
            format!(r#"{name}{{job="{job}",instance="{FINGERPRINT}",branch="{BRANCH}"}}"#);
        let result = prom.wait_for(&selector, Duration::from_secs(20));
        assert!(!result.is_empty(), "no series for {selector}");
        for series in &result {
            for label in *labels {
                let value = series["metric"][label].as_str().unwrap_or("");
                assert!(
                    !value.is_empty(),
                    "{selector}: label {label} missing in {series}"
                );
            }
        }
    }
    let ops = prom.query(&format!(
        r#"carbon_harness_operations_total{{job="{job}",workload="spin:1000"}}"#
    ));
    assert_eq!(ops[0]["value"][1], "3000", "{ops:?}");
}

/// Requests on the app's workload routes every 200 ms from a background thread, until dropped.
struct AppTraffic {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AppTraffic {
    fn start(base: String) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let client = reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client");
            let paths = [
                "/carbon_intensity",
                "/predict_carbon_intensity?text=driving+10+hours",
                "/chat_emissions?text=how+green+is+my+code",
            ];
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                for path in paths {
                    match client
                        .get(format!("{base}{path}"))
                        .header("accept", "application/json")
                        .send()
                    {
                        Ok(r) if r.status().is_success() => {}
                        Ok(r) => eprintln!("e2e traffic: {path} answered {}", r.status()),
                        Err(e) => eprintln!("e2e traffic: {path} failed: {e}"),
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for AppTraffic {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Replaces Grafana's macros and template variables the way Grafana would for "All" over the last hour.
fn substitute(expr: &str, variables: &[String]) -> String {
    let mut out = expr
        .replace("$__rate_interval", "1m")
        .replace("$__range", "10m")
        .replace("$__interval", "15s");
    for var in variables {
        out = out
            .replace(&format!("${{{var}}}"), ".*")
            .replace(&format!("${var}"), ".*");
    }
    out
}

fn dashboard_queries(path: &Path) -> (String, Vec<(String, String)>) {
    let dash: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("dashboard")).expect("json");
    let variables: Vec<String> = dash["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect();
    let mut queries = Vec::new();
    for panel in dash["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("expr");
            queries.push((
                panel["title"].as_str().unwrap_or("?").to_string(),
                substitute(expr, &variables),
            ));
        }
    }
    (dash["title"].as_str().unwrap_or("?").to_string(), queries)
}

#[test]
fn pushed_metrics_and_every_grafana_panel_reach_prometheus() {
    let (Ok(prom_url), Ok(pgw_url)) = (
        std::env::var("CARBON_HARNESS_E2E_PROMETHEUS"),
        std::env::var("CARBON_HARNESS_E2E_PUSHGATEWAY"),
    ) else {
        eprintln!(
            "SKIPPED: set CARBON_HARNESS_E2E_PROMETHEUS and CARBON_HARNESS_E2E_PUSHGATEWAY (bash .ci/run starts a real \
             Prometheus and Pushgateway and sets them)"
        );
        return;
    };
    let prom = Prom {
        base: prom_url.trim_end_matches('/').to_string(),
        client: reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client"),
    };
    // The "Workshop app" panels need traffic on every workload route (rates, latency quantiles, LLM impact bands,
    // grid intensity): drive the app until the test ends.
    let _traffic = std::env::var("CARBON_HARNESS_E2E_APP")
        .ok()
        .map(|url| AppTraffic::start(url.trim_end_matches('/').to_string()));
    let dir = tempfile::tempdir().expect("tempdir");
    let run = fresh_run_file(dir.path());
    let run = run.to_str().expect("utf-8 path");
    let compare = repo_root().join("harness/tests/fixtures/results/push-compare.json");
    let compare = compare.to_str().expect("utf-8 path");
    harness(&["push", run, "--url", &pgw_url, "--compare", compare]);
    let write_url = format!("{}/api/v1/write", prom.base);
    harness(&[
        "push",
        run,
        "--remote-write",
        &write_url,
        "--job",
        REMOTE_JOB,
        "--compare",
        compare,
    ]);

    // Two real (short) bench runs: the second pushed by `harness bench --push`, then compared with
    // `harness compare --format json` and re-pushed with the verdicts (its own job, so its series are told apart).
    let bench = |name: &str, push: Option<&str>| {
        let out = dir.path().join(name);
        let out_s = out.to_str().expect("utf-8 path").to_string();
        let mut args = vec![
            "bench",
            "--workload",
            "spin:1000",
            "--duration",
            "200ms",
            "--warmup",
            "50ms",
            "--idle",
            "50ms",
            "--repetitions",
            "3",
            "--concurrency",
            "1",
            "--meter",
            "fake",
            "--intensity",
            "380",
            "--out",
            &out_s,
            "--no-emissions-csv",
            "--job",
            "carbon_harness_bench",
        ];
        if let Some(url) = push {
            args.extend(["--push", url]);
        }
        harness(&args);
        out_s
    };
    let base = bench("base.json", None);
    let candidate = bench("candidate.json", Some(&pgw_url));
    for name in [
        "carbon_harness_operations_total",
        "carbon_harness_operation_energy_joules",
        "codecarbon_emissions",
    ] {
        let selector = format!(r#"{name}{{job="carbon_harness_bench",workload="spin:1000"}}"#);
        let result = prom.wait_for(&selector, Duration::from_secs(20));
        assert!(!result.is_empty(), "bench --push: no series for {selector}");
        assert!(
            result[0]["metric"]["instance"]
                .as_str()
                .is_some_and(|i| !i.is_empty()),
            "{result:?}"
        );
    }
    let report = dir.path().join("compare.json");
    let report_s = report.to_str().expect("utf-8 path");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "compare", &base, &candidate, "--format", "json", "--out", report_s,
        ])
        .status()
        .expect("harness compare runs");
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "harness compare failed: {status}"
    );
    harness(&[
        "push",
        &candidate,
        "--url",
        &pgw_url,
        "--job",
        "carbon_harness_bench",
        "--compare",
        report_s,
    ]);
    let verdicts = prom.wait_for(
        r#"carbon_harness_regression{job="carbon_harness_bench",workload="spin:1000",metric="energy_j_per_op"}"#,
        Duration::from_secs(20),
    );
    assert!(
        !verdicts.is_empty(),
        "compare verdicts of the bench runs did not reach Prometheus"
    );

    check_metrics(&prom, "carbon_harness"); // scraped from the Pushgateway, honor_labels kept our job
    check_metrics(&prom, REMOTE_JOB); // remote-written with the run's timestamp

    let alert = prom.wait_for(
        r#"ALERTS{alertname="CarbonRegression",alertstate="firing",workload="spin:1000"}"#,
        Duration::from_secs(20),
    );
    assert!(!alert.is_empty(), "CarbonRegression did not fire");

    let app_running = std::env::var("CARBON_HARNESS_E2E_APP").is_ok();
    if app_running {
        // The app labels its requests with the route's path, the value the workshop's queries filter on.
        for selector in [
            r#"requests_total{job="app",endpoint="/carbon_intensity",status="200"}"#,
            r#"endpoint:request_latency_seconds:p95_5m{job="app",endpoint="/carbon_intensity"}"#,
        ] {
            let result = prom.wait_for(selector, Duration::from_secs(20));
            assert!(!result.is_empty(), "no series for {selector}");
        }
    }
    let mut dashboards: Vec<PathBuf> = std::fs::read_dir(repo_root().join("grafana/dashboards"))
        .expect("grafana/dashboards")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    dashboards.sort();
    assert!(dashboards.len() >= 2, "{dashboards:?}");
    let mut checked = 0;
    for path in dashboards {
        let (title, queries) = dashboard_queries(&path);
        if title == "Workshop app" && !app_running {
            eprintln!(
                "SKIPPED dashboard {title:?}: CARBON_HARNESS_E2E_APP is unset (no `workloads serve` scraped)"
            );
            continue;
        }
        for (panel, query) in queries {
            let result = prom.wait_for(&query, Duration::from_secs(20));
            assert!(
                !result.is_empty(),
                "{title} / {panel}: empty result for {query}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} panel queries checked");
    eprintln!("e2e: {checked} Grafana panel queries returned data");
}
