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
