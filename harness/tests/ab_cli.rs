//! `harness ab` end to end with stand-in builds: two small shell scripts that behave like `harness bench` (they record
//! how and where they were called, then write a result file), so the interleaving, the command line given to each
//! build, the merge and the error paths are checked without building the harness twice. The GitHub Action's tests
//! (github-action/tests/run.sh) run `harness ab` on two real builds.

use harness::record::schema::{
    BenchConfig, GitInfo, IntensityInfo, LatencySummary, MachineInfo, RepetitionSample, RunResult,
    SCHEMA_VERSION, WorkloadResult,
};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One single-repetition run of `spin:1000` whose cost (energy, emissions, latency) is proportional to `energy_j`.
fn run_fixture(energy_j: f64) -> RunResult {
    let latency = energy_j / 1000.0;
    let latency_s = LatencySummary {
        p50: latency,
        p90: latency,
        p95: latency,
        p99: latency,
        max: latency,
        mean: latency,
    };
    let rep = RepetitionSample {
        index: 0,
        ops: 100,
        errors: 0,
        wall_s: 0.1,
        cpu_s: 0.1,
        energy_j: BTreeMap::from([("fake".to_string(), energy_j)]),
        energy_j_total: energy_j,
        energy_j_net: energy_j,
        energy_j_per_op: energy_j / 100.0,
        energy_j_per_op_net: energy_j / 100.0,
        emissions_g_per_op: energy_j / 100.0 / 3.6e6 * 400.0,
        throughput_ops_per_s: 10_000.0 / energy_j,
        latency_s,
        attributable: None,
        environment: None,
        pair: None,
        sci: Default::default(),
        instructions_per_op: None,
        counts: None,
    };
    RunResult {
        schema_version: SCHEMA_VERSION,
        harness_version: "0.1.0".into(),
        run_id: "fixture".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: Some("2026-01-01T00:00:01Z".into()),
        complete: true,
        git: GitInfo::default(),
        machine: MachineInfo::default(),
        meters: Vec::new(),
        intensity: IntensityInfo {
            source: "fixed".into(),
            zone: None,
            intensity_g_per_kwh: 400.0,
        },
        config: BenchConfig {
            repetitions: 1,
            ..BenchConfig::default()
        },
        idle: None,
        warnings: vec!["fake meter: not a measurement".into()],
        workloads: vec![WorkloadResult {
            name: "spin:1000".into(),
            ops: 100,
            errors: 0,
            errors_by_kind: BTreeMap::new(),
            throughput_ops_per_s: 1000.0,
            energy_j_per_op: energy_j / 100.0,
            energy_j_per_op_net: energy_j / 100.0,
            energy_kwh_per_op: 0.0,
            emissions_g_per_op: 0.0,
            emissions_g_per_op_net: 0.0,
            energy_j_per_op_attributable: None,
            emissions_g_per_op_attributable: None,
            energy_source: "fake".into(),
            latency_s: LatencySummary::default(),
            histogram: String::new(),
            repetitions: vec![rep],
            sci: Default::default(),
            instructions_per_op: None,
            cache_misses_per_op: None,
            wall_clock_meaningful: None,
            request: None,
        }],
        ab: None,
        sci: None,
    }
}

/// A stand-in build: answers `--version` like a harness built from `commit` (or one that embeds none), otherwise logs
/// `SIDE CWD ARGS` to `log`, then copies `fixture` to the `--out` path. With `fail_on` set, the n-th bench call
/// (1-based) fails like the harness does: a message on stderr and exit 2.
fn fake_build(dir: &Path, side: &str, energy_j: f64, log: &Path, fail_on: Option<u32>) -> PathBuf {
    fake_build_of(dir, side, energy_j, log, fail_on, None)
}

fn fake_build_of(
    dir: &Path,
    side: &str,
    energy_j: f64,
    log: &Path,
    fail_on: Option<u32>,
    commit: Option<&str>,
) -> PathBuf {
    let fixture = dir.join(format!("{side}.fixture.json"));
    std::fs::write(
        &fixture,
        serde_json::to_vec(&run_fixture(energy_j)).expect("serialise"),
    )
    .expect("write fixture");
    let counter = dir.join(format!("{side}.count"));
    let fail = fail_on.map_or(String::new(), |n| {
        format!(
            "[ \"$n\" -eq {n} ] && {{ echo 'error: workload spin:1000 failed' >&2; exit 2; }}\n"
        )
    });
    let version = commit.map_or(String::new(), |c| format!(" (commit {c})"));
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = --version ] && {{ echo 'harness 0.1.0{version}'; exit 0; }}\nn=$(( $(cat {counter} 2>/dev/null || echo 0) + 1 )); echo $n > {counter}\n{fail}\
         out=''; prev=''\nfor a in \"$@\"; do [ \"$prev\" = --out ] && out=\"$a\"; prev=\"$a\"; done\n\
         echo \"{side} $(pwd) $*\" >> {log}\ncp {fixture} \"$out\"\n",
        counter = counter.display(),
        log = log.display(),
        fixture = fixture.display(),
    );
    let bin = dir.join(format!("{side}-harness"));
    std::fs::write(&bin, script).expect("write script");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

fn harness(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs harness")
}

struct Setup {
    dir: tempfile::TempDir,
    log: PathBuf,
    base: PathBuf,
    head: PathBuf,
}

fn setup(head_energy_j: f64, head_fail_on: Option<u32>) -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("calls.log");
    let base = fake_build(dir.path(), "base", 10.0, &log, None);
    let head = fake_build(dir.path(), "head", head_energy_j, &log, head_fail_on);
    for d in ["base-src", "head-src"] {
        std::fs::create_dir(dir.path().join(d)).expect("mkdir");
    }
    Setup {
        dir,
        log,
        base,
        head,
    }
}

fn ab_args<'a>(s: &'a Setup, extra: &[&'a str]) -> Vec<String> {
    let p = |x: &Path| x.display().to_string();
    let mut v = vec![
        "ab".into(),
        "--base-bin".into(),
        p(&s.base),
        "--head-bin".into(),
        p(&s.head),
        "--base-dir".into(),
        p(&s.dir.path().join("base-src")),
        "--head-dir".into(),
        p(&s.dir.path().join("head-src")),
        "--out-dir".into(),
        p(&s.dir.path().join("out")),
        "--workload".into(),
        "spin:1000".into(),
        "--duration".into(),
        "100ms".into(),
        "--meter".into(),
        "fake".into(),
    ];
    v.extend(extra.iter().map(|x| x.to_string()));
    v
}

fn run_ab(s: &Setup, extra: &[&str]) -> Output {
    let args = ab_args(s, extra);
    harness(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        s.dir.path(),
    )
}

#[test]
fn interleaves_abba_runs_each_build_in_its_dir_and_merges_each_side() {
    let s = setup(10.0, None);
    let out = run_ab(
        &s,
        &[
            "--repetitions",
            "4",
            "--format",
            "json",
            "--",
            "--warmup",
            "0s",
        ],
    );
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("--format json prints JSON");
    assert_eq!(printed["verdict"], "unchanged", "{printed}");
    let log = std::fs::read_to_string(&s.log).expect("log");
    let calls: Vec<&str> = log.lines().collect();
    let sides: Vec<&str> = calls
        .iter()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(
        sides,
        [
            "base", "head", "head", "base", "base", "head", "head", "base"
        ]
    );
    for line in &calls {
        let side = line.split(' ').next().unwrap_or("");
        assert!(
            line.contains(&format!(
                "/{side}-src bench --workload spin:1000 --duration 100ms --meter fake"
            )),
            "{line}"
        );
        assert!(
            line.contains("--warmup 0s --repetitions 1 --out "),
            "{line}"
        );
    }
    for side in ["base", "head"] {
        let path = s.dir.path().join("out").join(format!("{side}.json"));
        let merged: RunResult =
            serde_json::from_slice(&std::fs::read(&path).expect("merged file")).expect("parses");
        assert_eq!(merged.workloads[0].repetitions.len(), 4);
        assert_eq!(merged.workloads[0].ops, 400);
        assert_eq!(merged.config.repetitions, 4);
        assert!(
            merged.warnings.iter().any(|w| w.contains("interleaved")),
            "{:?}",
            merged.warnings
        );
        assert!(
            s.dir
                .path()
                .join(format!("out/reps/{side}-03.json"))
                .is_file()
        );
    }
    assert!(s.dir.path().join("out/compare.json").is_file());
}

#[test]
fn a_costlier_head_is_a_regression_exit_1() {
    let s = setup(15.0, None);
    let out = run_ab(&s, &["--repetitions", "4", "--threshold", "5%"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("ab: overall regressed"), "{stderr}");
    let bytes = std::fs::read(s.dir.path().join("out/compare.json")).expect("compare.json");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(json["verdict"], "regressed");
    assert_eq!(json["base"]["label"], "base");
    assert_eq!(json["candidate"]["label"], "head");
}

#[test]
fn a_failing_build_is_a_harness_error_naming_the_side() {
    let s = setup(10.0, Some(2));
    let out = run_ab(&s, &["--repetitions", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("head build"), "{stderr}");
    assert!(stderr.contains("failed on repetition 1"), "{stderr}");
    assert!(
        stderr.contains("error: workload spin:1000 failed"),
        "{stderr}"
    );
}

#[test]
fn bad_plans_are_refused_before_running_anything() {
    let s = setup(10.0, None);
    for (extra, expected) in [
        (
            &["--repetitions", "1"][..],
            "--repetitions must be at least 2",
        ),
        (
            &["--", "--repetitions", "3"][..],
            "`--repetitions` after `--` is set by `harness ab`",
        ),
        (&["--", "--out=x.json"][..], "`--out=x.json` after `--`"),
    ] {
        let out = run_ab(&s, extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
    let out = harness(
        &[
            "ab",
            "--base-bin",
            "/nonexistent/harness",
            "--head-bin",
            "/nonexistent",
        ],
        s.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base-bin: no harness binary"));
    assert!(!s.log.exists(), "nothing may run for a bad plan");
}

/// A git checkout with one (empty) commit; returns the commit.
fn checkout(dir: &Path, message: &str) -> String {
    std::fs::create_dir_all(dir).expect("mkdir");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "--quiet"]);
    git(&["commit", "--quiet", "--allow-empty", "-m", message]);
    git(&["rev-parse", "HEAD"])
}

#[test]
fn two_binaries_of_one_commit_for_two_checkouts_are_refused_naming_both() {
    let s = setup(10.0, None);
    let base_commit = checkout(&s.dir.path().join("base-src"), "base");
    let head_commit = checkout(&s.dir.path().join("head-src"), "head");
    assert_ne!(base_commit, head_commit);
    // Both binaries say they were built from the head commit: the base build is the head's code (issue #22).
    fake_build_of(s.dir.path(), "base", 10.0, &s.log, None, Some(&head_commit));
    fake_build_of(s.dir.path(), "head", 10.0, &s.log, None, Some(&head_commit));
    let out = run_ab(&s, &["--repetitions", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("would compare a build with itself"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&base_commit) && stderr.contains(&head_commit),
        "{stderr}"
    );
    assert!(!s.log.exists(), "nothing may be measured: {stderr}");

    // A binary from another commit than its checkout is refused too.
    fake_build_of(s.dir.path(), "base", 10.0, &s.log, None, Some(&base_commit));
    fake_build_of(
        s.dir.path(),
        "head",
        10.0,
        &s.log,
        None,
        Some(&base_commit.replace(|c: char| c.is_ascii_digit(), "0")),
    );
    let out = run_ab(&s, &["--repetitions", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the head binary was built from commit"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("checked out at commit {head_commit}")),
        "{stderr}"
    );
    assert!(!s.log.exists(), "nothing may be measured: {stderr}");

    // Each binary built from its own checkout: measured, no provenance warning.
    fake_build_of(s.dir.path(), "head", 10.0, &s.log, None, Some(&head_commit));
    let out = run_ab(&s, &["--repetitions", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("cannot check that"), "{stderr}");
}

#[test]
fn builds_that_report_no_commit_are_measured_with_a_warning() {
    let s = setup(10.0, None);
    let out = run_ab(&s, &["--repetitions", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: cannot check that the base binary runs the code of --base-dir"),
        "{stderr}"
    );
}

#[test]
fn version_names_the_commit_this_binary_was_built_from() {
    let out = harness(&["--version"], Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(out.status.success());
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let head = Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let expected = match std::env::var("CARBON_HARNESS_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
    {
        Some(c) => c,
        None => head.unwrap_or_else(|| "unknown".into()),
    };
    assert_eq!(
        line,
        format!("harness {} (commit {expected})", env!("CARGO_PKG_VERSION"))
    );
}

/// The Python app of the action's `external-service` test (standard library only).
fn python_app() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../github-action/tests/external-service")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn pid_alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[test]
fn without_builds_this_harness_restarts_each_sides_service_for_every_repetition() {
    let dir = tempfile::tempdir().expect("tempdir");
    for side in ["base-src", "head-src"] {
        let d = dir.path().join(side);
        std::fs::create_dir(&d).expect("mkdir");
        std::fs::copy(python_app().join("app.py"), d.join("app.py")).expect("copy app");
    }
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let starts = dir.path().join("starts.log");
    // Each start logs its directory and pid ($$ is python's after exec), so order and shutdown can be checked.
    let start = format!(
        "echo \"$(basename \"$PWD\") $$\" >> {}; exec python3 app.py {port}",
        starts.display()
    );
    let scenario = python_app().join("scenario.toml");
    let p = |x: &Path| x.display().to_string();
    let args = [
        "ab".to_string(),
        "--base-dir".into(),
        p(&dir.path().join("base-src")),
        "--head-dir".into(),
        p(&dir.path().join("head-src")),
        "--out-dir".into(),
        p(&dir.path().join("out")),
        "--repetitions".into(),
        "2".into(),
        "--duration".into(),
        "200ms".into(),
        "--meter".into(),
        "fake".into(),
        "--".into(),
        "--target".into(),
        url.clone(),
        "--start".into(),
        start,
        "--health-url".into(),
        format!("{url}/health"),
        "--scenario".into(),
        p(&scenario),
        "--warmup".into(),
        "0s".into(),
        "--idle".into(),
        "0s".into(),
        "--concurrency".into(),
        "1".into(),
    ];
    let out = harness(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "a verdict, not a harness error: {stderr}"
    );
    let log = std::fs::read_to_string(&starts).expect("the service was started");
    let order: Vec<&str> = log.lines().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(order, ["base-src", "head-src", "head-src", "base-src"]);
    for pid in log.lines().filter_map(|l| l.split(' ').nth(1)) {
        assert!(!pid_alive(pid), "the service {pid} was left running");
    }
    for side in ["base", "head"] {
        let path = dir.path().join("out").join(format!("{side}.json"));
        let run: RunResult =
            serde_json::from_slice(&std::fs::read(&path).expect("merged")).expect("parses");
        let names: Vec<&str> = run.workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["price", "hello"], "the scenario's requests");
        assert_eq!(run.config.attribution, "server-pid-cpu-share");
        for w in &run.workloads {
            let pairs: Vec<Option<u32>> = w.repetitions.iter().map(|r| r.pair).collect();
            assert_eq!(pairs, [Some(0), Some(1)], "{side} {}", w.name);
            assert!(
                w.ops > 0 && w.errors == 0,
                "{side} {}: {} ops",
                w.name,
                w.ops
            );
        }
        assert!(
            !run.warnings
                .iter()
                .any(|w| w.contains("without --server-pid")),
            "{:?}",
            run.warnings
        );
    }
}

#[test]
fn bad_service_options_are_refused_with_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let target = format!("http://127.0.0.1:{port}");
    let common = [
        "bench",
        "--meter",
        "fake",
        "--workload",
        "get:/",
        "--target",
    ];
    for (extra, expected) in [
        (
            vec!["--start", "  "],
            "--start is empty; give the shell command",
        ),
        (
            vec!["--start", "true", "--health-url", "ftp://x/health"],
            "--health-url `ftp://x/health` is not an http(s) URL",
        ),
        (
            vec!["--start", "true", "--health-timeout", "0s"],
            "--health-timeout must be greater than 0",
        ),
        (vec!["--start", "exit 7"], "exited (exit status: 7) before"),
        (
            vec!["--start", "exec sleep 30", "--health-timeout", "300ms"],
            "no 2xx answer within",
        ),
    ] {
        let mut args: Vec<&str> = common.to_vec();
        args.push(&target);
        args.extend(extra.iter().copied());
        let out = harness(&args, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
    let out = harness(&["ab", "--base-bin", "/bin/true"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--head-bin"),
        "names the missing flag"
    );
}
