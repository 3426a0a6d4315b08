//! `harness bench` with the Electricity Maps source, against the workloads mock grid on 127.0.0.1 standing in for the
//! API (`ELECTRICITY_MAPS_URL`): a good key gives `electricity-maps` intensity and `--live` fetches from it; a refused
//! key falls back to the country table with a warning in the result file.

mod common;

use common::assert_valid_result_file;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use workloads::intensity::mock_grid::{self, MockGrid, MockGridConfig};

fn start_grid(rt: &tokio::runtime::Runtime) -> MockGrid {
    let cfg = MockGridConfig {
        api_key: Some("good-key".into()),
        ..MockGridConfig::default()
    };
    rt.block_on(mock_grid::spawn(
        cfg,
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    ))
    .expect("mock grid")
}

fn bench(
    dir: &std::path::Path,
    grid: &MockGrid,
    key: &str,
    extra: &[&str],
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "bench",
            "--duration",
            "200ms",
            "--repetitions",
            "2",
            "--warmup",
            "0s",
            "--idle",
            "0s",
        ])
        .args(["--meter", "fake", "--out", "run.json", "--no-emissions-csv"])
        .args(extra)
        .env("ELECTRICITY_MAPS_URL", grid.server.base_url())
        .env("ELECTRICITY_MAP_API_KEY", key)
        .current_dir(dir)
        .output()
        .expect("harness runs")
}

#[test]
fn electricity_maps_intensity_and_live_fetches_with_a_good_key() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let grid = start_grid(&rt);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = bench(
        dir.path(),
        &grid,
        "good-key",
        &["--workload", "intensity", "--live", "--zone", "FR"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["intensity"]["source"], "electricity-maps");
    assert_eq!(run["intensity"]["zone"], "FR");
    let expected = energy::carbon::table::intensity_or_world("FR").0;
    assert_eq!(
        run["intensity"]["intensity_g_per_kwh"].as_f64(),
        Some(expected)
    );
    let ops = run["workloads"][0]["ops"].as_u64().expect("ops");
    assert!(
        ops > 0 && run["workloads"][0]["errors"] == 0,
        "{}",
        run["workloads"][0]
    );
    // Every op and the run's intensity went to the (stand-in) API: no cache in between.
    assert!(
        grid.requests.load(Ordering::Relaxed) > ops,
        "requests vs {ops} ops"
    );
    assert!(
        run["warnings"].to_string().contains("--live"),
        "{}",
        run["warnings"]
    );
    rt.block_on(grid.server.shutdown()).expect("shutdown");
}

#[test]
fn a_refused_key_falls_back_to_the_country_table_with_a_warning() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let grid = start_grid(&rt);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = bench(
        dir.path(),
        &grid,
        "wrong-key",
        &[
            "--workload",
            "spin:1000",
            "--intensity",
            "electricity-maps:DE",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["intensity"]["source"], "country");
    assert_eq!(run["intensity"]["zone"], "DEU");
    let warnings = run["warnings"].to_string();
    assert!(
        warnings.contains("Electricity Maps intensity for zone DE failed")
            && warnings.contains("country table"),
        "{warnings}"
    );
    assert!(stderr.contains("fell back"), "{stderr}");
    rt.block_on(grid.server.shutdown()).expect("shutdown");
}

/// Issue #21: with `--live`, each repetition is charged the zone's intensity at its time, from the history.
#[test]
fn a_live_run_spanning_two_history_intervals_uses_more_than_one_intensity() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let interval = std::time::Duration::from_millis(150);
    let cfg = MockGridConfig {
        api_key: Some("good-key".into()),
        history_interval: Some(interval),
        ..MockGridConfig::default()
    };
    let grid = rt
        .block_on(mock_grid::spawn(
            cfg,
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        ))
        .expect("mock grid");
    let dir = tempfile::tempdir().expect("tempdir");
    // Two repetitions of 200 ms: the run spans at least two 150 ms intervals.
    let out = bench(
        dir.path(),
        &grid,
        "good-key",
        &["--workload", "spin:1000", "--live", "--zone", "FR"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let base = energy::carbon::table::intensity_or_world("FR").0;
    let used: Vec<f64> = run["workloads"][0]["repetitions"]
        .as_array()
        .expect("repetitions")
        .iter()
        .map(|r| {
            r["intensity_g_per_kwh"]
                .as_f64()
                .expect("a per-repetition intensity")
        })
        .collect();
    let pattern: Vec<f64> = mock_grid::HISTORY_PATTERN
        .iter()
        .map(|f| base * f)
        .collect();
    let blended = used
        .iter()
        .any(|u| !pattern.iter().any(|p| (p - u).abs() < 1e-9));
    let distinct = used.windows(2).any(|w| (w[0] - w[1]).abs() > 1e-9);
    assert!(
        blended || distinct,
        "repetitions spanning two intervals must see more than one intensity: {used:?} (pattern {pattern:?})"
    );
    assert!(
        run["sci"]["intensity_basis"]
            .as_str()
            .is_some_and(|b| b.starts_with("history")),
        "{}",
        run["sci"]
    );
    // The workload's emissions are the repetitions' energies at their own intensities.
    let w = &run["workloads"][0];
    let reps = w["repetitions"].as_array().expect("reps");
    let grams: f64 = reps
        .iter()
        .map(|r| {
            r["energy_j_total"].as_f64().expect("j") / 3.6e6
                * r["intensity_g_per_kwh"].as_f64().expect("i")
        })
        .sum();
    let per_op = grams / w["ops"].as_f64().expect("ops");
    let recorded = w["emissions_g_per_op"].as_f64().expect("emissions");
    assert!(
        (recorded - per_op).abs() <= 1e-9 * per_op,
        "{recorded} vs {per_op}"
    );
    rt.block_on(grid.server.shutdown()).expect("shutdown");
}

#[test]
fn without_a_history_the_single_reading_is_used_with_a_warning() {
    use axum::routing::get;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // An API that answers `latest` but not `history` (404).
    let router = axum::Router::new().route(
        "/v3/carbon-intensity/latest",
        get(|| async {
            axum::Json(serde_json::json!({"zone": "FR", "carbonIntensity": 50.0, "datetime": "2026-01-01T00:00:00Z"}))
        }),
    );
    let server = rt
        .block_on(workloads::server::spawn(
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            router,
        ))
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "bench",
            "--duration",
            "100ms",
            "--repetitions",
            "2",
            "--warmup",
            "0s",
            "--idle",
            "0s",
        ])
        .args(["--meter", "fake", "--out", "run.json", "--no-emissions-csv"])
        .args(["--workload", "spin:1000", "--live", "--zone", "FR"])
        .env("ELECTRICITY_MAPS_URL", server.base_url())
        .env("ELECTRICITY_MAP_API_KEY", "k")
        .current_dir(dir.path())
        .output()
        .expect("harness runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["intensity"]["intensity_g_per_kwh"], 50.0);
    let warnings = run["warnings"].to_string();
    assert!(
        warnings.contains("intensity history for zone FR unusable")
            && warnings.contains("single reading"),
        "{warnings}"
    );
    let reps = run["workloads"][0]["repetitions"].as_array().expect("reps");
    assert!(reps.iter().all(|r| r.get("intensity_g_per_kwh").is_none()));
    assert_eq!(run["sci"]["intensity_basis"], "single reading");
    rt.block_on(server.shutdown()).expect("shutdown");
}
