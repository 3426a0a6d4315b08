use super::*;
use crate::record::schema::{LatencySummary, RepetitionSample, RepetitionSci, WorkloadSci};
use std::collections::BTreeMap;

fn readings(list: &[(&str, f64)]) -> Vec<(String, GramsPerKwh)> {
    list.iter()
        .map(|(t, i)| (t.to_string(), GramsPerKwh(*i)))
        .collect()
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn hourly() -> Vec<Interval> {
    intervals(&readings(&[
        ("2026-01-01T01:00:00Z", 200.0),
        ("2026-01-01T00:00:00Z", 100.0),
    ]))
    .expect("intervals")
}

#[test]
fn intervals_last_until_the_next_and_the_last_as_long_as_the_one_before() {
    let iv = hourly();
    assert_eq!(iv.len(), 2);
    assert_eq!(iv[0].end, ts("2026-01-01T01:00:00Z"));
    assert_eq!(iv[1].end, ts("2026-01-01T02:00:00Z"));
    assert!(intervals(&readings(&[("yesterday", 1.0)])).is_err());
}

#[test]
fn a_span_across_a_boundary_gets_the_time_weighted_mean() {
    let iv = hourly();
    // 15 min at 100 then 45 min at 200: (0.25 × 100 + 0.75 × 200) = 175.
    let m = mean_over(&iv, ts("2026-01-01T00:45:00Z"), ts("2026-01-01T01:45:00Z"));
    assert_eq!(m, Some(GramsPerKwh(175.0)));
    assert_eq!(
        mean_over(&iv, ts("2026-01-01T00:10:00Z"), ts("2026-01-01T00:20:00Z")),
        Some(GramsPerKwh(100.0))
    );
    // Past the end of the history: not covered.
    assert_eq!(
        mean_over(&iv, ts("2026-01-01T01:30:00Z"), ts("2026-01-01T02:30:00Z")),
        None
    );
}

fn rep(index: u32, started_at: &str, wall_s: f64, energy_j: f64) -> RepetitionSample {
    RepetitionSample {
        instructions_per_op: None,
        counts: None,
        index,
        ops: 10,
        errors: 0,
        wall_s,
        cpu_s: wall_s,
        energy_j: BTreeMap::from([("fake".to_string(), energy_j)]),
        energy_j_total: energy_j,
        energy_j_net: energy_j,
        energy_j_per_op: energy_j / 10.0,
        energy_j_per_op_net: energy_j / 10.0,
        emissions_g_per_op: 0.0,
        throughput_ops_per_s: 0.0,
        latency_s: LatencySummary::default(),
        attributable: None,
        environment: None,
        pair: None,
        sci: RepetitionSci {
            started_at: Some(started_at.to_string()),
            ..RepetitionSci::default()
        },
    }
}

#[test]
fn each_repetition_is_weighted_by_the_intensity_at_its_time() {
    let mut w = WorkloadResult {
        instructions_per_op: None,
        cache_misses_per_op: None,
        wall_clock_meaningful: None,
        name: "spin:1".into(),
        ops: 20,
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
        repetitions: vec![
            rep(0, "2026-01-01T00:30:00Z", 60.0, 3.6e6),
            rep(1, "2026-01-01T01:30:00Z", 60.0, 7.2e6),
        ],
        sci: WorkloadSci::default(),
        request: None,
    };
    let intensities = repetition_intensities(&w, &hourly()).expect("covered");
    assert_eq!(intensities, [GramsPerKwh(100.0), GramsPerKwh(200.0)]);
    let embodied = Embodied::new(0.0, 4.0, 1.0).expect("valid");
    reweigh(&mut w, &intensities, Some(&embodied), GramsPerKwh(999.0));
    // 1 kWh × 100 + 2 kWh × 200 = 500 g over 20 ops: 25 g/op (the single reading would give 2,997 × 3 / 20).
    assert_eq!(w.emissions_g_per_op, 25.0);
    assert_eq!(w.repetitions[1].emissions_g_per_op, 0.72e6 / 3.6e6 * 200.0);
    assert_eq!(w.repetitions[0].sci.intensity_g_per_kwh, Some(100.0));
    assert_eq!(w.sci.sci_g_per_op, Some(25.0));
    let mut late = w.clone();
    late.repetitions[1].sci.started_at = Some("2026-01-01T02:30:00Z".into());
    let e = repetition_intensities(&late, &hourly()).expect_err("uncovered");
    assert!(
        e.contains("repetition 1") && e.contains("not covered"),
        "{e}"
    );
}
