//! Merge one side's single-repetition runs into one [`RunResult`] with all the repetitions, as if one `harness bench`
//! had measured them.
//!
//! Aggregates are recomputed the way the runner computes them: ratios of totals over all repetitions (energy summed
//! over repetitions divided by ops summed over repetitions), not means of ratios. Emissions use each run's own carbon
//! intensity (runs can resolve different intensities over time). Latency quantiles come from the merged HDR
//! histograms. Repetition samples keep their values and are renumbered 0..n in measurement order.
//!
//! [`mark_pairs`] then records the interleaving: repetition `i` of each side ran in pair `i` of the schedule
//! ([`super::order`]), back to back with repetition `i` of the other side, so `compare` can pair them.

use super::Side;
use crate::load::recorder::{encode_histogram, latency_summary, new_histogram};
use crate::record::schema::{AbInfo, IdleBaseline, RunResult, SCHEMA_VERSION, WorkloadResult};
use base64::Engine as _;
use energy::units::{GramsPerKwh, Joules};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use std::collections::BTreeMap;

/// Why a side's runs cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no runs to merge")]
    Empty,
    #[error("run {index} has schema version {found}, this harness reads version {SCHEMA_VERSION}")]
    SchemaVersion { index: usize, found: u32 },
    #[error("run {index} is incomplete (interrupted or failed); every repetition must finish")]
    Incomplete { index: usize },
    #[error(
        "run {index} measured workloads {found:?}, the first run measured {expected:?}; both must match"
    )]
    Workloads {
        index: usize,
        expected: Vec<String>,
        found: Vec<String>,
    },
    #[error(
        "workload `{workload}` mixes meter sources `{first}` and `{other}`; pass the same --meter to every run"
    )]
    MeterSource {
        workload: String,
        first: String,
        other: String,
    },
    #[error("workload `{workload}` has an unreadable latency histogram: {detail}")]
    Histogram { workload: String, detail: String },
}

/// Merge `runs` (in measurement order) into one run. `note` is added to the warnings (how the run was assembled).
pub fn merge_runs(runs: &[RunResult], note: &str) -> Result<RunResult, MergeError> {
    let first = runs.first().ok_or(MergeError::Empty)?;
    check_runs(runs)?;
    let mut merged = first.clone();
    merged.finished_at = runs.iter().rev().find_map(|r| r.finished_at.clone());
    merged.complete = true;
    merged.idle = merge_idle(runs);
    merged.warnings = merge_warnings(runs, note);
    merged.config.repetitions = runs.iter().map(|r| r.config.repetitions).sum();
    merged.intensity.intensity_g_per_kwh =
        mean(runs.iter().map(|r| r.intensity.intensity_g_per_kwh));
    merged.workloads = first
        .workloads
        .iter()
        .map(|w| merge_workload(&w.name, runs))
        .collect::<Result<_, _>>()?;
    Ok(merged)
}

/// Record that `run` is the `side` of the `harness ab` session `session`: the run carries [`AbInfo`] and every
/// repetition its pair number (its index: repetition `i` of both sides ran in pair `i`).
pub fn mark_pairs(run: &mut RunResult, session: &str, side: Side) {
    run.ab = Some(AbInfo {
        session: session.to_string(),
        side: side.name().to_string(),
    });
    for w in &mut run.workloads {
        for rep in &mut w.repetitions {
            rep.pair = Some(rep.index);
        }
    }
}

fn workload_names(run: &RunResult) -> Vec<String> {
    run.workloads.iter().map(|w| w.name.clone()).collect()
}

fn check_runs(runs: &[RunResult]) -> Result<(), MergeError> {
    let expected = runs.first().map(workload_names).unwrap_or_default();
    for (index, run) in runs.iter().enumerate() {
        if run.schema_version != SCHEMA_VERSION {
            return Err(MergeError::SchemaVersion {
                index,
                found: run.schema_version,
            });
        }
        if !run.complete {
            return Err(MergeError::Incomplete { index });
        }
        let found = workload_names(run);
        if found != expected {
            return Err(MergeError::Workloads {
                index,
                expected,
                found,
            });
        }
    }
    Ok(())
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / f64::from(n) }
}

fn merge_idle(runs: &[RunResult]) -> Option<IdleBaseline> {
    let idles: Vec<&IdleBaseline> = runs.iter().filter_map(|r| r.idle.as_ref()).collect();
    let first = idles.first()?;
    Some(IdleBaseline {
        power_w: mean(idles.iter().map(|i| i.power_w)),
        duration_s: idles.iter().map(|i| i.duration_s).sum(),
        source: first.source.clone(),
    })
}

fn merge_warnings(runs: &[RunResult], note: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in runs.iter().flat_map(|r| r.warnings.iter()) {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out.push(note.to_string());
    out
}

/// Energy (gross, net) and emissions (gross, net) totals of one workload in one run.
fn totals(w: &WorkloadResult, intensity: GramsPerKwh) -> [f64; 4] {
    let gross: f64 = w.repetitions.iter().map(|s| s.energy_j_total).sum();
    let net: f64 = w.repetitions.iter().map(|s| s.energy_j_net).sum();
    let g = |j: f64| Joules(j).to_kwh().emissions(intensity).0;
    [gross, net, g(gross), g(net)]
}

fn per_op(total: f64, ops: u64) -> f64 {
    if ops == 0 { 0.0 } else { total / ops as f64 }
}

fn merge_workload(name: &str, runs: &[RunResult]) -> Result<WorkloadResult, MergeError> {
    let parts: Vec<(&WorkloadResult, GramsPerKwh)> = runs
        .iter()
        .filter_map(|r| {
            let w = r.workloads.iter().find(|w| w.name == name)?;
            Some((w, GramsPerKwh(r.intensity.intensity_g_per_kwh)))
        })
        .collect();
    let (first, _) = parts.first().copied().ok_or(MergeError::Empty)?;
    if let Some((other, _)) = parts
        .iter()
        .find(|(w, _)| w.energy_source != first.energy_source)
    {
        return Err(MergeError::MeterSource {
            workload: name.to_string(),
            first: first.energy_source.clone(),
            other: other.energy_source.clone(),
        });
    }
    let mut sums = [0.0; 4];
    let mut errors_by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut repetitions = Vec::new();
    for (w, intensity) in &parts {
        for (acc, v) in sums.iter_mut().zip(totals(w, *intensity)) {
            *acc += v;
        }
        for (kind, n) in &w.errors_by_kind {
            *errors_by_kind.entry(kind.clone()).or_default() += n;
        }
        repetitions.extend(w.repetitions.iter().cloned());
    }
    for (index, rep) in repetitions.iter_mut().enumerate() {
        rep.index = u32::try_from(index).unwrap_or(u32::MAX);
    }
    let ops: u64 = parts.iter().map(|(w, _)| w.ops).sum();
    let wall: f64 = repetitions.iter().map(|s| s.wall_s).sum();
    let histogram = merge_histograms(name, parts.iter().map(|(w, _)| w.histogram.as_str()))?;
    let [gross, net, em_gross, em_net] = sums;
    let attributable = attributable_totals(&parts);
    let counted = crate::runner::counted::Totals::of(&repetitions);
    Ok(WorkloadResult {
        name: name.to_string(),
        ops,
        errors: parts.iter().map(|(w, _)| w.errors).sum(),
        errors_by_kind,
        throughput_ops_per_s: if wall > 0.0 { ops as f64 / wall } else { 0.0 },
        energy_j_per_op: per_op(gross, ops),
        energy_j_per_op_net: per_op(net, ops),
        energy_kwh_per_op: Joules(per_op(gross, ops)).to_kwh().0,
        emissions_g_per_op: per_op(em_gross, ops),
        emissions_g_per_op_net: per_op(em_net, ops),
        energy_j_per_op_attributable: attributable.map(|(j, _)| per_op(j, ops)),
        emissions_g_per_op_attributable: attributable.map(|(_, g)| per_op(g, ops)),
        energy_source: first.energy_source.clone(),
        latency_s: latency_summary(&histogram),
        histogram: encode_histogram(&histogram).map_err(|e| MergeError::Histogram {
            workload: name.to_string(),
            detail: e.to_string(),
        })?,
        sci: crate::sci::merge_workloads(&parts.iter().map(|(w, _)| *w).collect::<Vec<_>>()),
        instructions_per_op: counted.instructions_per_op,
        cache_misses_per_op: counted.cache_misses_per_op,
        wall_clock_meaningful: first.wall_clock_meaningful,
        repetitions,
        request: first.request.clone(),
    })
}

/// Attributable energy and emissions summed over every repetition (each run at its own intensity), when every
/// repetition has them.
fn attributable_totals(parts: &[(&WorkloadResult, GramsPerKwh)]) -> Option<(f64, f64)> {
    let mut joules = 0.0;
    let mut grams = 0.0;
    for (w, intensity) in parts {
        for rep in &w.repetitions {
            let j = rep.attributable?.energy_j;
            joules += j;
            grams += Joules(j).to_kwh().emissions(*intensity).0;
        }
    }
    Some((joules, grams))
}

fn merge_histograms<'a>(
    name: &str,
    encoded: impl Iterator<Item = &'a str>,
) -> Result<Histogram<u64>, MergeError> {
    let bad = |detail: String| MergeError::Histogram {
        workload: name.to_string(),
        detail,
    };
    let mut merged = new_histogram();
    for text in encoded {
        if text.is_empty() {
            continue;
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| bad(e.to_string()))?;
        let h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| bad(e.to_string()))?;
        merged.add(&h).map_err(|e| bad(e.to_string()))?;
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::schema::LatencySummary;
    use crate::record::schema::{
        BenchConfig, GitInfo, IntensityInfo, MachineInfo, RepetitionSample,
    };

    fn histogram_of(micros: &[u64]) -> String {
        let mut h = new_histogram();
        for &m in micros {
            h.record(m).expect("in range");
        }
        encode_histogram(&h).expect("encodes")
    }

    fn sample(ops: u64, energy: f64, net: f64, wall: f64) -> RepetitionSample {
        RepetitionSample {
            index: 0,
            ops,
            errors: 0,
            wall_s: wall,
            cpu_s: wall,
            energy_j: BTreeMap::from([("fake".to_string(), energy)]),
            energy_j_total: energy,
            energy_j_net: net,
            energy_j_per_op: energy / ops as f64,
            energy_j_per_op_net: net / ops as f64,
            emissions_g_per_op: 0.0,
            throughput_ops_per_s: ops as f64 / wall,
            latency_s: LatencySummary::default(),
            attributable: None,
            environment: None,
            pair: None,
            sci: Default::default(),
            instructions_per_op: None,
            counts: None,
        }
    }

    fn run(ops: u64, energy: f64, intensity: f64, latencies: &[u64]) -> RunResult {
        let workload = WorkloadResult {
            name: "spin:1000".to_string(),
            ops,
            errors: 1,
            errors_by_kind: BTreeMap::from([("timeout".to_string(), 1)]),
            throughput_ops_per_s: 0.0,
            energy_j_per_op: 0.0,
            energy_j_per_op_net: 0.0,
            energy_kwh_per_op: 0.0,
            emissions_g_per_op: 0.0,
            emissions_g_per_op_net: 0.0,
            energy_j_per_op_attributable: None,
            emissions_g_per_op_attributable: None,
            energy_source: "fake".to_string(),
            latency_s: LatencySummary::default(),
            histogram: histogram_of(latencies),
            repetitions: vec![sample(ops, energy, energy / 2.0, 1.0)],
            sci: Default::default(),
            instructions_per_op: None,
            cache_misses_per_op: None,
            wall_clock_meaningful: None,
            request: None,
        };
        RunResult {
            schema_version: SCHEMA_VERSION,
            harness_version: "0.1.0".to_string(),
            run_id: format!("run-{ops}"),
            started_at: "2026-01-01T00:00:00Z".to_string(),
            finished_at: Some(format!("2026-01-01T00:00:0{ops}Z")),
            complete: true,
            git: GitInfo::default(),
            machine: MachineInfo::default(),
            meters: Vec::new(),
            intensity: IntensityInfo {
                source: "fixed".to_string(),
                zone: None,
                intensity_g_per_kwh: intensity,
            },
            config: BenchConfig {
                repetitions: 1,
                ..BenchConfig::default()
            },
            idle: Some(IdleBaseline {
                power_w: ops as f64,
                duration_s: 1.0,
                source: "fake".to_string(),
            }),
            warnings: vec!["fake meter".to_string()],
            workloads: vec![workload],
            ab: None,
            sci: None,
        }
    }

    #[test]
    fn aggregates_are_ratios_of_totals() {
        // 100 ops for 10 J and 300 ops for 90 J: 100 J / 400 ops = 0.25 J/op (the mean of ratios would be 0.2).
        let a = run(100, 10.0, 400.0, &[100, 200]);
        let b = run(300, 90.0, 400.0, &[300]);
        let m = merge_runs(&[a, b], "merged by ab").expect("merges");
        let w = &m.workloads[0];
        assert_eq!(w.ops, 400);
        assert_eq!(w.errors, 2);
        assert_eq!(w.errors_by_kind["timeout"], 2);
        assert!((w.energy_j_per_op - 0.25).abs() < 1e-12);
        assert!((w.energy_j_per_op_net - 0.125).abs() < 1e-12);
        assert!((w.throughput_ops_per_s - 200.0).abs() < 1e-9);
        let expected_g = 100.0 / 3.6e6 * 400.0 / 400.0;
        assert!((w.emissions_g_per_op - expected_g).abs() < 1e-15);
        assert_eq!(w.repetitions.len(), 2);
        assert_eq!(
            w.repetitions.iter().map(|r| r.index).collect::<Vec<_>>(),
            [0, 1]
        );
        assert_eq!(m.config.repetitions, 2);
        assert_eq!(m.warnings, ["fake meter", "merged by ab"]);
        assert_eq!(m.finished_at.as_deref(), Some("2026-01-01T00:00:0300Z"));
        assert!((m.idle.as_ref().expect("idle").power_w - 200.0).abs() < 1e-12);
    }

    #[test]
    fn counted_runs_merge_their_instructions_as_a_ratio_of_totals() {
        use crate::record::schema::{CacheMissCounts, InstructionCounts};
        let counted = |ops: u64, instructions: u64, ll: u64| {
            let mut r = run(ops, 1.0, 400.0, &[100]);
            let w = &mut r.workloads[0];
            w.wall_clock_meaningful = Some(false);
            w.repetitions[0].counts = Some(InstructionCounts {
                instructions,
                cache_misses: Some(CacheMissCounts { l1: 2 * ll, ll }),
            });
            w.repetitions[0].instructions_per_op = Some(instructions as f64 / ops as f64);
            r
        };
        let m = merge_runs(&[counted(10, 1000, 1), counted(30, 5000, 3)], "n").expect("merges");
        let w = &m.workloads[0];
        // 6000 instructions over 40 ops = 150 (the mean of 100 and 166.7 would be 133.3).
        assert_eq!(w.instructions_per_op, Some(150.0));
        let misses = w.cache_misses_per_op.expect("misses");
        assert!((misses.ll - 0.1).abs() < 1e-12 && (misses.l1 - 0.2).abs() < 1e-12);
        assert_eq!(w.wall_clock_meaningful, Some(false));
        // Energy-metered runs have none of it.
        let plain = merge_runs(&[run(1, 1.0, 1.0, &[])], "n").expect("merges");
        assert_eq!(plain.workloads[0].instructions_per_op, None);
    }

    #[test]
    fn emissions_use_each_runs_intensity_and_latency_the_merged_histogram() {
        let a = run(10, 36.0e5, 100.0, &[1000; 3]);
        let b = run(10, 36.0e5, 300.0, &[3000]);
        let w = merge_runs(&[a, b], "n")
            .expect("merges")
            .workloads
            .remove(0);
        // 1 kWh at 100 g + 1 kWh at 300 g over 20 ops.
        assert!((w.emissions_g_per_op - 20.0).abs() < 1e-9);
        assert!((w.latency_s.p50 - 0.001).abs() < 1e-5);
        assert!((w.latency_s.max - 0.003).abs() < 1e-5);
        assert!((w.latency_s.mean - 0.0015).abs() < 1e-5);
    }

    #[test]
    fn refuses_mismatched_or_broken_runs() {
        assert!(matches!(merge_runs(&[], "n"), Err(MergeError::Empty)));
        let mut other = run(1, 1.0, 1.0, &[]);
        other.workloads[0].name = "spin:2000".to_string();
        let err = merge_runs(&[run(1, 1.0, 1.0, &[]), other], "n").expect_err("mismatch");
        assert!(err.to_string().contains("spin:2000"), "{err}");
        let mut incomplete = run(1, 1.0, 1.0, &[]);
        incomplete.complete = false;
        assert!(matches!(
            merge_runs(&[incomplete], "n"),
            Err(MergeError::Incomplete { index: 0 })
        ));
        let mut meter = run(1, 1.0, 1.0, &[]);
        meter.workloads[0].energy_source = "rapl".to_string();
        assert!(matches!(
            merge_runs(&[run(1, 1.0, 1.0, &[]), meter], "n"),
            Err(MergeError::MeterSource { .. })
        ));
        let mut hist = run(1, 1.0, 1.0, &[]);
        hist.workloads[0].histogram = "not base64!".to_string();
        assert!(matches!(
            merge_runs(&[hist], "n"),
            Err(MergeError::Histogram { .. })
        ));
        let mut version = run(1, 1.0, 1.0, &[]);
        version.schema_version = 99;
        assert!(
            merge_runs(&[version], "n")
                .expect_err("version")
                .to_string()
                .contains("99")
        );
    }
}
