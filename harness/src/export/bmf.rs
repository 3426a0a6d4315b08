//! A run in Bencher Metric Format (BMF) JSON, so results can flow into Bencher (`bencher run --adapter json`).
//!
//! Shape (<https://bencher.dev/docs/reference/bencher-metric-format/>): `{ "<benchmark>": { "<measure>": { "value": x,
//! "lower_value": lo, "upper_value": hi } } }`. One benchmark per workload; one measure per compared metric, named as in
//! `compare` (`energy_j_per_op`, `latency_p50_s`, `instructions_per_op` for `--meter instructions`, ...). `value` is the
//! mean over repetitions, the bounds their min and max.

use crate::compare::Metric;
use crate::record::schema::RunResult;
use serde_json::{Map, Value, json};

/// BMF JSON for `run`, pretty-printed with a trailing newline. Non-finite samples are left out of the numbers.
pub fn render(run: &RunResult) -> serde_json::Result<Vec<u8>> {
    let mut benchmarks = Map::new();
    for w in &run.workloads {
        let mut measures = Map::new();
        let timed = w.wall_clock_meaningful != Some(false);
        let metrics = Metric::ALL.into_iter().chain([Metric::InstructionsPerOp]);
        // Under `--meter instructions` the wall clock is Valgrind's: latency and throughput are left out.
        for metric in metrics.filter(|m| timed || Metric::COUNTED.contains(m)) {
            let values: Vec<f64> = w
                .repetitions
                .iter()
                .map(|r| metric.of(r))
                .filter(|v| v.is_finite())
                .collect();
            if values.is_empty() {
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let lower = values.iter().copied().fold(f64::INFINITY, f64::min);
            let upper = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            measures.insert(
                metric.key().to_string(),
                json!({ "value": mean, "lower_value": lower, "upper_value": upper }),
            );
        }
        benchmarks.insert(w.name.clone(), Value::Object(measures));
    }
    let mut bytes = serde_json::to_vec_pretty(&Value::Object(benchmarks))?;
    bytes.push(b'\n');
    Ok(bytes)
}
