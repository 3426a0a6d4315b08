//! The runner: for each workload a warm-up (discarded), then K measured repetitions. Each repetition is one window of
//! the meter, the process CPU clock and the load driver; it becomes one [`RepetitionSample`] (one point for the
//! statistics in `compare`). A workload whose first measured ops all fail the same way is stopped after that repetition
//! ([`crate::load::failfast`]). An idle baseline measured before the workloads gives net energy: gross − idle W × wall.
//!
//! Per-op figures divide a repetition's energy by its successful ops; the workload aggregate divides the energy summed
//! over repetitions by the ops summed over repetitions (a ratio of totals, not a mean of ratios).
//! Emissions = kWh × the run's carbon intensity (g/kWh).
//!
//! Each repetition carries two energies, named apart: `energy_j*` is the machine energy times the process's share of
//! busy CPU time (idle included; what the CodeCarbon-format rows and `codecarbon_*` gauges report), and
//! `attributable` is what the process causes plus its CPU-time share of the static power
//! ([`energy::meter::attribution::attributable`]), which `compare` gates on because a neighbour cannot move it. Each
//! repetition also records its [`environment`] (other processes' CPU use, steal, load, frequency, memory pressure).
//!
//! | module | what |
//! |---|---|
//! | [`meter`] | the selected meters read as one set over a window, attributed to the measured process |
//! | [`environment`] | what else ran during each repetition |
//! | [`counted`] | `--meter instructions`: instructions per op counted under Valgrind, the energy estimated from them |
//! | [`git`], [`machine`] | provenance recorded in every result file |

pub mod counted;
pub mod environment;
pub mod git;
pub mod machine;
pub mod meter;

use crate::load::failfast::{FAIL_FAST_OPS, FailFast};
use crate::load::recorder::{Recorded, Recorder, encode_histogram, latency_summary};
use crate::load::{Bound, LoadShape, Workload, drive};
use crate::record::schema::{AttributableEnergy, IdleBaseline, RepetitionSample, WorkloadResult};
use energy::units::{GramsPerKwh, Joules, Watts};
use meter::{RunMeter, WindowEnergy};
use std::sync::Arc;
use std::time::Duration;

/// How each workload is run: the load shape, how long each repetition lasts, the warm-up and the repetition count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub shape: LoadShape,
    pub bound: Bound,
    pub warmup: Duration,
    pub repetitions: u32,
}

/// What energy figures are derived with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyContext {
    /// Machine idle power subtracted for net energy (`None` when no idle baseline was measured).
    pub idle_power: Option<Watts>,
    pub intensity: GramsPerKwh,
    /// SCI's embodied inputs: with them each repetition and the workload get SCI per op ([`crate::sci`]).
    pub embodied: Option<crate::sci::Embodied>,
}

/// A workload's result plus the first error messages seen (for the `--max-error-rate` message).
#[derive(Debug, Clone)]
pub struct Measured {
    pub result: WorkloadResult,
    pub first_errors: Vec<String>,
    /// Why the workload was stopped before its last repetition ([`FailFast`]), if it was.
    pub stopped_early: Option<String>,
}

/// Measure the machine at rest for `duration`: the idle power later subtracted from every window.
pub async fn measure_idle(
    meter: &mut RunMeter,
    duration: Duration,
) -> anyhow::Result<IdleBaseline> {
    meter.begin()?;
    tokio::time::sleep(duration).await;
    let w = meter.end(None)?;
    Ok(IdleBaseline {
        power_w: w.machine.0 / w.duration.0.max(1e-9),
        duration_s: w.duration.0,
        source: meter.sources().to_string(),
    })
}

/// Warm up, then run `schedule.repetitions` metered repetitions of `workload`. `on_step` is called after the warm-up
/// and after each repetition (progress display).
pub async fn measure_workload(
    workload: Arc<dyn Workload>,
    schedule: &Schedule,
    meter: &mut RunMeter,
    ctx: EnergyContext,
    on_step: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Measured> {
    if !schedule.warmup.is_zero() {
        drive(
            Arc::clone(&workload),
            schedule.shape,
            Bound::Duration(schedule.warmup),
        )
        .await;
        on_step("warm-up done");
    }
    // Armed after the warm-up, so that a failing workload's errors are recorded in a measured repetition.
    let watched = Arc::new(FailFast::new(Arc::clone(&workload), FAIL_FAST_OPS));
    let driven: Arc<dyn Workload> = watched.clone();
    let mut merged = Recorder::new();
    let mut samples = Vec::with_capacity(schedule.repetitions as usize);
    let mut stopped_early = None;
    for index in 0..schedule.repetitions {
        let started = jiff::Timestamp::now();
        meter.begin()?;
        let recorded = drive(Arc::clone(&driven), schedule.shape, schedule.bound).await;
        let energy = meter.end(ctx.idle_power)?;
        let mut s = sample(index, &recorded, &energy, ctx.intensity);
        s.sci.started_at = Some(started.to_string());
        samples.push(s);
        merged.merge(&recorded.recorder);
        stopped_early = repetition_done(&*workload, &watched, index, schedule.repetitions, on_step);
        if stopped_early.is_some() {
            break;
        }
    }
    let mut result = aggregate(
        workload.name(),
        &samples,
        &merged,
        meter.sources(),
        ctx.intensity,
    )?;
    if let Some(embodied) = &ctx.embodied {
        crate::sci::annotate_workload(&mut result, embodied, ctx.intensity);
    }
    crate::sci::bounds::annotate(&mut result);
    Ok(Measured {
        result,
        first_errors: merged.first_errors().to_vec(),
        stopped_early,
    })
}

fn per_op(total: f64, ops: u64) -> f64 {
    if ops == 0 { 0.0 } else { total / ops as f64 }
}

fn emissions_g(energy_j: f64, intensity: GramsPerKwh) -> f64 {
    Joules(energy_j).to_kwh().emissions(intensity).0
}

/// One repetition's sample from what the driver recorded and the attributed meter window.
pub fn sample(
    index: u32,
    recorded: &Recorded,
    energy: &WindowEnergy,
    intensity: GramsPerKwh,
) -> RepetitionSample {
    let rec = &recorded.recorder;
    let wall_s = recorded.wall.as_secs_f64();
    let gross = energy.attribution.process_gross.0;
    let net = energy.attribution.process_net.0;
    let per_op_gross = per_op(gross, rec.ops());
    let a = &energy.attributable;
    let attributable_per_op = per_op(a.total().0, rec.ops());
    RepetitionSample {
        index,
        ops: rec.ops(),
        errors: rec.errors(),
        wall_s,
        cpu_s: energy.process_cpu.0,
        energy_j: energy
            .components
            .iter()
            .map(|(k, v)| (k.clone(), v.0))
            .collect(),
        energy_j_total: gross,
        energy_j_net: net,
        energy_j_per_op: per_op_gross,
        energy_j_per_op_net: per_op(net, rec.ops()),
        emissions_g_per_op: emissions_g(per_op_gross, intensity),
        throughput_ops_per_s: if wall_s > 0.0 {
            rec.ops() as f64 / wall_s
        } else {
            0.0
        },
        latency_s: rec.latency_summary(),
        attributable: Some(AttributableEnergy {
            energy_j: a.total().0,
            dynamic_j: a.dynamic.0,
            static_j: a.static_part.0,
            static_power_w: a.static_power.0,
            energy_j_per_op: attributable_per_op,
            emissions_g_per_op: emissions_g(attributable_per_op, intensity),
        }),
        environment: Some(energy.environment),
        pair: None,
        sci: Default::default(),
        instructions_per_op: None,
        counts: None,
    }
}

/// Attributable energy per op over `samples` (ratio of totals), when every sample has it.
pub fn attributable_per_op(samples: &[RepetitionSample]) -> Option<f64> {
    let total = samples
        .iter()
        .map(|s| s.attributable.map(|a| a.energy_j))
        .sum::<Option<f64>>()?;
    Some(per_op(total, samples.iter().map(|s| s.ops).sum()))
}

/// The workload's aggregate over its repetitions (ratios of totals) plus the merged latency histogram.
pub fn aggregate(
    name: &str,
    samples: &[RepetitionSample],
    merged: &Recorder,
    energy_source: &str,
    intensity: GramsPerKwh,
) -> anyhow::Result<WorkloadResult> {
    let ops: u64 = samples.iter().map(|s| s.ops).sum();
    let wall: f64 = samples.iter().map(|s| s.wall_s).sum();
    let gross: f64 = samples.iter().map(|s| s.energy_j_total).sum();
    let net: f64 = samples.iter().map(|s| s.energy_j_net).sum();
    let j_per_op = per_op(gross, ops);
    let j_per_op_net = per_op(net, ops);
    let attributable = attributable_per_op(samples);
    Ok(WorkloadResult {
        name: name.to_string(),
        ops,
        errors: merged.errors(),
        errors_by_kind: merged.errors_by_kind().clone(),
        throughput_ops_per_s: if wall > 0.0 { ops as f64 / wall } else { 0.0 },
        energy_j_per_op: j_per_op,
        energy_j_per_op_net: j_per_op_net,
        energy_kwh_per_op: Joules(j_per_op).to_kwh().0,
        emissions_g_per_op: emissions_g(j_per_op, intensity),
        emissions_g_per_op_net: emissions_g(j_per_op_net, intensity),
        energy_j_per_op_attributable: attributable,
        emissions_g_per_op_attributable: attributable.map(|j| emissions_g(j, intensity)),
        energy_source: energy_source.to_string(),
        latency_s: latency_summary(merged.histogram()),
        histogram: encode_histogram(merged.histogram())?,
        instructions_per_op: None,
        cache_misses_per_op: None,
        wall_clock_meaningful: None,
        repetitions: samples.to_vec(),
        sci: Default::default(),
        request: None,
    })
}

/// After repetition `index` of `repetitions`: report progress, and say why the workload must stop early when its
/// fail-fast watch tripped (both the measured and the counted runner end a repetition this way).
pub(crate) fn repetition_done(
    workload: &dyn Workload,
    watched: &FailFast,
    index: u32,
    repetitions: u32,
    on_step: &(dyn Fn(&str) + Sync),
) -> Option<String> {
    on_step(&format!("repetition {}/{}", index + 1, repetitions));
    watched.tripped_by().map(|why| {
        format!(
            "workload {} stopped early, in repetition {}/{}: {why}",
            workload.name(),
            index + 1,
            repetitions
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use energy::meter::Component;
    use energy::meter::attribution::{WindowUse, attributable, attribute};
    use energy::units::Seconds;
    use std::collections::BTreeMap;

    fn window(machine_j: f64, share_cpu: f64, idle_w: f64) -> WindowEnergy {
        let attribution = attribute(
            Joules(machine_j),
            Seconds(1.0),
            Seconds(share_cpu),
            Seconds(1.0),
            Some(Watts(idle_w)),
        );
        let energy = BTreeMap::from([(Component::CpuModel, Joules(machine_j))]);
        let attributable = attributable(&WindowUse {
            energy: &energy,
            profiles: &BTreeMap::new(),
            duration: Seconds(1.0),
            process_cpu: Seconds(share_cpu),
            machine_busy: Seconds(1.0),
            logical_cpus: 2,
            idle_power: Some(Watts(idle_w)),
        });
        WindowEnergy {
            components: BTreeMap::from([("cpu_model".to_string(), Joules(machine_j * share_cpu))]),
            attribution,
            attributable,
            environment: crate::record::schema::Environment {
                other_cpu_cores: Some(0.0),
                own_cpu_cores: share_cpu,
                steal_fraction: None,
                load_avg_1m: None,
                cpu_freq_mhz: None,
                memory_pressure: None,
                cpu_pressure: None,
                own_run_share: None,
            },
            process_cpu: Seconds(share_cpu),
            machine: Joules(machine_j),
            duration: Seconds(1.0),
        }
    }

    fn recorded(ops: u32) -> Recorded {
        let mut r = Recorder::new();
        for _ in 0..ops {
            r.record_ok(Duration::from_millis(2));
        }
        Recorded {
            recorder: r,
            wall: Duration::from_secs(1),
        }
    }

    #[test]
    fn per_op_energy_and_emissions_follow_the_attribution() {
        // Machine 20 J over 1 s, process share 0.5, idle 8 W: gross 10 J, net (20 − 8) × 0.5 = 6 J.
        let s = sample(
            0,
            &recorded(10),
            &window(20.0, 0.5, 8.0),
            GramsPerKwh(360.0),
        );
        assert_eq!((s.ops, s.energy_j_total, s.energy_j_net), (10, 10.0, 6.0));
        assert_eq!(s.energy_j_per_op, 1.0);
        assert!((s.energy_j_per_op_net - 0.6).abs() < 1e-12);
        assert!((s.emissions_g_per_op - 1.0 / 3.6e6 * 360.0).abs() < 1e-15);
        assert_eq!(s.throughput_ops_per_s, 10.0);
        assert_eq!(s.energy_j["cpu_model"], 10.0);
        // Attributable: measured dynamic (20 − 8) × 0.5 = 6 J plus static 8 W × 0.5 s ÷ 2 CPUs = 2 J.
        let a = s.attributable.expect("attributable");
        assert_eq!((a.dynamic_j, a.static_j, a.energy_j), (6.0, 2.0, 8.0));
        assert!((a.energy_j_per_op - 0.8).abs() < 1e-12);
    }

    #[test]
    fn the_aggregate_is_a_ratio_of_totals() {
        let a = sample(
            0,
            &recorded(10),
            &window(20.0, 0.5, 0.0),
            GramsPerKwh(100.0),
        );
        let b = sample(
            1,
            &recorded(30),
            &window(20.0, 0.5, 0.0),
            GramsPerKwh(100.0),
        );
        let mut merged = recorded(10).recorder;
        merged.merge(&recorded(30).recorder);
        let w = aggregate("x", &[a, b], &merged, "model", GramsPerKwh(100.0)).expect("aggregate");
        // (10 + 10) J / (10 + 30) ops = 0.5 J/op, not the mean of 1.0 and 0.333.
        assert_eq!(w.energy_j_per_op, 0.5);
        assert_eq!(w.ops, 40);
        assert_eq!(w.throughput_ops_per_s, 20.0);
        assert_eq!(w.energy_kwh_per_op, 0.5 / 3.6e6);
        assert_eq!(w.repetitions.len(), 2);
        assert!(!w.histogram.is_empty());
    }

    #[test]
    fn no_successful_op_gives_zero_per_op_not_infinity() {
        let s = sample(0, &recorded(0), &window(20.0, 0.5, 0.0), GramsPerKwh(100.0));
        assert_eq!((s.energy_j_per_op, s.throughput_ops_per_s), (0.0, 0.0));
    }
}
