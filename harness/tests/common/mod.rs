//! Helpers shared by the integration tests: run the `harness` binary, validate result files against the schema.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The committed JSON Schema of result files.
pub fn schema() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bench-results/schema/run.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("schema file"))
        .expect("schema is JSON")
}

/// Every schema violation of `instance`, as text (empty when valid).
pub fn violations(instance: &serde_json::Value) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Read `path` and assert it is a schema-valid result file; returns it.
pub fn assert_valid_result_file(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).expect("result file is JSON");
    let errors = violations(&value);
    assert!(
        errors.is_empty(),
        "{} violates the schema:\n{}",
        path.display(),
        errors.join("\n")
    );
    value
}

/// `harness` with `args`, run in `dir`.
pub fn harness(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("harness runs")
}

/// `harness compare BASE CAND --format json` in `dir`, asserting its exit code (stdout and stderr in the message);
/// the comparison as JSON.
pub fn compare_json(dir: &Path, base: &str, cand: &str, code: i32) -> serde_json::Value {
    let out = harness(dir, &["compare", base, cand, "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).expect("compare JSON")
}

/// The verdict of `metric` for `workload` in a comparison from [`compare_json`] (empty when it was not compared).
pub fn verdict(report: &serde_json::Value, workload: &str, metric: &str) -> String {
    let w = report["workloads"]
        .as_array()
        .expect("workloads")
        .iter()
        .find(|w| w["name"] == workload)
        .unwrap_or_else(|| panic!("{workload} compared: {report}"));
    w["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == metric)
        .map(|m| m["verdict"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}
