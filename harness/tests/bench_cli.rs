//! End-to-end tests of `harness bench`: the file it writes is schema-valid, SIGINT leaves a valid partial file,
//! bad options exit 2 naming the flag.

mod common;

use common::{assert_valid_result_file, harness, violations};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const QUICK: &[&str] = &[
    "bench",
    "--workload",
    "spin:20000",
    "--duration",
    "300ms",
    "--repetitions",
    "2",
    "--warmup",
    "100ms",
    "--idle",
    "100ms",
];

#[test]
fn writes_a_schema_valid_file_and_prints_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = QUICK.to_vec();
    args[2] = "spin:20000,chat,intensity";
    args.extend(["--meter", "fake", "--intensity", "380", "--out", "run.json"]);
    let out = harness(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("spin:20000") && stdout.contains("gCO2eq/op"),
        "table: {stdout}"
    );
    assert!(
        stderr.contains("fake"),
        "the fake meter must be announced on stderr: {stderr}"
    );

    let run = assert_valid_result_file(&dir.path().join("run.json"));
    assert_eq!(run["complete"], true);
    assert_eq!(run["intensity"]["intensity_g_per_kwh"], 380.0);
    let w = &run["workloads"][0];
    assert_eq!(w["name"], "spin:20000");
    assert!(w["ops"].as_u64().expect("ops") > 0);
    assert!(w["energy_j_per_op"].as_f64().expect("J/op") > 0.0);
    assert!(w["emissions_g_per_op"].as_f64().expect("g/op") > 0.0);
    assert_eq!(w["repetitions"].as_array().expect("reps").len(), 2);
    assert!(w["latency_s"]["p50"].as_f64().expect("p50") > 0.0);
    // SCI per op (issue #21): its parts add up, the inputs and their sources are recorded, R is stated.
    let sci = w["sci_g_per_op"].as_f64().expect("sci_g_per_op");
    let embodied = w["embodied_g_per_op"].as_f64().expect("embodied_g_per_op");
    let operational = w["operational_g_per_op"]
        .as_f64()
        .expect("operational_g_per_op");
    assert!(embodied > 0.0 && operational > 0.0, "{w}");
    assert!((sci - (embodied + operational)).abs() <= 1e-12 * sci, "{w}");
    assert!(
        w["repetitions"][0]["sci_g_per_op"].as_f64().is_some(),
        "{w}"
    );
    assert!(w["repetitions"][0]["started_at"].as_str().is_some(), "{w}");
    let inputs = &run["sci"];
    assert_eq!(inputs["machine"], "generic-server", "{inputs}");
    assert_eq!(inputs["embodied_total_kg"], 1000.0);
    assert_eq!(inputs["lifetime_years"], 4.0);
    assert!(
        inputs["functional_unit"]
            .as_str()
            .expect("R")
            .contains("one successful operation")
    );
    assert_eq!(
        inputs["input_sources"].as_array().expect("sources").len(),
        3,
        "{inputs}"
    );
    assert!(
        inputs["references"][0]
            .as_str()
            .expect("reference")
            .contains("licence")
            || inputs["references"][0]
                .as_str()
                .expect("reference")
                .contains("Apache-2.0")
    );
    assert!(
        stdout.contains("SCI gCO2eq/op") && stdout.contains("R = one successful operation"),
        "{stdout}"
    );
    // The fake meter is not an estimate band: no bounds.
    assert!(w.get("energy_j_per_op_bounds").is_none(), "{w}");
    // chat, in-process against its mock LLM on 127.0.0.1:0, and the mock announced.
    let chat = &run["workloads"][1];
    assert_eq!(chat["name"], "chat");
    assert!(
        chat["ops"].as_u64().expect("ops") > 0 && chat["errors"] == 0,
        "{chat}"
    );
    assert!(
        run["warnings"].to_string().contains("mock LLM"),
        "{}",
        run["warnings"]
    );
    // intensity: one uncached fetch per op from the in-process mock grid, and the mock announced.
    let intensity = &run["workloads"][2];
    assert_eq!(intensity["name"], "intensity");
    assert!(
        intensity["ops"].as_u64().expect("ops") > 0 && intensity["errors"] == 0,
        "{intensity}"
    );
    assert!(
        run["warnings"].to_string().contains("mock grid") && stderr.contains("mock grid"),
        "{}",
        run["warnings"]
    );
    assert_emissions_rows_match(&dir.path().join("bench-results/emissions.csv"), &run);
}

/// Split one CSV line (RFC 4180 quoting).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut cur, mut quoted, mut chars) =
        (vec![], String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// One CodeCarbon row per workload, header byte for byte CodeCarbon's, numbers consistent with the result file.
fn assert_emissions_rows_match(path: &std::path::Path, run: &serde_json::Value) {
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("../../energy/tests/golden/codecarbon.json"))
            .expect("golden");
    let text = std::fs::read_to_string(path).expect("bench wrote emissions.csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert_eq!(
        header,
        golden["emissions_csv_header"]
            .as_str()
            .expect("golden header")
    );
    let columns: Vec<&str> = header.split(',').collect();
    let rows: Vec<Vec<String>> = lines.map(csv_fields).collect();
    let workloads = run["workloads"].as_array().expect("workloads");
    assert_eq!(rows.len(), workloads.len(), "{text}");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-30);
    for (row, w) in rows.iter().zip(workloads) {
        assert_eq!(row.len(), columns.len(), "{row:?}");
        let col = |name: &str| &row[columns.iter().position(|c| *c == name).expect("column")];
        let num = |name: &str| {
            col(name)
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{name}: {row:?}"))
        };
        assert_eq!(col("project_name"), "carbon_harness");
        assert_eq!(col("run_id"), run["run_id"].as_str().expect("run_id"));
        assert_eq!(col("experiment_id"), w["name"].as_str().expect("name"));
        let reps = w["repetitions"].as_array().expect("reps");
        let sum = |field: &str| {
            reps.iter()
                .map(|r| r[field].as_f64().expect("number"))
                .sum::<f64>()
        };
        assert!(
            close(num("energy_consumed") * 3.6e6, sum("energy_j_total")),
            "{row:?}"
        );
        let grams =
            w["emissions_g_per_op"].as_f64().expect("g/op") * w["ops"].as_f64().expect("ops");
        assert!(
            close(num("emissions") * 1000.0, grams),
            "{} kg vs {grams} g",
            num("emissions")
        );
        assert!(num("emissions") > 0.0);
        assert!(close(num("duration"), sum("wall_s")), "{row:?}");
        assert_eq!(col("tracking_mode"), "process");
        assert!(
            col("codecarbon_version").starts_with("carbon-harness ")
                && col("codecarbon_version").contains("fake")
        );
    }
}

#[test]
fn live_without_a_key_exits_2_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["bench", "--live", "--workload", "intensity"])
        .env_remove("ELECTRICITY_MAP_API_KEY")
        .current_dir(dir.path())
        .output()
        .expect("harness runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("ELECTRICITY_MAP_API_KEY") && stderr.contains("--live"),
        "{stderr}"
    );
    assert!(!dir.path().join("bench-results").exists());
}

#[test]
fn the_schema_check_rejects_a_broken_file() {
    // Guards the validation itself: a file missing `workloads` and with a string for `ops` must not pass.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = QUICK.to_vec();
    args.extend([
        "--meter",
        "fake",
        "--out",
        "run.json",
        "--format",
        "json",
        "--no-emissions-csv",
    ]);
    let out = harness(dir.path(), &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut printed: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("--format json prints JSON");
    assert!(violations(&printed).is_empty());
    printed["workloads"][0]["ops"] = serde_json::json!("many");
    assert!(
        !violations(&printed).is_empty(),
        "a string `ops` passed validation"
    );
    assert!(
        !dir.path().join("bench-results").exists(),
        "--no-emissions-csv wrote bench-results/"
    );
    printed.as_object_mut().expect("object").remove("workloads");
    assert!(
        !violations(&printed).is_empty(),
        "a file without `workloads` passed validation"
    );
}

#[test]
fn sigint_mid_run_leaves_a_valid_partial_file() {
    signal_mid_run_leaves_a_valid_partial_file(libc::SIGINT, "SIGINT");
}

/// Issue #15: CI runners cancel with SIGTERM, which used to kill the run without the partial-result warning.
#[test]
fn sigterm_mid_run_leaves_a_valid_partial_file() {
    signal_mid_run_leaves_a_valid_partial_file(libc::SIGTERM, "SIGTERM");
}

fn signal_mid_run_leaves_a_valid_partial_file(signal: libc::c_int, name: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("partial.json");
    let child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "bench",
            "--workload",
            "spin:20000,spin:20001",
            "--duration",
            "1s",
            "--repetitions",
            "30",
        ])
        .args([
            "--warmup", "0s", "--idle", "100ms", "--meter", "fake", "--out",
        ])
        .arg(&path)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn harness");
    // Wait until the idle baseline is in the file: the run is then inside its first workload.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let has_idle = std::fs::read_to_string(&path)
            .ok()
            .is_some_and(|t| t.contains("\"idle\""));
        if has_idle {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run never wrote its idle baseline"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: plain kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let out = child.wait_with_output().expect("child exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let run = assert_valid_result_file(&path);
    assert_eq!(run["complete"], false);
    assert!(run.get("finished_at").is_none());
    let warnings = run["warnings"].to_string();
    assert!(
        warnings.contains(&format!("{name} during workload spin:20000")),
        "{warnings}"
    );
}

/// Issue #21: model-meter energy is an estimate and carries `{min, max}` bands, shown as a range in the table.
#[test]
fn a_model_meter_run_carries_energy_and_emissions_bounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = QUICK.to_vec();
    args.extend([
        "--meter",
        "model",
        "--tdp",
        "65",
        "--intensity",
        "380",
        "--machine",
        "github-runner",
        "--no-emissions-csv",
        "--out",
        "run.json",
    ]);
    let out = harness(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let w = &run["workloads"][0];
    assert_eq!(w["energy_source"], "model", "{w}");
    let e = w["energy_j_per_op"].as_f64().expect("J/op");
    let b = &w["energy_j_per_op_bounds"];
    let (lo, hi) = (
        b["min"].as_f64().expect("min"),
        b["max"].as_f64().expect("max"),
    );
    assert!(
        (lo - 0.6 * e).abs() <= 1e-9 * e && (hi - 1.4 * e).abs() <= 1e-9 * e,
        "{w}"
    );
    let g = &w["emissions_g_per_op_bounds"];
    assert!(
        g["min"].as_f64().expect("min") < w["emissions_g_per_op"].as_f64().expect("g"),
        "{w}"
    );
    assert!(
        w["sci_g_per_op_bounds"]["max"].as_f64().expect("sci max")
            > w["sci_g_per_op"].as_f64().expect("sci")
    );
    assert_eq!(run["sci"]["machine"], "github-runner");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains('–') && stdout.contains("±40 %"),
        "the table shows ranges: {stdout}"
    );
}

#[test]
fn bad_options_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, needle) in [
        (vec!["bench", "--workload", "spin:x"], "--workload"),
        (vec!["bench", "--workload", "nope"], "known:"),
        (vec!["bench", "--repetitions", "0"], "--repetitions"),
        (vec!["bench", "--rate", "0"], "--rate"),
        (vec!["bench", "--intensity", "lots"], "--intensity"),
        (vec!["bench", "--max-error-rate", "5"], "--max-error-rate"),
        (vec!["bench", "--ops", "0"], "--ops"),
        (vec!["bench", "--machine", "mainframe"], "--machine"),
        (vec!["bench", "--embodied-kg=-1"], "--embodied-kg"),
        (vec!["bench", "--resource-share", "0"], "--resource-share"),
        (vec!["bench", "--lifetime-years", "0"], "--lifetime-years"),
    ] {
        let out = harness(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    assert!(
        !dir.path().join("bench-results").exists(),
        "a refused run must not write a file"
    );
}

#[test]
fn a_foreign_emissions_csv_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("mine.csv"), "a,b\n1,2\n").expect("write");
    let mut args = QUICK.to_vec();
    args.extend([
        "--meter",
        "fake",
        "--out",
        "run.json",
        "--emissions-csv",
        "mine.csv",
    ]);
    let out = harness(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--emissions-csv mine.csv") && stderr.contains("--no-emissions-csv"),
        "{stderr}"
    );
    assert!(!dir.path().join("run.json").exists(), "nothing may run");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.csv")).expect("read"),
        "a,b\n1,2\n"
    );
}

/// Issue #15: two benches started in the same second wrote the same `runs/<second>-<sha>.json` (one run lost) and
/// their `emissions.csv` appends raced. Now: two result files, every row.
#[test]
fn concurrent_benches_in_one_directory_keep_both_runs_and_every_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(QUICK)
            .args(["--meter", "fake", "--intensity", "380"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn harness")
    };
    let children = [spawn(), spawn(), spawn()];
    for child in children {
        let out = child.wait_with_output().expect("child exits");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("bench-results/runs"))
        .expect("runs dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(runs.len(), 3, "{runs:?}");
    for r in &runs {
        assert_valid_result_file(r);
    }
    let csv = std::fs::read_to_string(dir.path().join("bench-results/emissions.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
}

/// Issue #15: `--target http://user:pass@host` printed the password on stderr and stored it in `config.target`
/// (and never sent it). It is refused now, with the URL shown redacted.
#[test]
fn target_credentials_are_refused_and_never_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(
        dir.path(),
        &[
            "bench",
            "--target",
            "http://alice:pa55-Secret@127.0.0.1:9/?token=tok-Q9z",
            "--workload",
            "intensity",
            "--meter",
            "fake",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--target") && stderr.contains("credentials"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("pa55-Secret") && !stderr.contains("tok-Q9z") && !stderr.contains("alice"),
        "{stderr}"
    );
    assert!(!dir.path().join("bench-results").exists(), "no result file");
}
