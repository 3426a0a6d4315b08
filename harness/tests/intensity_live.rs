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
