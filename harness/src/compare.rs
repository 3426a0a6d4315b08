//! Verdicts: compare a candidate run against a base run, metric by metric, with statistics from [`crate::stats`].
//!
//! For every workload present in both runs and each [`Metric`], the per-repetition samples of both sides go through
//! Welch's t-test on logarithms ([`crate::stats::welch`]), giving the relative change, its `1 − alpha` interval and a
//! p-value. The p-values of all metrics of the comparison are adjusted together with Holm–Bonferroni
//! ([`crate::stats::holm`]) so a clean change with many metrics stays quiet. Then, with the noise band `±threshold`
//! (symmetric in log space: a ratio outside `[1/(1+t), 1+t]`):
//!
//! | adjusted p < alpha? | interval (oriented so "worse" is positive) | verdict |
//! |---|---|---|
//! | no | any | Unchanged (no change detected) |
//! | yes | wholly above the band | Regressed |
//! | yes | wholly below the band | Improved |
//! | yes | wholly inside the band | Unchanged (change within noise) |
//! | yes | straddles a band edge | Inconclusive |
//!
//! Inconclusive is also the verdict when a metric cannot be tested (fewer than two repetitions, a zero or non-finite
//! value) and, for energy and emissions, when the runs come from different machines or meter sources (the machine
//! guard) unless cross-machine comparison is allowed. Throughput is higher-is-better; every other metric lower-is-better.

use crate::record::schema::{RepetitionSample, RunResult};
use crate::stats::{LogRatioTest, Sample, holm_adjust, log_ratio_test};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Default significance level (family-wise, after Holm–Bonferroni), as criterion's default significance and 95 %
/// intervals. False alarms are kept away by the noise threshold as much as by alpha: a regression needs its whole
/// interval beyond the threshold. Validated with `scripts/validate-gate.sh` (bench-results/README.md): no false
/// regression in A/A pairs at 0.05, while 0.01 missed 2–3 of 20 real 5 % regressions.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// Default noise threshold: 3 %.
pub const DEFAULT_THRESHOLD: f64 = 0.03;

/// A compared metric; the serialized name ends in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    #[serde(rename = "energy_j_per_op")]
    EnergyPerOp,
    #[serde(rename = "emissions_g_per_op")]
    EmissionsPerOp,
    #[serde(rename = "latency_p50_s")]
    LatencyP50,
    #[serde(rename = "latency_p95_s")]
    LatencyP95,
    #[serde(rename = "latency_p99_s")]
    LatencyP99,
    #[serde(rename = "throughput_ops_per_s")]
    Throughput,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 6] = [
        Metric::EnergyPerOp,
        Metric::EmissionsPerOp,
        Metric::LatencyP50,
        Metric::LatencyP95,
        Metric::LatencyP99,
        Metric::Throughput,
    ];

    /// Machine name, ending in the unit (`energy_j_per_op`).
    pub fn key(self) -> &'static str {
        match self {
            Metric::EnergyPerOp => "energy_j_per_op",
            Metric::EmissionsPerOp => "emissions_g_per_op",
            Metric::LatencyP50 => "latency_p50_s",
            Metric::LatencyP95 => "latency_p95_s",
            Metric::LatencyP99 => "latency_p99_s",
            Metric::Throughput => "throughput_ops_per_s",
        }
    }

    /// Human label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Metric::EnergyPerOp => "energy / op",
            Metric::EmissionsPerOp => "emissions / op",
            Metric::LatencyP50 => "latency p50",
            Metric::LatencyP95 => "latency p95",
            Metric::LatencyP99 => "latency p99",
            Metric::Throughput => "throughput",
        }
    }

    /// Base SI unit of the values: `J`, `gCO2e`, `s`, `ops/s`.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::EnergyPerOp => "J",
            Metric::EmissionsPerOp => "gCO2e",
            Metric::LatencyP50 | Metric::LatencyP95 | Metric::LatencyP99 => "s",
            Metric::Throughput => "ops/s",
        }
    }

    /// The `--threshold` key that sets this metric's noise band.
    pub fn group(self) -> MetricGroup {
        match self {
            Metric::EnergyPerOp => MetricGroup::Energy,
            Metric::EmissionsPerOp => MetricGroup::Emissions,
            Metric::LatencyP50 | Metric::LatencyP95 | Metric::LatencyP99 => MetricGroup::Latency,
            Metric::Throughput => MetricGroup::Throughput,
        }
    }

    pub fn higher_is_better(self) -> bool {
        self == Metric::Throughput
    }

    /// Energy and emissions are only comparable on the same machine with the same meter.
    pub fn needs_same_machine(self) -> bool {
        matches!(self, Metric::EnergyPerOp | Metric::EmissionsPerOp)
    }

    /// This metric's value in one repetition.
    pub fn of(self, rep: &RepetitionSample) -> f64 {
        match self {
            Metric::EnergyPerOp => rep.energy_j_per_op,
            Metric::EmissionsPerOp => rep.emissions_g_per_op,
            Metric::LatencyP50 => rep.latency_s.p50,
            Metric::LatencyP95 => rep.latency_s.p95,
            Metric::LatencyP99 => rep.latency_s.p99,
            Metric::Throughput => rep.throughput_ops_per_s,
        }
    }
}

/// Groups of metrics sharing one noise threshold (`--threshold energy=3%,latency=5%`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricGroup {
    Energy,
    Emissions,
    Latency,
    Throughput,
}

/// Noise thresholds per metric group, as fractions (0.03 = 3 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub energy: f64,
    pub emissions: f64,
    pub latency: f64,
    pub throughput: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::uniform(DEFAULT_THRESHOLD)
    }
}

impl Thresholds {
    pub fn uniform(t: f64) -> Self {
        Self {
            energy: t,
            emissions: t,
            latency: t,
            throughput: t,
        }
    }

    pub fn for_metric(&self, metric: Metric) -> f64 {
        match metric.group() {
            MetricGroup::Energy => self.energy,
            MetricGroup::Emissions => self.emissions,
            MetricGroup::Latency => self.latency,
            MetricGroup::Throughput => self.throughput,
        }
    }
}

/// `--threshold` syntax: `5%` (every metric) or `energy=3%,latency=5%` (named groups; others keep the default 3 %).
impl FromStr for Thresholds {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = Thresholds::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                None => out = Thresholds::uniform(parse_percent(part)?),
                Some((key, value)) => {
                    let v = parse_percent(value.trim())?;
                    match key.trim() {
                        "energy" => out.energy = v,
                        "emissions" => out.emissions = v,
                        "latency" => out.latency = v,
                        "throughput" => out.throughput = v,
                        "all" => out = Thresholds::uniform(v),
                        other => {
                            return Err(format!(
                                "unknown metric `{other}` in --threshold; use energy, emissions, latency, throughput or all (e.g. energy=3%,latency=5%)"
                            ));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

fn parse_percent(value: &str) -> Result<f64, String> {
    let number = value
        .strip_suffix('%')
        .ok_or_else(|| format!("threshold `{value}` needs a percent sign, e.g. 3%"))?;
    let pct: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("threshold `{value}` is not a number, e.g. 3%"))?;
    if !(pct.is_finite() && (0.0..1000.0).contains(&pct)) {
        return Err(format!("threshold `{value}` must be between 0% and 1000%"));
    }
    Ok(pct / 100.0)
}

/// How to compare: validated once by the command.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompareSettings {
    /// Family-wise significance level; intervals are at confidence `1 − alpha`.
    pub alpha: f64,
    pub thresholds: Thresholds,
    /// Give energy and emissions verdicts even when machines or meter sources differ.
    pub allow_cross_machine: bool,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            alpha: DEFAULT_ALPHA,
            thresholds: Thresholds::default(),
            allow_cross_machine: false,
        }
    }
}

/// The outcome for one metric, one workload, or the whole comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Regressed,
    Improved,
    Unchanged,
    Inconclusive,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::Unchanged => "unchanged",
            Verdict::Inconclusive => "inconclusive",
        })
    }
}

/// A relative change (`candidate / base − 1`) and its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub relative: f64,
    pub lower: f64,
    pub upper: f64,
}

/// One metric of one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricComparison {
    pub metric: Metric,
    pub unit: &'static str,
    pub higher_is_better: bool,
    /// Arithmetic mean over the base repetitions (NaN never appears: absent when no repetition had a finite value).
    pub base_mean: Option<f64>,
    pub candidate_mean: Option<f64>,
    pub base_n: usize,
    pub candidate_n: usize,
    /// Absent when the metric could not be tested.
    pub change: Option<Change>,
    /// Two-sided Welch p-value, before adjustment.
    pub p_value: Option<f64>,
    /// Holm–Bonferroni adjusted p-value across every tested metric of the comparison.
    pub p_adjusted: Option<f64>,
    /// Noise band as a fraction.
    pub threshold: f64,
    pub verdict: Verdict,
    /// Why the verdict is what it is, in words.
    pub reason: String,
    /// Base and candidate samples, for reports.
    #[serde(skip)]
    pub base_samples: Vec<f64>,
    #[serde(skip)]
    pub candidate_samples: Vec<f64>,
    /// The raw test in log space (kept so verdicts are decided without a round trip through percentages).
    #[serde(skip)]
    pub test: Option<LogRatioTest>,
}

/// One workload present in both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadComparison {
    pub name: String,
    pub verdict: Verdict,
    pub metrics: Vec<MetricComparison>,
}

/// What identifies one side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The path or baseline name given on the command line.
    pub label: String,
    pub run_id: String,
    pub git_commit: Option<String>,
    pub machine_fingerprint: String,
    pub hostname: String,
    /// Meter sources whose numbers the run used.
    pub meter_sources: Vec<String>,
    pub intensity_source: String,
    pub intensity_g_per_kwh: f64,
}

/// The whole comparison: what the exporters render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub base: Side,
    pub candidate: Side,
    pub settings: CompareSettings,
    pub verdict: Verdict,
    /// True when machine fingerprints or meter sources differ.
    pub cross_machine: bool,
    pub workloads: Vec<WorkloadComparison>,
    /// Workloads present in the base only: listed, not compared.
    pub only_in_base: Vec<String>,
    pub only_in_candidate: Vec<String>,
    /// Loud warnings (machine guard, fakes, incomplete runs); every exporter shows them.
    pub warnings: Vec<String>,
}

impl Comparison {
    pub fn has_regression(&self) -> bool {
        self.verdict == Verdict::Regressed
    }

    /// Number of metric verdicts of each kind, in the order regressed, improved, unchanged, inconclusive.
    pub fn counts(&self) -> [usize; 4] {
        let mut c = [0; 4];
        for m in self.workloads.iter().flat_map(|w| &w.metrics) {
            c[m.verdict as usize] += 1;
        }
        c
    }
}

/// Why two runs cannot be compared at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error(
        "no workload in common: base has [{base}], candidate has [{candidate}] (compare runs of the same --workload)"
    )]
    NothingInCommon { base: String, candidate: String },
    #[error("significance level {0} must lie strictly between 0 and 1 (e.g. --alpha 0.01)")]
    BadAlpha(f64),
}

/// Compare `candidate` against `base`. Pure: no I/O.
pub fn compare(
    base: &RunResult,
    base_label: &str,
    candidate: &RunResult,
    candidate_label: &str,
    settings: CompareSettings,
) -> Result<Comparison, CompareError> {
    if !(settings.alpha > 0.0 && settings.alpha < 1.0) {
        return Err(CompareError::BadAlpha(settings.alpha));
    }
    let base_side = side(base, base_label);
    let cand_side = side(candidate, candidate_label);
    let names = |r: &RunResult| {
        r.workloads
            .iter()
            .map(|w| w.name.clone())
            .collect::<Vec<_>>()
    };
    let (base_names, cand_names) = (names(base), names(candidate));
    let common: Vec<&String> = base_names
        .iter()
        .filter(|n| cand_names.contains(n))
        .collect();
    if common.is_empty() {
        return Err(CompareError::NothingInCommon {
            base: base_names.join(", "),
            candidate: cand_names.join(", "),
        });
    }
    let mut warnings = Vec::new();
    let machine_differs = machine_guard(
        &base_side,
        &cand_side,
        settings.allow_cross_machine,
        &mut warnings,
    );
    note_run_warnings(base, candidate, &base_side, &cand_side, &mut warnings);

    let mut workloads = Vec::new();
    for name in &common {
        let (Some(b), Some(c)) = (find(base, name), find(candidate, name)) else {
            continue;
        };
        let source_differs = b.energy_source != c.energy_source;
        if source_differs && !machine_differs {
            warnings.push(guard_warning(
                &format!("workload {name}: energy came from meter `{}` in the base and `{}` in the candidate", b.energy_source, c.energy_source),
                settings.allow_cross_machine,
            ));
        }
        let blocked = (machine_differs || source_differs) && !settings.allow_cross_machine;
        let metrics = Metric::ALL
            .iter()
            .map(|&m| test_metric(m, &b.repetitions, &c.repetitions, settings, blocked))
            .collect();
        workloads.push(WorkloadComparison {
            name: (*name).clone(),
            verdict: Verdict::Unchanged,
            metrics,
        });
    }
    adjust_and_decide(&mut workloads, settings);
    let verdict = overall(workloads.iter().map(|w| w.verdict));
    Ok(Comparison {
        base: base_side,
        candidate: cand_side,
        settings,
        verdict,
        cross_machine: machine_differs,
        workloads,
        only_in_base: base_names
            .iter()
            .filter(|n| !cand_names.contains(n))
            .cloned()
            .collect(),
        only_in_candidate: cand_names
            .iter()
            .filter(|n| !base_names.contains(n))
            .cloned()
            .collect(),
        warnings,
    })
}

fn find<'a>(run: &'a RunResult, name: &str) -> Option<&'a crate::record::schema::WorkloadResult> {
    run.workloads.iter().find(|w| w.name == name)
}

fn side(run: &RunResult, label: &str) -> Side {
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

fn guard_warning(what: &str, allowed: bool) -> String {
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
fn machine_guard(base: &Side, cand: &Side, allowed: bool, warnings: &mut Vec<String>) -> bool {
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

fn note_run_warnings(
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

fn finite_mean(v: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    (!finite.is_empty()).then(|| finite.iter().sum::<f64>() / finite.len() as f64)
}

/// Run the test for one metric; the verdict is decided later, once all p-values are known.
fn test_metric(
    metric: Metric,
    base: &[RepetitionSample],
    cand: &[RepetitionSample],
    settings: CompareSettings,
    blocked: bool,
) -> MetricComparison {
    let bv: Vec<f64> = base.iter().map(|r| metric.of(r)).collect();
    let cv: Vec<f64> = cand.iter().map(|r| metric.of(r)).collect();
    let mut out = MetricComparison {
        metric,
        unit: metric.unit(),
        higher_is_better: metric.higher_is_better(),
        base_mean: finite_mean(&bv),
        candidate_mean: finite_mean(&cv),
        base_n: bv.len(),
        candidate_n: cv.len(),
        change: None,
        p_value: None,
        p_adjusted: None,
        threshold: settings.thresholds.for_metric(metric),
        verdict: Verdict::Inconclusive,
        reason: String::new(),
        base_samples: bv.clone(),
        candidate_samples: cv.clone(),
        test: None,
    };
    let tested = Sample::new(bv)
        .map_err(|e| format!("base: {e}"))
        .and_then(|b| {
            Sample::new(cv)
                .map(|c| (b, c))
                .map_err(|e| format!("candidate: {e}"))
        })
        .and_then(|(b, c)| log_ratio_test(&b, &c, settings.alpha).map_err(|e| e.to_string()));
    match tested {
        Ok(t) => {
            let (lower, upper) = t.relative_interval();
            out.change = Some(Change {
                relative: t.relative_change(),
                lower,
                upper,
            });
            out.test = Some(t);
            if blocked && metric.needs_same_machine() {
                out.reason =
                    "not comparable across machines or meter sources (machine guard)".into();
            } else {
                out.p_value = Some(t.p_value);
            }
        }
        Err(e) => out.reason = format!("cannot test: {e}"),
    }
    out
}

/// Holm-adjust every tested p-value of the comparison, then decide each verdict.
fn adjust_and_decide(workloads: &mut [WorkloadComparison], settings: CompareSettings) {
    let raw: Vec<f64> = workloads
        .iter()
        .flat_map(|w| &w.metrics)
        .filter_map(|m| m.p_value)
        .collect();
    let mut adjusted = holm_adjust(&raw).into_iter();
    for w in workloads.iter_mut() {
        for m in w.metrics.iter_mut() {
            let (Some(_), Some(test)) = (m.p_value, m.test) else {
                continue;
            };
            let p_adj = adjusted.next().unwrap_or(1.0);
            m.p_adjusted = Some(p_adj);
            let adjusted_test = LogRatioTest {
                p_value: p_adj,
                ..test
            };
            (m.verdict, m.reason) = decide(
                &adjusted_test,
                settings.alpha,
                m.threshold,
                m.higher_is_better,
            );
        }
        w.verdict = overall(w.metrics.iter().map(|m| m.verdict));
    }
}

/// The verdict table of the module doc, for one metric. `test.p_value` must already be adjusted.
pub fn decide(
    test: &LogRatioTest,
    alpha: f64,
    threshold: f64,
    higher_is_better: bool,
) -> (Verdict, String) {
    let band = threshold.ln_1p();
    let (lo, hi) = if higher_is_better {
        (-test.log_upper, -test.log_lower)
    } else {
        (test.log_lower, test.log_upper)
    };
    let pct = threshold * 100.0;
    let significant = test.p_value < alpha;
    if !significant {
        return (
            Verdict::Unchanged,
            format!(
                "no significant change (adjusted p {:.3} ≥ {alpha})",
                test.p_value
            ),
        );
    }
    if lo > band {
        (
            Verdict::Regressed,
            format!("significant and the whole interval is worse than the {pct:.1}% noise band"),
        )
    } else if hi < -band {
        (
            Verdict::Improved,
            format!("significant and the whole interval is better than the {pct:.1}% noise band"),
        )
    } else if lo >= -band && hi <= band {
        (
            Verdict::Unchanged,
            format!("significant but within the {pct:.1}% noise band"),
        )
    } else {
        (
            Verdict::Inconclusive,
            format!(
                "significant, but the interval reaches into the {pct:.1}% noise band: repeat with more --repetitions"
            ),
        )
    }
}

/// Combine verdicts: any Regressed wins, then Improved, then Inconclusive, else Unchanged.
pub fn overall(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let all: BTreeSet<Verdict> = verdicts.collect();
    [Verdict::Regressed, Verdict::Improved, Verdict::Inconclusive]
        .into_iter()
        .find(|v| all.contains(v))
        .unwrap_or(Verdict::Unchanged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(lo: f64, hi: f64, p: f64) -> LogRatioTest {
        LogRatioTest {
            log_change: (lo + hi) / 2.0,
            log_lower: lo,
            log_upper: hi,
            p_value: p,
            degrees_of_freedom: 10.0,
        }
    }

    #[test]
    fn decide_follows_the_table() {
        let band = 0.03f64.ln_1p();
        assert_eq!(
            decide(&t(band + 0.01, band + 0.05, 0.001), 0.01, 0.03, false).0,
            Verdict::Regressed
        );
        assert_eq!(
            decide(&t(-band - 0.05, -band - 0.01, 0.001), 0.01, 0.03, false).0,
            Verdict::Improved
        );
        assert_eq!(
            decide(&t(0.005, 0.01, 0.001), 0.01, 0.03, false).0,
            Verdict::Unchanged
        );
        assert_eq!(
            decide(&t(0.01, 0.2, 0.001), 0.01, 0.03, false).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            decide(&t(band + 0.01, band + 0.05, 0.02), 0.01, 0.03, false).0,
            Verdict::Unchanged
        );
    }

    #[test]
    fn throughput_going_down_is_a_regression() {
        let band = 0.03f64.ln_1p();
        assert_eq!(
            decide(&t(-band - 0.05, -band - 0.01, 0.001), 0.01, 0.03, true).0,
            Verdict::Regressed
        );
        assert_eq!(
            decide(&t(band + 0.01, band + 0.05, 0.001), 0.01, 0.03, true).0,
            Verdict::Improved
        );
    }

    #[test]
    fn thresholds_parse_per_group_and_uniformly() {
        let t: Thresholds = "energy=2%,latency=5%".parse().expect("parses");
        assert_eq!(
            (t.energy, t.latency, t.emissions, t.throughput),
            (0.02, 0.05, 0.03, 0.03)
        );
        let u: Thresholds = "10%".parse().expect("parses");
        assert_eq!(u, Thresholds::uniform(0.1));
        assert!(
            "energy=3"
                .parse::<Thresholds>()
                .expect_err("no %")
                .contains("percent")
        );
        assert!(
            "power=3%"
                .parse::<Thresholds>()
                .expect_err("bad key")
                .contains("unknown metric `power`")
        );
        assert!("energy=-1%".parse::<Thresholds>().is_err());
    }

    #[test]
    fn overall_prefers_regressed_then_improved_then_inconclusive() {
        use Verdict::*;
        assert_eq!(
            overall([Unchanged, Improved, Regressed].into_iter()),
            Regressed
        );
        assert_eq!(
            overall([Unchanged, Inconclusive, Improved].into_iter()),
            Improved
        );
        assert_eq!(overall([Unchanged, Inconclusive].into_iter()), Inconclusive);
        assert_eq!(overall([Unchanged].into_iter()), Unchanged);
        assert_eq!(overall(std::iter::empty()), Unchanged);
    }
}
