//! Fixture pairs pin verdicts and exit codes of `harness compare` (files in tests/fixtures/results/, made by
//! generate.py): no change, +10 % energy, −10 % latency, one-sided workloads, cross-machine, and the error cases.

use harness::baseline::load_run;
use harness::compare::{CompareSettings, Comparison, Metric, Verdict, compare};
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/results"
    ))
    .join(name)
}

fn compare_fixtures(base: &str, cand: &str, settings: CompareSettings) -> Comparison {
    let b = load_run(&fixture(base)).expect("base fixture loads");
    let c = load_run(&fixture(cand)).expect("candidate fixture loads");
    compare(&b, base, &c, cand, settings).expect("comparable")
}

fn verdict_of(c: &Comparison, workload: &str, metric: Metric) -> Verdict {
    let w = c
        .workloads
        .iter()
        .find(|w| w.name == workload)
        .expect("workload compared");
    w.metrics
        .iter()
        .find(|m| m.metric == metric)
        .expect("metric present")
        .verdict
}

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("HARNESS_BASELINES_DIR")
        .output()
        .expect("harness runs")
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn no_change_is_quiet() {
    let c = compare_fixtures("base.json", "no-change.json", CompareSettings::default());
    for w in &c.workloads {
        for m in &w.metrics {
            assert_eq!(
                m.verdict,
                Verdict::Unchanged,
                "{} {:?}: {}",
                w.name,
                m.metric,
                m.reason
            );
        }
    }
    assert_eq!(c.verdict, Verdict::Unchanged);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(
        harness(&["compare", &path("base.json"), &path("no-change.json")])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn ten_percent_more_energy_regresses_energy_and_emissions_only() {
    let c = compare_fixtures(
        "base.json",
        "energy-plus-10.json",
        CompareSettings::default(),
    );
    for w in ["spin:1000000", "intensity"] {
        assert_eq!(verdict_of(&c, w, Metric::EnergyPerOp), Verdict::Regressed);
        assert_eq!(
            verdict_of(&c, w, Metric::EmissionsPerOp),
            Verdict::Regressed
        );
        for m in [
            Metric::LatencyP50,
            Metric::LatencyP95,
            Metric::LatencyP99,
            Metric::Throughput,
        ] {
            assert_ne!(verdict_of(&c, w, m), Verdict::Regressed, "{w} {m:?}");
        }
    }
    let energy = &c.workloads[0].metrics[0];
    let change = energy.change.expect("tested");
    assert!(
        change.lower > 0.03 && change.lower < 0.10 && change.upper > 0.10,
        "{change:?}"
    );
    let out = harness(&["compare", &path("base.json"), &path("energy-plus-10.json")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("overall: regressed"));
}

#[test]
fn ten_percent_lower_latency_is_an_improvement() {
    let c = compare_fixtures(
        "base.json",
        "latency-minus-10.json",
        CompareSettings::default(),
    );
    for w in ["spin:1000000", "intensity"] {
        assert_eq!(verdict_of(&c, w, Metric::LatencyP50), Verdict::Improved);
        assert_eq!(verdict_of(&c, w, Metric::EnergyPerOp), Verdict::Unchanged);
    }
    assert_eq!(c.verdict, Verdict::Improved);
    assert_eq!(
        harness(&[
            "compare",
            &path("base.json"),
            &path("latency-minus-10.json")
        ])
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn swapping_the_energy_pair_mirrors_the_verdicts() {
    let forward = compare_fixtures(
        "base.json",
        "energy-plus-10.json",
        CompareSettings::default(),
    );
    let backward = compare_fixtures(
        "energy-plus-10.json",
        "base.json",
        CompareSettings::default(),
    );
    assert_eq!(
        verdict_of(&backward, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Improved
    );
    assert_eq!(forward.counts()[0], backward.counts()[1]);
    assert_eq!(forward.counts()[1], backward.counts()[0]);
}

#[test]
fn one_sided_workloads_are_listed_not_compared() {
    let c = compare_fixtures("base.json", "one-sided.json", CompareSettings::default());
    let names: Vec<&str> = c.workloads.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["spin:1000000"]);
    assert_eq!(c.only_in_base, ["intensity"]);
    assert_eq!(c.only_in_candidate, ["predict"]);
    let out = harness(&["compare", &path("base.json"), &path("one-sided.json")]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("only in the base (not compared): intensity"),
        "{text}"
    );
    assert!(
        text.contains("only in the candidate (not compared): predict"),
        "{text}"
    );
}

#[test]
fn cross_machine_energy_is_inconclusive_with_a_loud_warning() {
    let c = compare_fixtures(
        "base.json",
        "cross-machine.json",
        CompareSettings::default(),
    );
    assert!(c.cross_machine);
    assert_eq!(
        verdict_of(&c, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Inconclusive
    );
    assert_eq!(
        verdict_of(&c, "spin:1000000", Metric::EmissionsPerOp),
        Verdict::Inconclusive
    );
    assert_eq!(
        verdict_of(&c, "spin:1000000", Metric::LatencyP50),
        Verdict::Unchanged
    );
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("CROSS-MACHINE") && w.contains("--allow-cross-machine")),
        "{:?}",
        c.warnings
    );
    let out = harness(&["compare", &path("base.json"), &path("cross-machine.json")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("WARNING: CROSS-MACHINE"));

    let allowed = CompareSettings {
        allow_cross_machine: true,
        ..CompareSettings::default()
    };
    let c = compare_fixtures("base.json", "cross-machine.json", allowed);
    assert_eq!(
        verdict_of(&c, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Regressed
    );
    let out = harness(&[
        "compare",
        &path("base.json"),
        &path("cross-machine.json"),
        "--allow-cross-machine",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_wide_threshold_silences_the_energy_regression() {
    let out = harness(&[
        "compare",
        &path("base.json"),
        &path("energy-plus-10.json"),
        "--threshold",
        "energy=20%,emissions=20%",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn harness_errors_exit_2_and_say_why() {
    let out = harness(&[
        "compare",
        &path("base.json"),
        &path("nothing-in-common.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no workload in common") && err.contains("chat"),
        "{err}"
    );

    let out = harness(&["compare", &path("base.json"), &path("schema-v2.json")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema-v2.json")
            && err.contains("schema_version 2")
            && err.contains("version 1"),
        "{err}"
    );

    let out = harness(&["compare", &path("base.json"), "/nonexistent/run.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/run.json"));

    let out = harness(&[
        "compare",
        &path("base.json"),
        &path("no-change.json"),
        "--threshold",
        "energy=3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("percent sign"));
}

#[test]
fn baselines_save_list_show_and_default_base() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bdir = dir.path().join("baselines");
    let b = bdir.display().to_string();
    let out = harness(&[
        "baseline",
        "save",
        &path("base.json"),
        "--baselines-dir",
        &b,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(bdir.join("main.json").exists());
    let out = harness(&[
        "baseline",
        "save",
        &path("no-change.json"),
        "--name",
        "release-1",
        "--baselines-dir",
        &b,
    ]);
    assert_eq!(out.status.code(), Some(0));

    let out = harness(&["baseline", "list", "--baselines-dir", &b]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("main\t20260101T000000Z-aaaaaaa") && text.contains("release-1\t"),
        "{text}"
    );

    let out = harness(&["baseline", "show", "main", "--baselines-dir", &b]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("spin:1000000") && text.contains("fp-fixture-a"),
        "{text}"
    );
    // `baseline show` and `compare` show the same mean with the same rounding for the same base.
    let shown = text.clone();
    let out = harness(&[
        "compare",
        "main",
        &path("no-change.json"),
        "--baselines-dir",
        &b,
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    for label in ["energy", "throughput"] {
        let row = table
            .lines()
            .find(|l| l.contains("spin:1000000") && l.contains(label))
            .unwrap_or_else(|| panic!("no {label} row in {table}"));
        let base = row.split('│').nth(3).expect("base cell").trim().to_string();
        assert!(
            !base.is_empty() && shown.contains(&base),
            "{base} (compare) not in baseline show:\n{shown}\n{table}"
        );
    }

    // One argument: the candidate, compared against the baseline `main`.
    let out = harness(&[
        "compare",
        &path("energy-plus-10.json"),
        "--baselines-dir",
        &b,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = harness(&[
        "compare",
        "release-1",
        &path("no-change.json"),
        "--baselines-dir",
        &b,
    ]);
    assert_eq!(out.status.code(), Some(0));

    let out = harness(&[
        "compare",
        "nope",
        &path("no-change.json"),
        "--baselines-dir",
        &b,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no baseline named `nope`"));
}

#[test]
fn out_writes_the_file_and_keeps_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("comment.md");
    let out = harness(&[
        "compare",
        &path("base.json"),
        &path("energy-plus-10.json"),
        "--format",
        "markdown",
        "--out",
        &md.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&md).expect("written");
    assert!(
        text.starts_with("### carbon-harness: 🔴 regressed"),
        "{text}"
    );
}

#[test]
fn report_writes_a_self_contained_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let out = harness(&[
        "report",
        &path("energy-plus-10.json"),
        "--baseline",
        &path("base.json"),
        "--out",
        &html.display().to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).expect("written");
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    // Two charts per workload (latency, energy), two workloads: with one grid intensity for every repetition the
    // emissions chart would be the energy chart scaled, and the energy chart's caption says so.
    assert_eq!(page.matches("<svg").count(), 4, "charts");
    // Labels are SVG <text> (plotters built without a font library estimates their size): no system font needed.
    assert!(
        page.contains(">\nlatency per repetition\n</text>") && page.matches("<text").count() > 20,
        "chart labels as SVG text"
    );
    assert_eq!(
        page.matches("one grid intensity for every repetition")
            .count(),
        2
    );
    assert!(page.contains("class=\"regressed l\">regressed") && page.contains("energy / op"));
    // The energy chart draws the noise band around the base mean and writes the verdict on the chart.
    assert_eq!(
        page.matches("shaded, the noise band ±1.5% around the base mean")
            .count(),
        2,
        "band caption per energy chart"
    );
    assert!(
        page.contains("opacity=\"0.15\" fill=\"#557A95\""),
        "the band is drawn"
    );
    assert_eq!(
        page.matches("regressed +").count(),
        2,
        "the verdict on each energy chart"
    );
    assert!(
        !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http"),
        "self-contained"
    );

    let out = harness(&[
        "report",
        &path("base.json"),
        "--out",
        &html.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let page = std::fs::read_to_string(&html).expect("written");
    assert!(!page.contains("Verdict:") && page.contains("<svg"));
}

#[test]
fn report_marks_an_outlier_instead_of_squashing_the_axis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("base.json")).expect("fixture"))
            .expect("json");
    let rep = &mut run["workloads"][0]["repetitions"][0];
    let p99 = rep["latency_s"]["p99"].as_f64().expect("p99");
    rep["latency_s"]["p99"] = serde_json::json!(p99 * 1000.0);
    let file = dir.path().join("outlier.json");
    std::fs::write(&file, run.to_string()).expect("write");
    let html = dir.path().join("report.html");
    let out = harness(&[
        "report",
        &file.display().to_string(),
        "--out",
        &html.display().to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).expect("written");
    assert!(
        page.contains("1 value above the axis (up to"),
        "the outlier is counted in the caption"
    );
    // Without the outlier the same report has no such note.
    let out = harness(&[
        "report",
        &path("base.json"),
        "--out",
        &html.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !std::fs::read_to_string(&html)
            .expect("written")
            .contains("above the axis")
    );
}

#[test]
fn help_renders_for_compare_baseline_and_report() {
    for args in [
        &["compare", "--help"][..],
        &["baseline", "save", "--help"],
        &["baseline", "list", "--help"],
        &["baseline", "show", "--help"],
        &["report", "--help"],
    ] {
        let out = harness(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Example"),
            "{args:?}"
        );
    }
}

/// Runs `harness report` on `run` (and `base`), killing it after 10 s: a hang is a failure, not a stuck CI job.
fn report_within_bound(
    run: &std::path::Path,
    base: &std::path::Path,
) -> (Option<i32>, std::time::Duration) {
    let out = run.with_extension("html");
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["report", &run.display().to_string(), "--baseline"])
        .arg(base)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("harness starts");
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return (status.code(), started.elapsed());
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("harness report on {} did not finish in 10 s", run.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Issue #15 item 1: one repetition at 1e160 J/op made the whisker axis infinite and plotters spun forever. Extreme,
/// overflowing and zero-width values must all render (exit 0 or 1) promptly.
#[test]
fn report_finishes_on_extreme_and_zero_width_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("base.json")).expect("read"))
            .expect("json");
    type Mutation = fn(&mut serde_json::Value);
    let cases: [(&str, Mutation); 6] = [
        ("one-1e160", |rep| rep["energy_j_per_op"] = 1e160.into()),
        ("near-max", |rep| {
            rep["energy_j_per_op"] = 1.7e308.into();
            rep["emissions_g_per_op"] = 1.7e308.into();
            rep["latency_s"]["p99"] = 1.7e308.into();
        }),
        ("zero", |rep| {
            rep["energy_j_per_op"] = 0.0.into();
            rep["emissions_g_per_op"] = 0.0.into();
        }),
        ("tiny", |rep| rep["emissions_g_per_op"] = 1e-300.into()),
        ("negative", |rep| rep["energy_j_per_op"] = (-1e160).into()),
        ("latency-huge", |rep| rep["latency_s"]["p50"] = 1e200.into()),
    ];
    for (name, mutate) in cases {
        for all in [false, true] {
            let mut run = base.clone();
            run["run_id"] = format!("{name}-{all}").into();
            for w in run["workloads"].as_array_mut().expect("workloads") {
                for (i, rep) in w["repetitions"]
                    .as_array_mut()
                    .expect("reps")
                    .iter_mut()
                    .enumerate()
                {
                    if all || i == 0 {
                        mutate(rep);
                        // The report charts the attributable energy when a repetition has it: mutate that too.
                        let gross = (
                            rep["energy_j_per_op"].clone(),
                            rep["emissions_g_per_op"].clone(),
                        );
                        rep["attributable"]["energy_j_per_op"] = gross.0;
                        rep["attributable"]["emissions_g_per_op"] = gross.1;
                    }
                }
            }
            let path = dir.path().join(format!("{name}-{all}.json"));
            std::fs::write(&path, serde_json::to_vec(&run).expect("json")).expect("write");
            let (code, took) = report_within_bound(&path, &fixture("base.json"));
            assert!(
                matches!(code, Some(0 | 1)),
                "{name} (all={all}): exit {code:?}"
            );
            eprintln!("report {name} all={all}: {took:?}");
        }
    }
}

/// Issue #15: serde's message was printed twice (once in the error, once as its cause), and a string, float or
/// missing `schema_version` was reported as "schema_version 0".
#[test]
fn load_errors_say_what_was_found_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"schema_version\": 1, oops").expect("write");
    let out = harness(&["compare", &path("base.json"), &broken.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.matches("key must be a string").count(),
        1,
        "{stderr}"
    );
    let stringy = dir.path().join("stringy.json");
    std::fs::write(&stringy, "{\"schema_version\": \"1\"}").expect("write");
    let out = harness(&[
        "compare",
        &path("base.json"),
        &stringy.display().to_string(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("schema_version \"1\" (a string") && !stderr.contains("schema_version 0"),
        "{stderr}"
    );
}

#[test]
fn a_busy_neighbour_on_one_side_is_inconclusive_both_ways_with_the_numbers() {
    // busy-neighbour.json: the same code while a hog kept one core busy (latency +40 %, throughput −30 %).
    for (base, cand, during) in [
        (
            "base.json",
            "busy-neighbour.json",
            "93 % of a core during the candidate, 2 % during the base",
        ),
        (
            "busy-neighbour.json",
            "base.json",
            "2 % of a core during the candidate, 93 % during the base",
        ),
    ] {
        let c = compare_fixtures(base, cand, CompareSettings::default());
        for w in &c.workloads {
            for m in &w.metrics {
                assert_eq!(
                    m.verdict,
                    Verdict::Inconclusive,
                    "{} {:?}",
                    w.name,
                    m.metric
                );
                assert!(m.reason.contains(during), "{}", m.reason);
            }
        }
        let out = harness(&["compare", &path(base), &path(cand)]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(
            stdout.contains("WARNING: ENVIRONMENT") && stdout.contains(during),
            "{stdout}"
        );
    }
}

#[test]
fn old_files_compare_the_gross_share_and_say_so() {
    let strip = |name: &str| {
        let mut run = load_run(&fixture(name)).expect("loads");
        for w in &mut run.workloads {
            for r in &mut w.repetitions {
                r.attributable = None;
                r.environment = None;
            }
        }
        run
    };
    let (b, c) = (strip("base.json"), strip("energy-plus-10.json"));
    let cmp =
        compare(&b, "old-base", &c, "old-cand", CompareSettings::default()).expect("comparable");
    assert_eq!(
        cmp.workloads[0].energy_basis,
        harness::compare::EnergyBasis::Gross
    );
    assert_eq!(
        verdict_of(&cmp, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Regressed
    );
    assert!(
        cmp.warnings
            .iter()
            .any(|w| w.contains("no attributable energy")),
        "{:?}",
        cmp.warnings
    );
    assert!(
        cmp.warnings
            .iter()
            .any(|w| w.contains("no environment record")),
        "{:?}",
        cmp.warnings
    );
}

#[test]
fn the_attributable_energy_is_what_is_gated() {
    // The gross share of the candidate grows 50 % (a neighbour stretched the wall time); its attributable energy does
    // not move: energy must stay unchanged.
    let b = load_run(&fixture("base.json")).expect("loads");
    let mut c = load_run(&fixture("no-change.json")).expect("loads");
    for w in &mut c.workloads {
        for r in &mut w.repetitions {
            r.energy_j_per_op *= 1.5;
            r.emissions_g_per_op *= 1.5;
        }
    }
    let cmp = compare(&b, "b", &c, "c", CompareSettings::default()).expect("comparable");
    assert_eq!(
        cmp.workloads[0].energy_basis,
        harness::compare::EnergyBasis::Attributable
    );
    assert_eq!(
        verdict_of(&cmp, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Unchanged
    );
    assert_eq!(
        verdict_of(&cmp, "spin:1000000", Metric::EmissionsPerOp),
        Verdict::Unchanged
    );
}

#[test]
fn different_settings_warn_and_make_the_moved_metrics_inconclusive() {
    let b = load_run(&fixture("base.json")).expect("loads");
    let mut c = load_run(&fixture("latency-minus-10.json")).expect("loads");
    c.config.duration_s = Some(10.0);
    let cmp = compare(&b, "b", &c, "c", CompareSettings::default()).expect("comparable");
    assert_eq!(
        verdict_of(&cmp, "spin:1000000", Metric::LatencyP50),
        Verdict::Inconclusive
    );
    assert_eq!(
        verdict_of(&cmp, "spin:1000000", Metric::Throughput),
        Verdict::Inconclusive
    );
    assert_ne!(
        verdict_of(&cmp, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Inconclusive
    );
    assert!(
        cmp.warnings.iter().any(|w| w.starts_with("SETTINGS:")
            && w.contains("(2.0 in the base, 10.0 in the candidate)")),
        "{:?}",
        cmp.warnings
    );
}

#[test]
fn interleaved_ab_pairs_are_tested_paired_and_drift_cancels() {
    use harness::record::schema::AbInfo;
    // Both sides drift up 3 % per pair (a neighbour's build ramping up); the candidate costs 5 % more in every pair.
    let mut b = load_run(&fixture("base.json")).expect("loads");
    let mut c = b.clone();
    for (run, side, factor) in [(&mut b, "base", 1.0), (&mut c, "head", 1.05)] {
        run.ab = Some(AbInfo {
            session: "s1".into(),
            side: side.into(),
        });
        for w in &mut run.workloads {
            for (i, r) in w.repetitions.iter_mut().enumerate() {
                let drift = 1.0 + 0.03 * i as f64;
                let a = r.attributable.as_mut().expect("attributable");
                a.energy_j_per_op = 0.01 * drift * factor;
                a.emissions_g_per_op = a.energy_j_per_op / 3.6e6 * 400.0;
                r.pair = Some(i as u32);
            }
        }
    }
    let paired = compare(&b, "b", &c, "c", CompareSettings::default()).expect("comparable");
    assert_eq!(
        paired.workloads[0].method,
        harness::compare::TestMethod::Paired
    );
    assert_eq!(
        verdict_of(&paired, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Regressed
    );
    // The same numbers without the pairing: Welch sees the drift as noise and cannot tell.
    c.ab = None;
    let welch = compare(&b, "b", &c, "c", CompareSettings::default()).expect("comparable");
    assert_eq!(
        welch.workloads[0].method,
        harness::compare::TestMethod::Welch
    );
    assert_ne!(
        verdict_of(&welch, "spin:1000000", Metric::EnergyPerOp),
        Verdict::Regressed
    );
}

#[test]
fn paired_runs_default_to_a_1_percent_band_and_independent_runs_to_1_5_percent() {
    use harness::compare::{DEFAULT_THRESHOLD, PAIRED_DEFAULT_THRESHOLD, Thresholds};
    use harness::record::schema::AbInfo;
    // The candidate costs 1.25 % more in every pair, with a little alternating noise: a change the paired band (1 %)
    // must flag and the independent-runs band (1.5 %) must not.
    let mut b = load_run(&fixture("base.json")).expect("loads");
    let mut c = b.clone();
    for (run, side, factor) in [(&mut b, "base", 1.0), (&mut c, "head", 1.0125)] {
        run.ab = Some(AbInfo {
            session: "s1".into(),
            side: side.into(),
        });
        for w in &mut run.workloads {
            for (i, r) in w.repetitions.iter_mut().enumerate() {
                let noise = if (i + side.len()) % 2 == 0 {
                    1.001
                } else {
                    0.999
                };
                let a = r.attributable.as_mut().expect("attributable");
                a.energy_j_per_op = 0.01 * noise * factor;
                a.emissions_g_per_op = a.energy_j_per_op / 3.6e6 * 400.0;
                r.pair = Some(i as u32);
            }
        }
    }
    let paired = compare(&b, "b", &c, "c", CompareSettings::default()).expect("comparable");
    let energy = |cmp: &Comparison| {
        cmp.workloads[0]
            .metrics
            .iter()
            .find(|m| m.metric == Metric::EnergyPerOp)
            .cloned()
            .expect("energy")
    };
    assert_eq!(energy(&paired).threshold, PAIRED_DEFAULT_THRESHOLD);
    assert_eq!(energy(&paired).verdict, Verdict::Regressed);
    // An explicit band wins over the paired default.
    let explicit = CompareSettings {
        thresholds: "energy=3%".parse::<Thresholds>().expect("parses"),
        ..CompareSettings::default()
    };
    let wide = compare(&b, "b", &c, "c", explicit).expect("comparable");
    assert_eq!(energy(&wide).threshold, 0.03);
    assert_ne!(energy(&wide).verdict, Verdict::Regressed);
    // Independent runs have the 1.5 % band: the same +1.25 % is within it.
    c.ab = None;
    let welch = compare(&b, "b", &c, "c", CompareSettings::default()).expect("comparable");
    assert_eq!(energy(&welch).threshold, DEFAULT_THRESHOLD);
    assert_ne!(energy(&welch).verdict, Verdict::Regressed);
}

#[test]
fn tail_latencies_from_too_few_ops_are_not_tested() {
    // 25 ops per repetition: a p99 is their maximum and a p95 their second largest, so neither is tested; the p50 is.
    let mut b = load_run(&fixture("base.json")).expect("loads");
    let mut c = load_run(&fixture("latency-minus-10.json")).expect("loads");
    for run in [&mut b, &mut c] {
        for w in &mut run.workloads {
            for r in &mut w.repetitions {
                r.ops = 25;
            }
        }
    }
    let cmp = compare(&b, "b", &c, "c", CompareSettings::default()).expect("comparable");
    let metric = |m: Metric| {
        cmp.workloads[0]
            .metrics
            .iter()
            .find(|x| x.metric == m)
            .cloned()
            .expect("metric")
    };
    for m in [Metric::LatencyP95, Metric::LatencyP99] {
        let x = metric(m);
        assert_eq!(x.verdict, Verdict::Inconclusive, "{m:?}");
        assert!(
            x.p_value.is_none(),
            "{m:?} must not enter Holm's adjustment"
        );
        assert!(
            x.reason.contains("ops per repetition") && x.reason.contains("the fewest here was 25"),
            "{}",
            x.reason
        );
    }
    assert!(metric(Metric::LatencyP50).p_value.is_some());
    assert_eq!(Metric::LatencyP99.min_ops_per_repetition(), 500);
    assert_eq!(Metric::LatencyP95.min_ops_per_repetition(), 100);
    assert_eq!(Metric::EnergyPerOp.min_ops_per_repetition(), 0);
}

#[test]
fn every_tested_verdict_says_what_it_could_have_seen() {
    let c = compare_fixtures("base.json", "no-change.json", CompareSettings::default());
    for m in c.workloads.iter().flat_map(|w| &w.metrics) {
        let mdc = m
            .minimum_detectable_change
            .expect("tested metrics have an MDC");
        assert!(mdc > m.threshold && mdc < 0.2, "{:?} {mdc}", m.metric);
        assert!(
            m.verdict_text().starts_with("unchanged (could detect ≥ "),
            "{}",
            m.verdict_text()
        );
    }
    let out = harness(&[
        "compare",
        &path("base.json"),
        &path("no-change.json"),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        json["metrics"][0]["minimum_detectable_change"]
            .as_f64()
            .is_some()
    );
}

/// Issue #21: SCI per op is a compared (gated) metric when both runs have it and used the same embodied inputs;
/// older files without it leave it out instead of judging it inconclusive.
#[test]
fn sci_per_op_is_compared_when_both_runs_have_it_with_the_same_inputs() {
    use harness::record::schema::SciInputs;
    let with_sci = |name: &str, scale: f64| {
        let mut run = load_run(&fixture(name)).expect("fixture loads");
        for w in &mut run.workloads {
            for r in &mut w.repetitions {
                let op = r
                    .attributable
                    .map_or(r.emissions_g_per_op, |a| a.emissions_g_per_op);
                r.sci.sci_g_per_op = Some((op + 1e-6) * scale);
                r.sci.embodied_g_per_op = Some(1e-6 * scale);
            }
        }
        run.sci = Some(SciInputs {
            functional_unit: "one successful operation of the workload (R = 1 op)".into(),
            machine: "generic-server".into(),
            embodied_total_kg: 1000.0,
            lifetime_years: 4.0,
            resource_share: 1.0,
            input_sources: vec![],
            references: vec![],
            energy_basis: "attributable".into(),
            intensity_basis: "single reading".into(),
        });
        run
    };
    let base = with_sci("base.json", 1.0);
    let worse = with_sci("base.json", 1.5);
    let c =
        compare(&base, "base", &worse, "worse", CompareSettings::default()).expect("comparable");
    assert_eq!(
        verdict_of(&c, "spin:1000000", Metric::Sci),
        Verdict::Regressed
    );
    assert_eq!(c.verdict, Verdict::Regressed);
    let json = String::from_utf8(harness::export::json::render(&c).expect("json")).expect("utf-8");
    assert!(json.contains("\"sci_g_per_op\""), "{json}");

    // Different embodied inputs: SCI is left out, and the warning says why.
    let mut other = worse.clone();
    if let Some(s) = other.sci.as_mut() {
        s.embodied_total_kg = 156.0;
    }
    let c =
        compare(&base, "base", &other, "other", CompareSettings::default()).expect("comparable");
    assert!(
        c.workloads
            .iter()
            .all(|w| w.metrics.iter().all(|m| m.metric != Metric::Sci))
    );
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("embodied inputs differ")),
        "{:?}",
        c.warnings
    );

    // A file without SCI (older harness): not compared, not inconclusive.
    let plain = load_run(&fixture("base.json")).expect("fixture");
    let c =
        compare(&plain, "base", &worse, "worse", CompareSettings::default()).expect("comparable");
    assert!(
        c.workloads
            .iter()
            .all(|w| w.metrics.iter().all(|m| m.metric != Metric::Sci))
    );
}

/// `base.json` turned into a `--meter instructions` run: every repetition counted, `per_op` instructions per op (times
/// a few parts per million of jitter, as Callgrind shows between repetitions), the wall clock marked meaningless, and
/// other processes' CPU use set to `neighbour` cores.
fn counted(per_op: f64, neighbour: f64) -> harness::record::schema::RunResult {
    use harness::record::schema::{CacheMissCounts, InstructionCounts};
    let mut run = load_run(&fixture("base.json")).expect("base fixture loads");
    for w in &mut run.workloads {
        w.wall_clock_meaningful = Some(false);
        w.instructions_per_op = Some(per_op);
        for (i, r) in w.repetitions.iter_mut().enumerate() {
            let p = per_op * (1.0 + 2e-6 * i as f64);
            r.instructions_per_op = Some(p);
            r.counts = Some(InstructionCounts {
                instructions: (p * r.ops as f64) as u64,
                cache_misses: Some(CacheMissCounts { l1: 10, ll: 1 }),
            });
            // The estimate is proportional to the count.
            let j = p * 1e-9;
            let a = r.attributable.as_mut().expect("attributable");
            a.energy_j_per_op = j;
            a.emissions_g_per_op = j * 1e-4;
            if let Some(env) = r.environment.as_mut() {
                env.other_cpu_cores = Some(neighbour);
            }
        }
    }
    run
}

#[test]
fn counted_runs_are_gated_deterministically_at_half_a_percent() {
    use harness::compare::TestMethod;
    let settings = CompareSettings::default();
    let base = counted(1_000_000.0, 0.0);
    let verdict = |cand: &harness::record::schema::RunResult| {
        compare(&base, "base", cand, "cand", settings).expect("comparable")
    };
    // A/A with a neighbour using a whole core during the candidate: unchanged (a count cannot be disturbed).
    let aa = verdict(&counted(1_000_000.0, 1.0));
    assert_eq!(aa.verdict, Verdict::Unchanged, "{:#?}", aa.workloads);
    let w = &aa.workloads[0];
    assert_eq!(w.method, TestMethod::Deterministic);
    assert_eq!(
        w.metrics.iter().map(|m| m.metric).collect::<Vec<_>>(),
        Metric::COUNTED
    );
    assert!(
        !aa.warnings.iter().any(|w| w.contains("ENVIRONMENT")),
        "{:?}",
        aa.warnings
    );
    // +1 % (spin:101000 against spin:100000) and +0.6 % are regressed; +0.4 % is within the band.
    for (factor, expected) in [
        (1.01, Verdict::Regressed),
        (1.006, Verdict::Regressed),
        (1.004, Verdict::Unchanged),
        (0.99, Verdict::Improved),
    ] {
        let c = verdict(&counted(1_000_000.0 * factor, 0.0));
        let m = &c.workloads[0].metrics[0];
        assert_eq!(
            (m.metric, m.verdict),
            (Metric::InstructionsPerOp, expected),
            "{factor}: {}",
            m.reason
        );
        assert!(m.reason.contains("deterministic count"), "{}", m.reason);
        assert_eq!(m.threshold, 0.005);
        assert_eq!(
            verdict_of(&c, "spin:1000000", Metric::EnergyPerOp),
            expected,
            "{factor}"
        );
    }
    // --threshold instructions=2% lets +1 % through.
    let wide = CompareSettings {
        thresholds: "instructions=2%".parse().expect("parses"),
        ..settings
    };
    let c = compare(&base, "b", &counted(1_010_000.0, 0.0), "c", wide).expect("comparable");
    assert_eq!(c.verdict, Verdict::Unchanged);
}

#[test]
fn every_output_carries_the_instruction_count() {
    let base = counted(1_000_000.0, 0.0);
    let cand = counted(1_010_000.0, 0.0);
    let c = compare(&base, "base", &cand, "cand", CompareSettings::default()).expect("comparable");
    let json = String::from_utf8(harness::export::json::render(&c).expect("json")).expect("utf8");
    assert!(
        json.contains("\"instructions_per_op\"") && json.contains("deterministic"),
        "{json}"
    );
    let md = String::from_utf8(harness::export::markdown::render(&c)).expect("utf8");
    assert!(
        md.contains("instructions / op") && md.contains("regressed"),
        "{md}"
    );
    let table = String::from_utf8(harness::export::diff_table::render(&c, false)).expect("utf8");
    assert!(table.contains("instructions / op"), "{table}");
    let bmf = String::from_utf8(harness::export::bmf::render(&cand).expect("bmf")).expect("utf8");
    let bmf: serde_json::Value = serde_json::from_str(&bmf).expect("bmf json");
    let spin = &bmf["spin:1000000"];
    assert!(
        (spin["instructions_per_op"]["value"]
            .as_f64()
            .expect("value")
            - 1_010_000.0)
            .abs()
            < 10.0,
        "{spin}"
    );
    assert!(
        spin.get("latency_p50_s").is_none(),
        "Valgrind's wall clock is left out: {spin}"
    );
    let html = harness::export::html::render(&harness::export::html::ReportInput {
        run: &cand,
        run_label: "cand",
        baseline: Some((&base, &c)),
        alpha: 0.05,
    })
    .expect("html");
    let html = String::from_utf8(html).expect("utf8");
    assert!(
        html.contains("instructions / op"),
        "the HTML verdict table lists the count"
    );
    assert!(
        html.contains("Minstr / op") && !html.contains("latency per repetition"),
        "the count is charted, the wall clock under Valgrind is not"
    );
}
