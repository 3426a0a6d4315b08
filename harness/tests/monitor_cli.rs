//! `harness monitor` and `harness meters` end to end: the binary against a temp powercap root whose `energy_uj` a
//! thread rewrites while the monitor runs, and against a machine with no counters (this CI VM).

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

fn zone(dir: &Path, name: &str) {
    fs::create_dir_all(dir).expect("mkdir");
    fs::write(dir.join("name"), name).expect("name");
    fs::write(dir.join("energy_uj"), "0\n").expect("energy");
    fs::write(dir.join("max_energy_range_uj"), "262143328850\n").expect("max");
}

#[test]
fn monitor_sees_three_joules_per_second_written_to_a_fake_counter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone_dir = dir.path().join("intel-rapl/intel-rapl:0");
    zone(&zone_dir, "package-0");
    let energy = zone_dir.join("energy_uj");
    let stop = Arc::new(AtomicBool::new(false));
    // 3 J/s of wall time: the counter always equals 3e6 µJ × seconds since the writer started.
    let writer = {
        let (stop, energy) = (stop.clone(), energy.clone());
        std::thread::spawn(move || {
            let t0 = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                let uj = (t0.elapsed().as_secs_f64() * 3e6) as u64;
                let tmp = energy.with_extension("tmp");
                fs::write(&tmp, format!("{uj}\n")).expect("write");
                fs::rename(&tmp, &energy).expect("rename");
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let csv = dir.path().join("emissions.csv");
    let out = harness()
        .args([
            "monitor",
            "--meter",
            "rapl",
            "--interval",
            "500ms",
            "--duration",
            "3s",
            "--format",
            "json",
        ])
        .args(["--intensity", "fixed:400", "--csv"])
        .arg(&csv)
        .arg("--powercap-root")
        .arg(dir.path())
        .output()
        .expect("run harness");
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(lines.len() >= 4, "samples then totals: {stdout}");
    let totals = lines.last().expect("totals");
    let cpu = &totals["totals"]["cpu_package"];
    let (j, d) = (
        cpu["energy_j"].as_f64().expect("J"),
        cpu["duration_s"].as_f64().expect("s"),
    );
    assert_eq!(cpu["source"], "rapl");
    // ≈ 3 J/s × duration, within one interval's worth (plus the writer's 20 ms step).
    assert!((j - 3.0 * d).abs() <= 3.0 * 0.5 + 0.1, "{j} J over {d} s");
    assert!(
        (j - 9.0).abs() <= 1.5 + 0.1 + 3.0 * (d - 3.0).abs(),
        "{j} J"
    );
    let g = cpu["emissions_g"].as_f64().expect("g");
    assert!((g - j / 3.6e6 * 400.0).abs() < 1e-12);
    let text = fs::read_to_string(&csv).expect("csv written");
    assert_eq!(text.lines().count(), 2);
    assert!(
        text.lines().nth(1).expect("row").contains("carbon-harness"),
        "{text}"
    );
}

#[test]
fn meters_on_a_machine_without_counters_names_the_model_and_its_tdp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness()
        .args(["meters", "--format", "json", "--powercap-root"])
        .arg(dir.path().join("absent"))
        .arg("--nvml-library")
        .arg(dir.path().join("libnvidia-ml.so.1"))
        .output()
        .expect("run harness");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let meters = v["meters"].as_array().expect("meters");
    let by = |s: &str| {
        meters
            .iter()
            .find(|m| m["source"] == s)
            .expect("listed")
            .clone()
    };
    assert_eq!(by("rapl")["available"], false);
    assert_eq!(by("nvml")["available"], false);
    assert_eq!(by("model")["used"], true);
    assert!(
        by("model")["detail"]
            .as_str()
            .expect("detail")
            .contains("TDP")
    );
    assert_eq!(v["auto_uses"], "model");

    let table = harness()
        .args(["meters", "--powercap-root"])
        .arg(dir.path().join("absent"))
        .arg("--nvml-library")
        .arg(dir.path().join("libnvidia-ml.so.1"))
        .output()
        .expect("run harness");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("RAPL: no.")
            && text.contains("GPU: no.")
            && text.contains("Model meter in use"),
        "{text}"
    );
}

#[test]
fn monitor_with_fake_meter_says_fake_and_rejects_bad_flags() {
    let out = harness()
        .args([
            "monitor",
            "--meter",
            "fake",
            "--fake-power",
            "20",
            "--interval",
            "100ms",
            "--duration",
            "300ms",
        ])
        .args(["--format", "json"])
        .output()
        .expect("run harness");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("fake meter in use"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let totals: Value = serde_json::from_str(stdout.lines().last().expect("line")).expect("json");
    assert_eq!(totals["total"]["source"], "fake");

    let bad = harness()
        .args(["monitor", "--interval", "1ms"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--interval"));
    let bad = harness()
        .args([
            "monitor",
            "--meter",
            "rapl",
            "--powercap-root",
            "/nonexistent",
        ])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("rapl meter unavailable"));
}
