//! Read criterion's output directory (`target/criterion`, or `$CRITERION_HOME`) into workloads of a result file.
//!
//! Criterion writes, per benchmark, `<dir>/<group>/<function>[/<value>]/new/benchmark.json` (ids) and
//! `new/sample.json` (`iters[i]` iterations took `times[i]` in the measurement's unit: nanoseconds for the default
//! wall-clock measurement, joules for [`crate::criterion::Energy`]). Each benchmark becomes one workload named by its
//! `full_id`; each criterion sample becomes one repetition (one point for `compare`'s statistics), with
//! `ops = iters[i]`, per-op latency `times[i] / iters[i]` and, when the same benchmark id is found in the energy
//! directory, per-op energy from the energy sample of the same index. Without an energy directory the energy fields
//! are 0 and `compare` reports energy and emissions as inconclusive (said in the result's warnings).
//!
//! Pure apart from reading the two directories: no clock, no meter.

use crate::load::recorder::{Recorder, encode_histogram};
use crate::record::schema::{LatencySummary, RepetitionSample, WorkloadResult};
use energy::units::{GramsPerKwh, Joules};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `new/benchmark.json`: the fields used.
#[derive(Debug, Deserialize)]
struct BenchmarkId {
    full_id: String,
}

/// `new/sample.json`.
#[derive(Debug, Deserialize)]
struct SampleFile {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// One benchmark's samples: per sample, iterations and the measured total.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    pub iters: Vec<f64>,
    pub values: Vec<f64>,
}

/// Every benchmark under `dir` whose id contains one of `filters` (all when empty): `full_id` → samples.
pub fn read_dir(dir: &Path, filters: &[String]) -> anyhow::Result<BTreeMap<String, Samples>> {
    if !dir.is_dir() {
        anyhow::bail!(
            "{}: no such directory; run `cargo bench` first (criterion writes to target/criterion, or \
             $CRITERION_HOME), or give the directory criterion wrote",
            dir.display()
        );
    }
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| anyhow::anyhow!("reading {}: {e}", d.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", d.display()))?
                .path();
            if !path.is_dir() || path.file_name().is_some_and(|n| n == "report") {
                continue;
            }
            let new = path.join("new");
            if new.join("benchmark.json").is_file() {
                let (id, samples) = read_benchmark(&new)?;
                if filters.is_empty() || filters.iter().any(|f| id.contains(f.as_str())) {
                    found.insert(id, samples);
                }
            } else if path
                .file_name()
                .is_none_or(|n| n != "new" && n != "base" && n != "change")
            {
                stack.push(path);
            }
        }
    }
    Ok(found)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot read it ({e}); re-run `cargo bench` so criterion writes it again",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not criterion's format ({e}); is this a criterion output directory?",
            path.display()
        )
    })
}

fn read_benchmark(new: &Path) -> anyhow::Result<(String, Samples)> {
    let id: BenchmarkId = read_json(&new.join("benchmark.json"))?;
    let sample_path: PathBuf = new.join("sample.json");
    let s: SampleFile = read_json(&sample_path)?;
    let bad = |why: &str| anyhow::anyhow!("{}: {why}; re-run `cargo bench`", sample_path.display());
    if s.iters.len() != s.times.len() {
        return Err(bad("`iters` and `times` differ in length"));
    }
    if s.iters.len() < 2 {
        return Err(bad("fewer than 2 samples"));
    }
    let finite = |v: &f64| v.is_finite() && *v >= 0.0;
    if !s.iters.iter().all(|i| finite(i) && *i >= 1.0) || !s.times.iter().all(finite) {
        return Err(bad(
            "an iteration count below 1 or a negative or non-finite value",
        ));
    }
    Ok((
        id.full_id,
        Samples {
            iters: s.iters,
            values: s.times,
        },
    ))
}

/// One workload from a benchmark's time samples (ns) and/or energy samples (J), at `intensity`.
pub fn workload(
    name: &str,
    time: Option<&Samples>,
    energy: Option<&Samples>,
    intensity: GramsPerKwh,
) -> anyhow::Result<WorkloadResult> {
    let n = match (time, energy) {
        (Some(t), Some(e)) => t.iters.len().min(e.iters.len()),
        (Some(s), None) | (None, Some(s)) => s.iters.len(),
        (None, None) => anyhow::bail!("benchmark {name}: no samples"),
    };
    let mut recorder = Recorder::new();
    let mut reps = Vec::with_capacity(n);
    for i in 0..n {
        let (ops_f, wall_s) = match time {
            Some(t) => (t.iters[i], t.values[i] * 1e-9),
            None => (energy.map_or(1.0, |e| e.iters[i]), 0.0),
        };
        let ops = ops_f.round() as u64;
        let per_op_s = wall_s / ops_f;
        let j_per_op = energy.map_or(0.0, |e| e.values[i] / e.iters[i]);
        if time.is_some() {
            recorder.record_ok(Duration::from_secs_f64(per_op_s));
        }
        let emissions = Joules(j_per_op).to_kwh().emissions(intensity).0;
        let total = j_per_op * ops_f;
        let latency = LatencySummary {
            p50: per_op_s,
            p90: per_op_s,
            p95: per_op_s,
            p99: per_op_s,
            max: per_op_s,
            mean: per_op_s,
        };
        reps.push(RepetitionSample {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            ops,
            errors: 0,
            wall_s,
            cpu_s: 0.0,
            energy_j: if energy.is_some() {
                BTreeMap::from([("criterion_energy".to_string(), total)])
            } else {
                BTreeMap::new()
            },
            energy_j_total: total,
            energy_j_net: total,
            energy_j_per_op: j_per_op,
            energy_j_per_op_net: j_per_op,
            emissions_g_per_op: emissions,
            throughput_ops_per_s: if per_op_s > 0.0 { 1.0 / per_op_s } else { 0.0 },
            latency_s: latency,
            attributable: None,
            environment: None,
            pair: None,
            sci: Default::default(),
            instructions_per_op: None,
            counts: None,
        });
    }
    let ops: u64 = reps.iter().map(|r| r.ops).sum();
    let wall: f64 = reps.iter().map(|r| r.wall_s).sum();
    let total_j: f64 = reps.iter().map(|r| r.energy_j_total).sum();
    let j_per_op = if ops > 0 { total_j / ops as f64 } else { 0.0 };
    let g_per_op = Joules(j_per_op).to_kwh().emissions(intensity).0;
    Ok(WorkloadResult {
        name: name.to_string(),
        ops,
        errors: 0,
        errors_by_kind: BTreeMap::new(),
        throughput_ops_per_s: if wall > 0.0 { ops as f64 / wall } else { 0.0 },
        energy_j_per_op: j_per_op,
        energy_j_per_op_net: j_per_op,
        energy_kwh_per_op: Joules(j_per_op).to_kwh().0,
        emissions_g_per_op: g_per_op,
        emissions_g_per_op_net: g_per_op,
        energy_j_per_op_attributable: None,
        emissions_g_per_op_attributable: None,
        energy_source: if energy.is_some() {
            "criterion".to_string()
        } else {
            "none".to_string()
        },
        latency_s: sample_quantiles(&reps),
        histogram: encode_histogram(recorder.histogram())?,
        repetitions: reps,
        request: None,
        sci: Default::default(),
        instructions_per_op: None,
        cache_misses_per_op: None,
        wall_clock_meaningful: None,
    })
}

/// Quantiles over the samples' per-op times (nearest rank), in seconds; criterion keeps no per-iteration times.
fn sample_quantiles(reps: &[RepetitionSample]) -> LatencySummary {
    let mut v: Vec<f64> = reps.iter().map(|r| r.latency_s.mean).collect();
    if v.is_empty() {
        return LatencySummary::default();
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    LatencySummary {
        p50: q(0.50),
        p90: q(0.90),
        p95: q(0.95),
        p99: q(0.99),
        max: v[v.len() - 1],
        mean: v.iter().sum::<f64>() / v.len() as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_becomes_a_repetition_per_op() {
        let t = Samples {
            iters: vec![10.0, 20.0],
            values: vec![1_000.0, 4_000.0],
        };
        let e = Samples {
            iters: vec![5.0, 5.0],
            values: vec![0.5, 1.0],
        };
        let w = workload("fib/20", Some(&t), Some(&e), GramsPerKwh(360.0)).expect("workload");
        assert_eq!(w.ops, 30);
        let r = &w.repetitions[1];
        assert_eq!(r.ops, 20);
        assert!((r.latency_s.p50 - 200e-9).abs() < 1e-15);
        assert!((r.energy_j_per_op - 0.2).abs() < 1e-12);
        assert!((r.energy_j_total - 4.0).abs() < 1e-12);
        // (0.1 J × 10 + 0.2 J × 20) / 30 ops.
        assert!((w.energy_j_per_op - 5.0 / 30.0).abs() < 1e-12);
        assert_eq!(w.energy_source, "criterion");
        let none = workload("x", Some(&t), None, GramsPerKwh(360.0)).expect("time only");
        assert_eq!(
            (none.energy_j_per_op, none.energy_source.as_str()),
            (0.0, "none")
        );
    }

    #[test]
    fn bad_directories_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = read_dir(&dir.path().join("nope"), &[]).expect_err("missing");
        assert!(e.to_string().contains("run `cargo bench` first"), "{e}");
        let new = dir.path().join("g/f/new");
        std::fs::create_dir_all(&new).expect("mkdir");
        std::fs::write(new.join("benchmark.json"), r#"{"full_id":"g/f"}"#).expect("write");
        std::fs::write(
            new.join("sample.json"),
            r#"{"iters":[1.0],"times":[1.0,2.0]}"#,
        )
        .expect("write");
        let e = read_dir(dir.path(), &[]).expect_err("mismatch");
        assert!(e.to_string().contains("differ in length"), "{e}");
        std::fs::write(new.join("sample.json"), "{").expect("write");
        let e = read_dir(dir.path(), &[]).expect_err("bad json");
        assert!(e.to_string().contains("not criterion's format"), "{e}");
    }
}
