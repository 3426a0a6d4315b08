//! The run's health check: a workload that completed nothing, or failed more than `--max-error-rate` of its
//! attempts, fails the run (exit 2) with a message naming it and quoting its first errors.

use crate::record::schema::WorkloadResult;

/// Share of attempted ops that failed.
pub fn error_rate(w: &WorkloadResult) -> f64 {
    let attempts = w.ops + w.errors;
    if attempts == 0 {
        0.0
    } else {
        w.errors as f64 / attempts as f64
    }
}

/// One message per workload that completed nothing or failed more than `max` of its attempts, naming the workload
/// and quoting its first errors. `first_errors` pairs each workload name with its first error messages.
pub fn error_rate_failures(
    workloads: &[WorkloadResult],
    first_errors: &[(String, Vec<String>)],
    max: f64,
) -> Vec<String> {
    let mut out = Vec::new();
    for w in workloads {
        let first = first_errors
            .iter()
            .find(|(name, _)| name == &w.name)
            .map(|(_, f)| f.as_slice())
            .unwrap_or(&[]);
        let rate = error_rate(w);
        if w.ops == 0 && w.errors == 0 {
            out.push(format!(
                "workload {} completed no operation; lengthen --duration or raise --rate",
                w.name
            ));
        } else if rate > max {
            out.push(format!(
                "workload {} failed {} of {} ops ({:.2} %, above --max-error-rate {}); first errors:\n  {}",
                w.name,
                w.errors,
                w.ops + w.errors,
                100.0 * rate,
                max,
                first.join("\n  ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::schema::LatencySummary;

    fn workload(name: &str, ops: u64, errors: u64) -> WorkloadResult {
        WorkloadResult {
            name: name.into(),
            ops,
            errors,
            errors_by_kind: Default::default(),
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
            repetitions: vec![],
            sci: Default::default(),
            instructions_per_op: None,
            cache_misses_per_op: None,
            wall_clock_meaningful: None,
            request: None,
        }
    }

    #[test]
    fn error_rate_above_the_limit_names_the_workload_and_first_errors() {
        let ws = [
            workload("ok", 1000, 10),
            workload("bad", 90, 10),
            workload("idle", 0, 0),
        ];
        let firsts = vec![(
            "bad".to_string(),
            vec!["http_503: upstream down".to_string()],
        )];
        let f = error_rate_failures(&ws, &firsts, 0.01);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].contains("workload bad failed 10 of 100 ops (10.00 %")
                && f[0].contains("http_503: upstream down")
        );
        assert!(f[1].contains("workload idle completed no operation"));
        assert!(
            error_rate_failures(&ws[..1], &firsts, 0.01).is_empty(),
            "0.99 % is within 1 %"
        );
        assert_eq!(
            error_rate_failures(&ws[..2], &firsts, 0.10).len(),
            0,
            "10 % is within 10 %"
        );
    }
}
