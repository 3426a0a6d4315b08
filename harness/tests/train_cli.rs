//! `harness train`: trains the tiny model (few epochs) under the fake meter, writes the artifacts to the default
//! `bench-results/models/tiny` of the working directory (never the committed model), records the training's energy in
//! `metrics.json` and one CodeCarbon row in `emissions.csv` that agrees with it.

mod common;

use common::harness;

#[test]
fn trains_meters_and_records_energy_in_metrics_and_emissions_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(
        dir.path(),
        &[
            "train",
            "--epochs",
            "2",
            "--meter",
            "fake",
            "--intensity",
            "400",
            "--seed",
            "7",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("fake"),
        "the fake meter must be announced: {stderr}"
    );
    let model = dir.path().join("bench-results/models/tiny");
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "metrics.json",
    ] {
        assert!(model.join(f).is_file(), "{f} missing");
    }
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("metrics.json")).expect("read"))
            .expect("json");
    assert_eq!(metrics["options"]["epochs"], 2);
    assert_eq!(metrics["options"]["seed"], 7);
    let t = &metrics["training_energy"];
    let kwh = t["energy_kwh"].as_f64().expect("energy_kwh");
    let grams = t["emissions_g"].as_f64().expect("emissions_g");
    assert!(
        kwh > 0.0 && t["duration_s"].as_f64().expect("duration_s") > 0.0,
        "{t}"
    );
    assert!((grams - kwh * 400.0).abs() <= 1e-9 * grams, "{t}");
    assert!((t["energy_j"].as_f64().expect("J") / 3.6e6 - kwh).abs() <= 1e-12 * kwh.max(1e-30));
    assert_eq!(t["meter_source"], "fake");
    assert_eq!(t["intensity_source"], "fixed");

    let csv = std::fs::read_to_string(dir.path().join("bench-results/emissions.csv"))
        .expect("emissions.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    let header: Vec<&str> = lines[0].split(',').collect();
    let row: Vec<&str> = lines[1].split(',').collect();
    let col = |name: &str| row[header.iter().position(|c| *c == name).expect("column")];
    assert_eq!(col("project_name"), "carbon_harness_train");
    assert_eq!(col("run_id"), t["run_id"].as_str().expect("run_id"));
    assert_eq!(col("experiment_id"), "train:tiny");
    let consumed: f64 = col("energy_consumed").parse().expect("kWh");
    assert!((consumed - kwh).abs() <= 1e-9 * kwh, "{consumed} vs {kwh}");
    let kg: f64 = col("emissions").parse().expect("kg");
    assert!(
        (kg * 1000.0 - grams).abs() <= 1e-9 * grams,
        "{kg} kg vs {grams} g"
    );
}

#[test]
fn bad_train_options_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, needle) in [
        (vec!["train", "--epochs", "0"], "--epochs"),
        (vec!["train", "--zone", "XX"], "--zone"),
        (vec!["train", "--meter", "nope"], "--meter"),
    ] {
        let out = harness(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    assert!(!dir.path().join("bench-results").exists());
}

#[test]
fn help_renders_with_examples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(dir.path(), &["train", "--help"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("--epochs")
            && stdout.contains("Examples:")
            && stdout.contains("Exit codes"),
        "{stdout}"
    );
}
