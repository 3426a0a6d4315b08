//! `{min, max}` bands for estimated energy, carried like EcoLogits' ranges: the model meter (CodeCarbon's TDP and
//! load-curve estimate) is not a measurement, and CodeCarbon-type estimates have been found up to 40 % off against
//! external power meters (R. Fischer, "Ground-Truthing AI Energy Consumption: Validating CodeCarbon Against External
//! Measurements", arXiv:2509.22092, 2025). Measured meters (RAPL, NVML) and the fake meter carry no band.
//!
//! Rule: with `f` the share of the workload's energy that came from model components (`cpu_model`, `ram_model`,
//! summed over repetitions; 1 for a model-only run), the band is ±[`MODEL_RELATIVE_ERROR`] × `f` around the estimate:
//! * `energy_j_per_op_bounds` = `energy_j_per_op` × (1 ∓ 0.4 f), and `emissions_g_per_op_bounds` likewise;
//! * `sci_g_per_op_bounds` = `sci_g_per_op` ∓ 0.4 f × `operational_g_per_op` (the embodied part is not an energy
//!   estimate and is not banded).

use crate::record::schema::{Bounds, WorkloadResult};

/// The relative error band of model-meter energy: ±40 %.
pub const MODEL_RELATIVE_ERROR: f64 = 0.4;

/// Components whose energy the model meter estimates.
pub const MODEL_COMPONENTS: &[&str] = &["cpu_model", "ram_model"];

/// The share of the workload's energy (all repetitions) that came from model components; 0 without energy.
pub fn model_share(w: &WorkloadResult) -> f64 {
    let (mut model, mut total) = (0.0, 0.0);
    for (component, j) in w.repetitions.iter().flat_map(|r| &r.energy_j) {
        total += j;
        if MODEL_COMPONENTS.contains(&component.as_str()) {
            model += j;
        }
    }
    if total > 0.0 { model / total } else { 0.0 }
}

/// Sets the workload's bands when part of its energy is a model estimate; clears them otherwise.
pub fn annotate(w: &mut WorkloadResult) {
    let half = MODEL_RELATIVE_ERROR * model_share(w);
    let band = |v: f64, spread: f64| Bounds {
        min: v - spread,
        max: v + spread,
    };
    let banded = half > 0.0;
    w.sci.energy_j_per_op_bounds =
        banded.then(|| band(w.energy_j_per_op, w.energy_j_per_op * half));
    w.sci.emissions_g_per_op_bounds =
        banded.then(|| band(w.emissions_g_per_op, w.emissions_g_per_op * half));
    w.sci.sci_g_per_op_bounds = match (banded, w.sci.sci_g_per_op, w.sci.operational_g_per_op) {
        (true, Some(sci), Some(op)) => Some(band(sci, op * half)),
        _ => None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::schema::{LatencySummary, RepetitionSample, WorkloadSci};
    use std::collections::BTreeMap;

    fn workload(components: &[(&str, f64)]) -> WorkloadResult {
        let rep = RepetitionSample {
            instructions_per_op: None,
            counts: None,
            index: 0,
            ops: 10,
            errors: 0,
            wall_s: 1.0,
            cpu_s: 1.0,
            energy_j: components
                .iter()
                .map(|(c, j)| (c.to_string(), *j))
                .collect(),
            energy_j_total: components.iter().map(|(_, j)| j).sum(),
            energy_j_net: 0.0,
            energy_j_per_op: 0.0,
            energy_j_per_op_net: 0.0,
            emissions_g_per_op: 0.0,
            throughput_ops_per_s: 0.0,
            latency_s: LatencySummary::default(),
            attributable: None,
            environment: None,
            pair: None,
            sci: Default::default(),
        };
        WorkloadResult {
            instructions_per_op: None,
            cache_misses_per_op: None,
            wall_clock_meaningful: None,
            name: "w".into(),
            ops: 10,
            errors: 0,
            errors_by_kind: BTreeMap::new(),
            throughput_ops_per_s: 0.0,
            energy_j_per_op: 2.0,
            energy_j_per_op_net: 0.0,
            energy_kwh_per_op: 0.0,
            emissions_g_per_op: 0.5,
            emissions_g_per_op_net: 0.0,
            energy_j_per_op_attributable: None,
            emissions_g_per_op_attributable: None,
            energy_source: "model".into(),
            latency_s: LatencySummary::default(),
            histogram: String::new(),
            repetitions: vec![rep],
            request: None,
            sci: WorkloadSci {
                sci_g_per_op: Some(0.6),
                operational_g_per_op: Some(0.5),
                embodied_g_per_op: Some(0.1),
                ..WorkloadSci::default()
            },
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn a_model_run_is_banded_by_forty_percent() {
        let mut w = workload(&[("cpu_model", 15.0), ("ram_model", 5.0)]);
        annotate(&mut w);
        let e = w.sci.energy_j_per_op_bounds.expect("band");
        close(e.min, 1.2);
        close(e.max, 2.8);
        let g = w.sci.emissions_g_per_op_bounds.expect("band");
        close(g.min, 0.3);
        close(g.max, 0.7);
        let s = w.sci.sci_g_per_op_bounds.expect("band");
        close(s.min, 0.4);
        close(s.max, 0.8);
    }

    #[test]
    fn measured_meters_carry_no_band_and_a_mix_bands_the_model_share() {
        for measured in [
            &[("cpu_package", 10.0), ("dram", 2.0)][..],
            &[("gpu", 5.0)],
            &[("fake", 5.0)],
        ] {
            let mut w = workload(measured);
            annotate(&mut w);
            assert_eq!(w.sci.energy_j_per_op_bounds, None, "{measured:?}");
            assert_eq!(w.sci.sci_g_per_op_bounds, None);
        }
        // GPU measured (30 J) + model CPU (10 J): f = 0.25, band ±10 %.
        let mut w = workload(&[("gpu", 30.0), ("cpu_model", 10.0)]);
        annotate(&mut w);
        let e = w.sci.energy_j_per_op_bounds.expect("band");
        close(e.min, 1.8);
        close(e.max, 2.2);
    }
}
