//! Golden tests: SCI and its parts for fixed inputs equal hand-computed values to 1e-9 relative.

use super::*;
use crate::record::schema::{AttributableEnergy, LatencySummary, RepetitionSci};
use std::collections::BTreeMap;

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs(),
        "{actual} is not {expected} to 1e-9 relative"
    );
}

/// A repetition of `ops` ops over `wall_s` whose attributable energy is `attributable_j` (gross 10× more, so a
/// formula that took the gross energy would fail).
fn rep(ops: u64, wall_s: f64, attributable_j: f64) -> RepetitionSample {
    RepetitionSample {
        instructions_per_op: None,
        counts: None,
        index: 0,
        ops,
        errors: 0,
        wall_s,
        cpu_s: wall_s,
        energy_j: BTreeMap::new(),
        energy_j_total: attributable_j * 10.0,
        energy_j_net: attributable_j * 10.0,
        energy_j_per_op: 0.0,
        energy_j_per_op_net: 0.0,
        emissions_g_per_op: 0.0,
        throughput_ops_per_s: 0.0,
        latency_s: LatencySummary::default(),
        attributable: Some(AttributableEnergy {
            energy_j: attributable_j,
            dynamic_j: attributable_j,
            static_j: 0.0,
            static_power_w: 0.0,
            energy_j_per_op: 0.0,
            emissions_g_per_op: 0.0,
        }),
        environment: None,
        pair: None,
        sci: RepetitionSci::default(),
    }
}

fn workload(reps: Vec<RepetitionSample>) -> WorkloadResult {
    WorkloadResult {
        instructions_per_op: None,
        cache_misses_per_op: None,
        wall_clock_meaningful: None,
        name: "spin:1000".into(),
        ops: reps.iter().map(|r| r.ops).sum(),
        errors: 0,
        errors_by_kind: BTreeMap::new(),
        throughput_ops_per_s: 0.0,
        energy_j_per_op: 0.0,
        energy_j_per_op_net: 0.0,
        energy_kwh_per_op: 0.0,
        emissions_g_per_op: 0.0,
        emissions_g_per_op_net: 0.0,
        energy_j_per_op_attributable: None,
        emissions_g_per_op_attributable: None,
        energy_source: "fake".into(),
        latency_s: LatencySummary::default(),
        histogram: String::new(),
        repetitions: reps,
        request: None,
        sci: WorkloadSci::default(),
    }
}

#[test]
fn the_gsf_worked_example_1000_kg_over_4_years_for_one_hour_is_28_5_g() {
    let m = Embodied::new(1000.0, 4.0, 1.0)
        .expect("valid")
        .over(Seconds(3600.0));
    // 1,000,000 g × 1 h / (4 × 8,760 h) × 1
    close(m.0, 28.538_812_785_388_128);
    assert_eq!(format!("{:.1}", m.0), "28.5");
}

#[test]
fn golden_sci_of_one_repetition() {
    // E = 720 J (attributable), I = 400 g/kWh, 1,200 ops in 60 s; TE 1,151.7 kg, EL 4 years, RS 4/128.
    // E × I = 720 / 3.6e6 kWh × 400 = 0.08 g → 6.666…e-5 g/op.
    // M = 1,151,700 g × 60 s / (4 × 365 × 24 × 3600 s) × 4/128 = 0.017118828481735… g → 1.4265690401446e-5 g/op.
    let embodied = Embodied::new(1151.7, 4.0, 4.0 / 128.0).expect("valid");
    let mut r = rep(1200, 60.0, 720.0);
    annotate_repetition(&mut r, &embodied, GramsPerKwh(400.0));
    close(
        r.sci.embodied_g_per_op.expect("embodied"),
        1.426_569_040_144_596_7e-5,
    );
    close(r.sci.sci_g_per_op.expect("sci"), 8.093_235_706_811_263e-5);
    let parts = SciPerOp::new(
        Joules(720.0),
        GramsPerKwh(400.0),
        embodied.over(Seconds(60.0)),
        1200,
    );
    close(parts.operational.0, 6.666_666_666_666_667e-5);
    close(embodied.over(Seconds(60.0)).0, 0.017_118_828_481_735_16);
}

#[test]
fn golden_sci_of_a_workload_is_a_ratio_of_totals() {
    // Two repetitions: (1,200 ops, 60 s, 720 J) and (600 ops, 30 s, 500 J), I = 400 g/kWh.
    // Operational: 1,220 J / 3.6e6 × 400 / 1,800 ops = 7.530864197530865e-5 g/op.
    // Embodied: M over 90 s / 1,800 ops = 1.4265690401445965e-5 g/op.
    let embodied = Embodied::new(1151.7, 4.0, 4.0 / 128.0).expect("valid");
    let mut w = workload(vec![rep(1200, 60.0, 720.0), rep(600, 30.0, 500.0)]);
    annotate_workload(&mut w, &embodied, GramsPerKwh(400.0));
    close(
        w.sci.operational_g_per_op.expect("op"),
        7.530_864_197_530_865e-5,
    );
    close(
        w.sci.embodied_g_per_op.expect("emb"),
        1.426_569_040_144_596_5e-5,
    );
    close(w.sci.sci_g_per_op.expect("sci"), 8.957_433_237_675_461e-5);
    assert!(w.repetitions.iter().all(|r| r.sci.sci_g_per_op.is_some()));
}

#[test]
fn a_repetition_intensity_overrides_the_runs() {
    let embodied = Embodied::new(0.0, 4.0, 1.0).expect("TE 0 is allowed");
    let mut r = rep(1, 1.0, 3.6e6);
    r.sci.intensity_g_per_kwh = Some(100.0);
    annotate_repetition(&mut r, &embodied, GramsPerKwh(400.0));
    close(r.sci.sci_g_per_op.expect("sci"), 100.0);
    assert_eq!(r.sci.embodied_g_per_op, Some(0.0));
}

#[test]
fn no_successful_op_gives_zero_not_infinity() {
    let embodied = Embodied::new(1000.0, 4.0, 1.0).expect("valid");
    let mut w = workload(vec![rep(0, 1.0, 1.0)]);
    annotate_workload(&mut w, &embodied, GramsPerKwh(400.0));
    assert_eq!(w.sci.sci_g_per_op, Some(0.0));
}

#[test]
fn bad_inputs_name_the_flag() {
    for (e, flag) in [
        (Embodied::new(-1.0, 4.0, 1.0), "--embodied-kg"),
        (Embodied::new(f64::NAN, 4.0, 1.0), "--embodied-kg"),
        (Embodied::new(1.0, 0.0, 1.0), "--lifetime-years"),
        (Embodied::new(1.0, 4.0, 0.0), "--resource-share"),
        (Embodied::new(1.0, 4.0, 1.5), "--resource-share"),
    ] {
        let msg = e.expect_err("refused").to_string();
        assert!(msg.starts_with(flag), "{msg}");
    }
}

#[test]
fn merging_weights_by_ops_and_needs_every_part() {
    let mut a = workload(vec![rep(100, 1.0, 1.0)]);
    let mut b = workload(vec![rep(300, 1.0, 1.0)]);
    a.sci.sci_g_per_op = Some(1.0);
    b.sci.sci_g_per_op = Some(2.0);
    b.sci.embodied_g_per_op = Some(0.5);
    let m = merge_workloads(&[&a, &b]);
    assert_eq!(m.sci_g_per_op, Some(1.75));
    assert_eq!(m.embodied_g_per_op, None, "a has none");
}
