//! Fuzz-style property tests (stable Rust, proptest) of everything the harness parses from users and files:
//! result file → compare → report (no panic, every case done within a time bound), `--workload`, `--threshold` and
//! `--intensity`. Case counts are CI-sized; `FUZZ_CASES=20000 cargo test -p harness --test fuzz_properties` runs
//! longer (issue #15: five of 2,000 mutated result files used to hang `harness report`).

use harness::carbon::IntensityPlan;
use harness::compare::{CompareSettings, DEFAULT_ALPHA, Thresholds, compare};
use harness::export::html::{ReportInput, render};
use harness::load::spec::{WorkloadSpec, parse_list};
use harness::record::schema::RunResult;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::mpsc;
use std::time::Duration;

/// Cases per property: `FUZZ_CASES` when set, else `default`.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The longest one parse → compare → report may take before it counts as a hang.
const BOUND: Duration = Duration::from_secs(10);

fn base() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/results/base.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// Numbers a hostile or broken file may hold.
fn extreme() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::from(0.0)),
        Just(Value::from(-0.0)),
        Just(Value::from(1e160)),
        Just(Value::from(-1e160)),
        Just(Value::from(f64::MAX)),
        Just(Value::from(f64::MIN_POSITIVE)),
        Just(Value::from(5e-324)),
        Just(Value::from(u64::MAX)),
        Just(Value::Null),
        Just(Value::from("1")),
        any::<f64>()
            .prop_filter("JSON has no NaN/inf", |v| v.is_finite())
            .prop_map(Value::from),
    ]
}

/// Every numeric leaf's JSON pointer in `v`.
fn numeric_paths(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Number(_) => out.push(at),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| numeric_paths(x, format!("{at}/{i}"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| numeric_paths(x, format!("{at}/{k}"), out)),
        _ => {}
    }
}

/// Runs `f` on a thread; panics with `what` if it takes longer than [`BOUND`].
fn within_bound<T: Send + 'static>(what: String, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(BOUND) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("hang: {what}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("panic: {what}"),
    }
}

/// Parse the candidate, compare it with the base, render the report; any `Err` is fine, a panic or a hang is not.
fn pipeline(base: Value, candidate: Value) {
    let what = format!("{candidate}").chars().take(300).collect::<String>();
    within_bound(what, move || {
        let Ok(cand) = serde_json::from_value::<RunResult>(candidate) else {
            return;
        };
        let base: RunResult = serde_json::from_value(base).expect("base parses");
        let settings = CompareSettings {
            alpha: DEFAULT_ALPHA,
            thresholds: Thresholds::default(),
            allow_cross_machine: true,
        };
        let comparison = compare(&base, "base", &cand, "cand", settings).ok();
        let input = ReportInput {
            run: &cand,
            run_label: "cand",
            baseline: comparison.as_ref().map(|c| (&base, c)),
            alpha: 0.05,
        };
        let _ = render(&input);
    });
}

proptest! {
    #![proptest_config(cases(48))]

    /// Up to six numeric fields of a result file replaced by extreme values.
    #[test]
    fn mutated_result_files_never_hang_or_panic(
        picks in proptest::collection::vec((any::<prop::sample::Index>(), extreme()), 1..6),
    ) {
        let base = base();
        let mut cand = base.clone();
        let mut paths = Vec::new();
        numeric_paths(&cand, String::new(), &mut paths);
        for (i, v) in picks {
            let p = i.get(&paths);
            if let Some(slot) = cand.pointer_mut(p) {
                *slot = v;
            }
        }
        pipeline(base, cand);
    }

    /// A whole metric set to one extreme value across every repetition (the zero-width and overflow cases).
    #[test]
    fn uniform_extremes_never_hang(v in extreme(), field in prop::sample::select(vec![
        "energy_j_per_op", "emissions_g_per_op", "throughput_ops_per_s",
    ])) {
        let base = base();
        let mut cand = base.clone();
        for w in cand["workloads"].as_array_mut().expect("workloads") {
            for r in w["repetitions"].as_array_mut().expect("reps") {
                r[field] = v.clone();
                r["latency_s"]["p99"] = v.clone();
            }
        }
        pipeline(base, cand);
    }

    /// Arbitrary bytes as a result file: a clear error, never a panic.
    #[test]
    fn arbitrary_bytes_are_refused_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("run.json");
        std::fs::write(&path, &bytes).expect("write");
        if let Err(e) = harness::record::store::load(&path) {
            prop_assert!(e.to_string().contains("run.json"), "{}", e);
        }
    }

    #[test]
    fn workload_specs_parse_or_explain(s in "\\PC{0,40}", list in "[a-z:/0-9,_ ]{0,40}") {
        if let Err(e) = s.parse::<WorkloadSpec>() {
            prop_assert!(!e.to_string().is_empty());
        }
        let _ = parse_list(&[list]);
    }

    #[test]
    fn thresholds_parse_or_explain(s in "[a-z=%,.0-9 +-]{0,30}|\\PC{0,30}") {
        match s.parse::<Thresholds>() {
            Ok(t) => prop_assert!(
                [t.energy, t.emissions, t.latency, t.throughput, t.instructions]
                    .iter()
                    .flatten()
                    .all(|v| v.is_finite() && *v >= 0.0)
            ),
            Err(e) => prop_assert!(e.contains("threshold") || e.contains('%') || !e.is_empty()),
        }
    }

    #[test]
    fn intensities_parse_or_explain(s in "(fixed:|country:|electricity-maps:|world)?[A-Za-z0-9.eE+-]{0,20}|\\PC{0,30}") {
        match IntensityPlan::parse(&s) {
            Ok(IntensityPlan::Fixed(g)) => prop_assert!(g.0.is_finite() && g.0 >= 0.0, "{:?}", g),
            Ok(_) => {}
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
