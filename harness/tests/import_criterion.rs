//! `harness import criterion`: criterion output trees (fixtures in the layout criterion 0.5 writes, made by
//! `fixtures/criterion/make_fixtures.py`) become schema-valid result files that `compare` reads.

mod common;

use common::{assert_valid_result_file, harness};
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/criterion")
        .join(name)
        .display()
        .to_string()
}

fn import(dir: &std::path::Path, side: &str, out: &str, extra: &[&str]) -> serde_json::Value {
    let (time, energy) = (fixture(side), fixture(&format!("energy-{side}")));
    let mut args = vec![
        "import",
        "criterion",
        &time,
        "--energy-dir",
        &energy,
        "--intensity",
        "300",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let result = harness(dir, &args);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert_valid_result_file(&dir.join(out))
}

#[test]
fn two_imports_are_valid_result_files_and_compare() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = import(dir.path(), "base", "base.json", &[]);
    let names: Vec<&str> = base["workloads"]
        .as_array()
        .expect("workloads")
        .iter()
        .map(|w| w["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["fib/20", "parse_json"]);
    let fib = &base["workloads"][0];
    assert_eq!(fib["repetitions"].as_array().expect("reps").len(), 50);
    // 26.4 µs and 11 W per iteration in the fixture: about 290 µJ.
    let j = fib["energy_j_per_op"].as_f64().expect("energy");
    assert!((j - 26.4e-6 * 11.0).abs() < 0.05 * j, "{j}");
    let p50 = fib["latency_s"]["p50"].as_f64().expect("p50");
    assert!((p50 - 26.4e-6).abs() < 0.05 * p50, "{p50}");
    import(dir.path(), "head", "head.json", &[]);

    let report = common::compare_json(dir.path(), "base.json", "head.json", 1);
    let verdict = |name: &str, metric: &str| common::verdict(&report, name, metric);
    assert_eq!(verdict("fib/20", "energy_j_per_op"), "regressed");
    assert_eq!(verdict("fib/20", "latency_p50_s"), "regressed");
    assert_ne!(verdict("parse_json", "energy_j_per_op"), "regressed");

    // The other readers take an imported file as they take a bench run.
    let out = harness(dir.path(), &["report", "head.json", "--out", "report.html"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = harness(dir.path(), &["push", "head.json", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("fib/20"), "{stdout}");
}

#[test]
fn filters_time_only_imports_and_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = fixture("base");
    let out = harness(
        dir.path(),
        &[
            "import",
            "criterion",
            &base,
            "--filter",
            "fib",
            "--intensity",
            "300",
            "--out",
            "t.json",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("without energy samples"), "{stderr}");
    let run = assert_valid_result_file(&dir.path().join("t.json"));
    assert_eq!(run["workloads"].as_array().expect("workloads").len(), 1);
    assert_eq!(run["workloads"][0]["energy_source"], "none");

    let out = harness(
        dir.path(),
        &["import", "criterion", "no/such/dir", "--intensity", "300"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("run `cargo bench` first"), "{stderr}");

    let out = harness(
        dir.path(),
        &[
            "import",
            "criterion",
            &base,
            "--filter",
            "nothing-matches",
            "--intensity",
            "300",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--filter nothing-matches"), "{stderr}");

    let help = harness(dir.path(), &["import", "criterion", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--energy-dir"));
}
