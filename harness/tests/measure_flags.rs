//! The measuring flags are one set (issue #14): `bench`, `train` and `monitor` list the same meter and intensity flags
//! (`meters` the meter ones), `bench` reads RAPL from `--powercap-root`, and `monitor` defaults to the country table
//! for `--zone` and says so.

mod common;

use common::{assert_valid_result_file, harness};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const METER_FLAGS: [&str; 7] = [
    "--meter",
    "--powercap-root",
    "--rapl-no-dram",
    "--rapl-prefer-psys",
    "--tdp",
    "--fake-power",
    "--nvml-library",
];
const INTENSITY_FLAGS: [&str; 5] = [
    "--intensity",
    "--zone",
    "--live",
    "--env-file",
    "--electricity-maps-url",
];

/// The flags `harness <command> --help` lists under `heading`.
fn flags_under(command: &str, heading: &str) -> BTreeSet<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harness(dir.path(), &[command, "--help"]);
    assert_eq!(out.status.code(), Some(0), "{command} --help");
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    let section = help
        .split(&format!("\n{heading}:\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("{command} --help has no {heading:?} section:\n{help}"));
    section
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter_map(|l| {
            let l = l.trim_start();
            l.starts_with("--")
                .then(|| l.split([' ', '=', ',']).next().unwrap_or("").to_string())
        })
        .collect()
}

fn set(flags: &[&str]) -> BTreeSet<String> {
    flags.iter().map(|f| f.to_string()).collect()
}

#[test]
fn bench_train_and_monitor_list_the_same_measuring_flags() {
    for command in ["bench", "train", "monitor"] {
        assert_eq!(
            flags_under(command, "Meter"),
            set(&METER_FLAGS),
            "{command}"
        );
        assert_eq!(
            flags_under(command, "Carbon intensity"),
            set(&INTENSITY_FLAGS),
            "{command}"
        );
    }
    assert_eq!(flags_under("meters", "Meter"), set(&METER_FLAGS), "meters");
}

fn zone(dir: &Path, name: &str) {
    fs::create_dir_all(dir).expect("mkdir");
    fs::write(dir.join("name"), name).expect("name");
    fs::write(dir.join("energy_uj"), "0\n").expect("energy");
    fs::write(dir.join("max_energy_range_uj"), "262143328850\n").expect("max");
}

/// Rewrites `energy_uj` as 50 J per second of wall time until dropped.
struct Counter {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Counter {
    fn start(energy: std::path::PathBuf) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let t0 = Instant::now();
            while !flag.load(Ordering::SeqCst) {
                let uj = (t0.elapsed().as_secs_f64() * 50e6) as u64;
                let tmp = energy.with_extension("tmp");
                fs::write(&tmp, format!("{uj}\n")).expect("write");
                fs::rename(&tmp, &energy).expect("rename");
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn bench_reads_rapl_from_a_fixture_powercap_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("powercap");
    let pkg = root.join("intel-rapl/intel-rapl:0");
    zone(&pkg, "package-0");
    let counter = Counter::start(pkg.join("energy_uj"));
    let root_s = root.to_str().expect("utf-8").to_string();
    let out = harness(
        dir.path(),
        &[
            "bench",
            "--workload",
            "spin:20000",
            "--duration",
            "300ms",
            "--repetitions",
            "2",
            "--warmup",
            "0s",
            "--idle",
            "0s",
            "--meter",
            "rapl",
            "--powercap-root",
            &root_s,
            "--intensity",
            "380",
            "--no-emissions-csv",
            "--out",
            "run.json",
        ],
    );
    drop(counter);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let run = assert_valid_result_file(&dir.path().join("run.json"));
    let rapl = run["meters"]
        .as_array()
        .expect("meters")
        .iter()
        .find(|m| m["source"] == "rapl")
        .expect("rapl listed")
        .clone();
    assert_eq!(
        (&rapl["available"], &rapl["used"]),
        (&true.into(), &true.into()),
        "{rapl}"
    );
    assert_eq!(run["config"]["meter"], "rapl");
    let w = &run["workloads"][0];
    assert_eq!(w["energy_source"], "rapl", "{w}");
    assert!(w["energy_j_per_op"].as_f64().expect("J/op") > 0.0, "{w}");
    // Measured energy carries no estimate band (issue #21); SCI is still there.
    for field in [
        "energy_j_per_op_bounds",
        "emissions_g_per_op_bounds",
        "sci_g_per_op_bounds",
    ] {
        assert!(w.get(field).is_none(), "{field} on a RAPL run: {w}");
    }
    assert!(w["sci_g_per_op"].as_f64().expect("sci") > 0.0, "{w}");

    // The same command without the fixture root reads somewhere else: an empty root has no RAPL.
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).expect("mkdir");
    let out = harness(
        dir.path(),
        &[
            "bench",
            "--workload",
            "spin:1000",
            "--meter",
            "rapl",
            "--powercap-root",
            empty.to_str().expect("utf-8"),
            "--no-emissions-csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--meter rapl"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn monitor_totals(args: &[&str]) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = [
        "monitor",
        "--meter",
        "fake",
        "--interval",
        "100ms",
        "--duration",
        "200ms",
        "--format",
        "json",
    ];
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .current_dir(dir.path())
        .args(base)
        .args(args)
        .env_remove("HARNESS_INTENSITY")
        .output()
        .expect("run harness");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let totals = serde_json::from_str(stdout.lines().last().expect("totals")).expect("json");
    (totals, stderr)
}

#[test]
fn monitor_without_intensity_uses_the_country_table_for_the_zone_and_says_so() {
    let (totals, stderr) = monitor_totals(&[]);
    assert_eq!(totals["intensity_source"], "country", "{totals}");
    assert_eq!(totals["zone"], "DEU", "{totals}");
    let de = energy::carbon::table::intensity("DE")
        .expect("DE")
        .intensity
        .0;
    assert_eq!(totals["intensity_g_per_kwh"].as_f64(), Some(de));
    assert!(
        stderr.contains("no --intensity") && stderr.contains("country table for --zone DE"),
        "{stderr}"
    );

    let (totals, stderr) = monitor_totals(&["--zone", "fr"]);
    assert_eq!(totals["zone"], "FRA", "{totals}");
    assert!(stderr.contains("--zone FR (FRA)"), "{stderr}");

    let (totals, stderr) = monitor_totals(&["--intensity", "400"]);
    assert_eq!(totals["intensity_source"], "fixed", "{totals}");
    assert!(!stderr.contains("no --intensity"), "{stderr}");
}
