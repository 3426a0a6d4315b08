//! A comparison as JSON: every number (means, sample sizes, change, interval, raw and adjusted p-values, thresholds,
//! verdicts, warnings), for machines. Field names end in their unit where they carry one.
//!
//! Besides the nested `workloads[].metrics[]`, a flat top-level `metrics` array lists every tested metric as
//! `{workload, metric, change_ratio, change_lower, change_upper, p_value, p_adjusted, minimum_detectable_change,
//! verdict}`: the shape
//! `harness push --compare FILE` reads, so `compare --format json --out compare.json` feeds it directly. Metrics that
//! could not be tested (no change to report) appear only in the nested form.

use crate::compare::Comparison;
use serde::Serialize;

#[derive(Serialize)]
struct FlatMetric<'a> {
    workload: &'a str,
    metric: &'static str,
    change_ratio: f64,
    change_lower: f64,
    change_upper: f64,
    p_value: Option<f64>,
    p_adjusted: Option<f64>,
    /// Smallest worsening the test would flag with 80 % probability (fraction).
    minimum_detectable_change: Option<f64>,
    verdict: crate::compare::Verdict,
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    comparison: &'a Comparison,
    metrics: Vec<FlatMetric<'a>>,
}

/// Pretty-printed JSON with a trailing newline.
pub fn render(comparison: &Comparison) -> serde_json::Result<Vec<u8>> {
    let metrics = comparison
        .workloads
        .iter()
        .flat_map(|w| w.metrics.iter().map(move |m| (w, m)))
        .filter_map(|(w, m)| {
            m.change.map(|ch| FlatMetric {
                workload: &w.name,
                metric: m.metric.key(),
                change_ratio: ch.relative,
                change_lower: ch.lower,
                change_upper: ch.upper,
                p_value: m.p_value,
                p_adjusted: m.p_adjusted,
                minimum_detectable_change: m.minimum_detectable_change,
                verdict: m.verdict,
            })
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&Document {
        comparison,
        metrics,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
