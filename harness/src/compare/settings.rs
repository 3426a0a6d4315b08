//! The settings guard: runs measured with different `bench` settings are compared with a warning, and the metrics
//! those settings move get no verdict (Inconclusive, naming the setting and both values).
//!
//! | setting (`config.*`) | metrics made Inconclusive | why |
//! |---|---|---|
//! | `duration_s` / `ops` (length of a repetition) | latency, throughput | tail quantiles depend on how many ops a repetition holds; warm-state effects on throughput |
//! | `warmup_s` | latency, throughput | a cold start shows in the first repetition's latency and throughput |
//! | `concurrency`, `rate_ops_per_s` | every metric | a different load shape changes queueing (latency, throughput) and contention, hence CPU time and energy per op |
//! | `target` | every metric | a different system under test |
//! | `build_profile` | every metric, instruction counts too | a debug build is a different program |
//! | `meter`, `attribution`, the used meters' details | energy, emissions | a different meter or rule measures something else |
//! | `repetitions` | none (warning only) | the tests account for sample sizes |

use super::guard::Block;
use super::metric::MetricGroup;
use crate::record::schema::{BenchConfig, RunResult};

const TIMING: &[MetricGroup] = &[MetricGroup::Latency, MetricGroup::Throughput];
const ENERGY: &[MetricGroup] = &[MetricGroup::Energy, MetricGroup::Emissions];
const ALL: &[MetricGroup] = &[
    MetricGroup::Energy,
    MetricGroup::Emissions,
    MetricGroup::Latency,
    MetricGroup::Throughput,
];

/// Every metric, instruction counts included: what a different program moves.
const WHOLE_PROGRAM: &[MetricGroup] = &[
    MetricGroup::Energy,
    MetricGroup::Emissions,
    MetricGroup::Latency,
    MetricGroup::Throughput,
    MetricGroup::Instructions,
];

fn show<T: std::fmt::Debug>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(
        || "none".to_string(),
        |x| format!("{x:?}").trim_matches('"').to_string(),
    )
}

/// One setting that differs: its name, both values, and the metrics it moves.
fn differs(
    name: &str,
    base: String,
    cand: String,
    groups: &'static [MetricGroup],
    out: &mut Vec<Block>,
) {
    if base != cand {
        out.push(Block::new(
            groups,
            format!("{name} differs ({base} in the base, {cand} in the candidate)"),
        ));
    }
}

fn meter_details(run: &RunResult) -> String {
    let used: Vec<String> = run
        .meters
        .iter()
        .filter(|m| m.used)
        .map(|m| format!("{}: {}", m.source, m.detail))
        .collect();
    used.join("; ")
}

/// The blocks for settings that differ, plus warning-only notes (repetitions).
pub(super) fn settings_guard(base: &RunResult, cand: &RunResult) -> (Vec<Block>, Vec<String>) {
    let (b, c): (&BenchConfig, &BenchConfig) = (&base.config, &cand.config);
    let mut out = Vec::new();
    differs(
        "the length of a repetition (config.duration_s)",
        show(&b.duration_s),
        show(&c.duration_s),
        TIMING,
        &mut out,
    );
    differs(
        "ops per repetition (config.ops)",
        show(&b.ops),
        show(&c.ops),
        TIMING,
        &mut out,
    );
    differs(
        "the warm-up (config.warmup_s)",
        b.warmup_s.to_string(),
        c.warmup_s.to_string(),
        TIMING,
        &mut out,
    );
    differs(
        "the concurrency (config.concurrency)",
        b.concurrency.to_string(),
        c.concurrency.to_string(),
        ALL,
        &mut out,
    );
    differs(
        "the open-loop rate (config.rate_ops_per_s)",
        show(&b.rate_ops_per_s),
        show(&c.rate_ops_per_s),
        ALL,
        &mut out,
    );
    differs(
        "the target (config.target)",
        b.target.clone(),
        c.target.clone(),
        ALL,
        &mut out,
    );
    if let (Some(bp), Some(cp)) = (&b.build_profile, &c.build_profile) {
        differs(
            "the build profile",
            bp.clone(),
            cp.clone(),
            WHOLE_PROGRAM,
            &mut out,
        );
    }
    differs(
        "the meter (config.meter)",
        b.meter.clone(),
        c.meter.clone(),
        ENERGY,
        &mut out,
    );
    differs(
        "the attribution (config.attribution)",
        b.attribution.clone(),
        c.attribution.clone(),
        ENERGY,
        &mut out,
    );
    differs(
        "the meter settings",
        meter_details(base),
        meter_details(cand),
        ENERGY,
        &mut out,
    );
    let mut notes = Vec::new();
    if b.repetitions != c.repetitions {
        notes.push(format!(
            "SETTINGS: repetitions differ ({} in the base, {} in the candidate); compared anyway (the tests account for sample sizes)",
            b.repetitions, c.repetitions
        ));
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Metric;
    use crate::record::schema::MeterInfo;

    fn run(config: BenchConfig) -> RunResult {
        let json = serde_json::json!({
            "schema_version": 1, "harness_version": "0", "run_id": "r", "started_at": "t", "complete": true,
            "git": {}, "machine": {"fingerprint": "f", "hostname": "h", "cpu_model": "c", "logical_cpus": 2,
            "ram_bytes": 1, "os": "o", "kernel": "k"}, "meters": [],
            "intensity": {"source": "fixed", "zone": null, "intensity_g_per_kwh": 400.0},
            "config": config, "warnings": [], "workloads": []
        });
        serde_json::from_value(json).expect("valid run")
    }

    fn config() -> BenchConfig {
        BenchConfig {
            workloads: vec!["chat".into()],
            duration_s: Some(3.0),
            ops: None,
            warmup_s: 1.0,
            repetitions: 5,
            concurrency: 2,
            rate_ops_per_s: None,
            target: "in-process".into(),
            meter: "auto".into(),
            attribution: "process-cpu-share".into(),
            build_profile: Some("release".into()),
        }
    }

    #[test]
    fn equal_settings_pass() {
        let (blocks, notes) = settings_guard(&run(config()), &run(config()));
        assert!(blocks.is_empty() && notes.is_empty());
    }

    #[test]
    fn a_different_duration_blocks_latency_and_throughput_only() {
        let mut c = config();
        c.duration_s = Some(1.0);
        let (blocks, _) = settings_guard(&run(config()), &run(c));
        assert_eq!(blocks.len(), 1);
        assert!(
            blocks[0]
                .reason
                .contains("(3.0 in the base, 1.0 in the candidate)"),
            "{}",
            blocks[0].reason
        );
        assert!(blocks[0].covers(Metric::LatencyP99) && blocks[0].covers(Metric::Throughput));
        assert!(!blocks[0].covers(Metric::EnergyPerOp));
    }

    #[test]
    fn concurrency_rate_target_and_profile_block_everything() {
        for change in [
            (|c: &mut BenchConfig| c.concurrency = 1) as fn(&mut BenchConfig),
            |c| c.rate_ops_per_s = Some(100.0),
            |c| c.target = "http://127.0.0.1:8001".into(),
            |c| c.build_profile = Some("debug".into()),
        ] {
            let mut c = config();
            change(&mut c);
            let (blocks, _) = settings_guard(&run(config()), &run(c));
            assert_eq!(blocks.len(), 1, "{blocks:?}");
            assert!(Metric::ALL.iter().all(|m| blocks[0].covers(*m)));
        }
    }

    #[test]
    fn meter_settings_block_energy_and_repetitions_only_warn() {
        let mut cand = run(config());
        cand.meters.push(MeterInfo {
            source: "model".into(),
            available: true,
            used: true,
            components: vec!["cpu_model".into()],
            detail: "TDP 85 W (--tdp)".into(),
            resolution_j: None,
        });
        cand.config.repetitions = 10;
        let (blocks, notes) = settings_guard(&run(config()), &cand);
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].covers(Metric::EnergyPerOp) && !blocks[0].covers(Metric::LatencyP50));
        assert!(notes[0].contains("repetitions differ (5 in the base, 10 in the candidate)"));
    }

    #[test]
    fn old_files_without_a_build_profile_are_not_blocked_for_it() {
        let mut c = config();
        c.build_profile = None;
        let (blocks, _) = settings_guard(&run(config()), &run(c));
        assert!(blocks.is_empty());
    }
}
