//! Guards: what makes two runs not comparable, and the loud warnings every exporter shows. The machine guard blocks
//! energy and emissions verdicts when machines or meter sources differ (unless `--allow-cross-machine`).

use super::Side;
use super::metric::{Metric, MetricGroup};
use crate::record::schema::RunResult;
use std::collections::BTreeSet;

/// Metric groups a guard takes out of the verdicts (they become Inconclusive), and why, with the numbers.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block {
    pub groups: &'static [MetricGroup],
    pub reason: String,
}

impl Block {
    pub fn new(groups: &'static [MetricGroup], reason: String) -> Self {
        Self { groups, reason }
    }

    pub fn covers(&self, metric: Metric) -> bool {
        self.groups.contains(&metric.group())
    }

    /// "latency and throughput", "all"... (as in "all verdicts are inconclusive")
    pub fn describe_groups(&self) -> String {
        if self.groups.len() >= 4 {
            return "all".to_string();
        }
        let names: Vec<&str> = self
            .groups
            .iter()
            .map(|g| match g {
                MetricGroup::Energy => "energy",
                MetricGroup::Emissions => "emissions",
                MetricGroup::Latency => "latency",
                MetricGroup::Throughput => "throughput",
                MetricGroup::Instructions => "instructions",
            })
            .collect();
        names.join(" and ")
    }
}

pub(super) fn side(run: &RunResult, label: &str) -> Side {
    let used: BTreeSet<String> = run
        .meters
        .iter()
        .filter(|m| m.used)
        .map(|m| m.source.clone())
        .collect();
    Side {
        label: label.to_string(),
        run_id: run.run_id.clone(),
        git_commit: run.git.commit.clone(),
        machine_fingerprint: run.machine.fingerprint.clone(),
        hostname: run.machine.hostname.clone(),
        meter_sources: used.into_iter().collect(),
        intensity_source: run.intensity.source.clone(),
        intensity_g_per_kwh: run.intensity.intensity_g_per_kwh,
    }
}

pub(super) fn guard_warning(what: &str, allowed: bool) -> String {
    if allowed {
        format!(
            "CROSS-MACHINE: {what}; compared anyway because of --allow-cross-machine, so energy and emissions changes may come from the hardware or meter, not the code"
        )
    } else {
        format!(
            "CROSS-MACHINE: {what}; energy and emissions verdicts are Inconclusive (pass --allow-cross-machine to compare them anyway)"
        )
    }
}

/// The machine guard: returns whether the machines or meter sources differ, and warns loudly when they do.
pub(super) fn machine_guard(
    base: &Side,
    cand: &Side,
    allowed: bool,
    warnings: &mut Vec<String>,
) -> bool {
    let mut differs = false;
    if base.machine_fingerprint != cand.machine_fingerprint {
        differs = true;
        let what = format!(
            "base and candidate ran on different machines (fingerprint {} on {} vs {} on {})",
            base.machine_fingerprint, base.hostname, cand.machine_fingerprint, cand.hostname
        );
        warnings.push(guard_warning(&what, allowed));
    }
    if base.meter_sources != cand.meter_sources {
        differs = true;
        let what = format!(
            "base used meters [{}] and candidate used [{}]",
            base.meter_sources.join(", "),
            cand.meter_sources.join(", ")
        );
        warnings.push(guard_warning(&what, allowed));
    }
    differs
}

pub(super) fn note_run_warnings(
    base: &RunResult,
    cand: &RunResult,
    bs: &Side,
    cs: &Side,
    warnings: &mut Vec<String>,
) {
    for (run, s, which) in [(base, bs, "base"), (cand, cs, "candidate")] {
        if !run.complete {
            warnings.push(format!("{which} run {} is incomplete (interrupted or failed): it is compared as far as it got", s.run_id));
        }
        if s.meter_sources.iter().any(|m| m == "fake") {
            warnings.push(format!("{which} energy comes from the FAKE meter: energy and emissions verdicts test the harness, not the code"));
        }
    }
    if bs.intensity_g_per_kwh != cs.intensity_g_per_kwh
        || bs.intensity_source != cs.intensity_source
    {
        warnings.push(format!(
            "carbon intensity differs ({} {} gCO2e/kWh in the base vs {} {} in the candidate): emissions changes include the grid, not only the code",
            bs.intensity_source, bs.intensity_g_per_kwh, cs.intensity_source, cs.intensity_g_per_kwh
        ));
    }
}
