//! Per-metric verdicts: run the test, adjust the p-values of the whole comparison together (Holm–Bonferroni), then
//! decide each verdict with the table of the [`super`] module doc.

use super::guard::Block;
use super::metric::{EnergyBasis, Metric};
use super::{CompareSettings, WorkloadComparison};
use crate::record::schema::RepetitionSample;
use crate::stats::{
    LogRatioTest, Sample, holm_adjust, log_ratio_test, minimum_detectable_change,
    paired_log_ratio_test,
};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

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
    /// Two-sided p-value (Welch or paired, see the workload's `method`), before adjustment.
    pub p_value: Option<f64>,
    /// Holm–Bonferroni adjusted p-value across every tested metric of the comparison.
    pub p_adjusted: Option<f64>,
    /// Noise band as a fraction.
    pub threshold: f64,
    /// The smallest worsening (a positive fraction, 0.024 = 2.4 %) this test would report as regressed with 80 %
    /// probability at this noise and sample size ([`crate::stats::mdc`]); absent when the metric could not be tested.
    pub minimum_detectable_change: Option<f64>,
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

impl MetricComparison {
    /// The verdict with what it could have seen: `unchanged (could detect ≥ 2.4 %)`.
    pub fn verdict_text(&self) -> String {
        match self.minimum_detectable_change {
            Some(m) => format!("{} (could detect ≥ {:.1} %)", self.verdict, m * 100.0),
            None => self.verdict.to_string(),
        }
    }
}

/// The one mean every view shows for a metric's per-repetition samples (`compare`'s base and candidate columns,
/// `baseline show`): the geometric mean of the finite values when all are positive, the quantity whose ratio the
/// change column is (Welch's test on the logarithms), so a shown change matches the shown values; else the arithmetic
/// mean of the finite values.
pub fn display_mean(v: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    let n = finite.len() as f64;
    if finite.iter().all(|&x| x > 0.0) {
        Some((finite.iter().map(|x| x.ln()).sum::<f64>() / n).exp())
    } else {
        Some(finite.iter().sum::<f64>() / n)
    }
}

/// How a metric's samples were tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestMethod {
    /// Welch's t-test on logs: independent runs ([`crate::stats::welch`]).
    Welch,
    /// Paired t-test on per-pair log ratios: interleaved `harness ab` pairs ([`crate::stats::paired`]).
    Paired,
    /// No test: counted metrics (`--meter instructions`) are deterministic, the band alone decides ([`decide_counted`]).
    Deterministic,
}

/// Both sides' repetitions of one workload and how to read them.
#[derive(Debug, Clone, Copy)]
pub(super) struct SideSamples<'a> {
    pub base: &'a [RepetitionSample],
    pub candidate: &'a [RepetitionSample],
    pub basis: EnergyBasis,
    /// Test pairs (both runs come from one `harness ab` session and their repetitions carry pair numbers).
    pub paired: bool,
    /// Both sides were counted (`--meter instructions`): the deterministic rule ([`decide_counted`]) decides.
    pub counted: bool,
}

/// The base and candidate repetitions that ran in the same pair, matched by pair number; `None` unless every
/// repetition has a pair number and at least two pairs are complete.
pub(super) fn pairs_of<'a>(
    base: &'a [RepetitionSample],
    cand: &'a [RepetitionSample],
) -> Option<Vec<(&'a RepetitionSample, &'a RepetitionSample)>> {
    let mut out = Vec::new();
    for b in base {
        let pair = b.pair?;
        if let Some(c) = cand.iter().find(|c| c.pair == Some(pair)) {
            out.push((b, c));
        }
    }
    if cand.iter().any(|c| c.pair.is_none()) || out.len() < 2 {
        return None;
    }
    Some(out)
}

fn run_test(metric: Metric, s: &SideSamples<'_>, alpha: f64) -> Result<LogRatioTest, String> {
    let value = |r: &RepetitionSample| metric.value(r, s.basis);
    if s.paired
        && let Some(pairs) = pairs_of(s.base, s.candidate)
    {
        let (b, c): (Vec<f64>, Vec<f64>) = pairs.iter().map(|(b, c)| (value(b), value(c))).unzip();
        return paired_log_ratio_test(&b, &c, alpha).map_err(|e| e.to_string());
    }
    let b = Sample::new(s.base.iter().map(value).collect()).map_err(|e| format!("base: {e}"))?;
    let c = Sample::new(s.candidate.iter().map(value).collect())
        .map_err(|e| format!("candidate: {e}"))?;
    log_ratio_test(&b, &c, alpha).map_err(|e| e.to_string())
}

/// Run the test for one metric; the verdict is decided later, once all p-values are known. A metric covered by a
/// guard's block is tested (its change is shown) but gets no p-value, so it stays Inconclusive with the block's reason.
pub(super) fn test_metric(
    metric: Metric,
    s: &SideSamples<'_>,
    settings: CompareSettings,
    blocks: &[Block],
) -> MetricComparison {
    let bv: Vec<f64> = s.base.iter().map(|r| metric.value(r, s.basis)).collect();
    let cv: Vec<f64> = s
        .candidate
        .iter()
        .map(|r| metric.value(r, s.basis))
        .collect();
    let mut out = MetricComparison {
        metric,
        unit: metric.unit(),
        higher_is_better: metric.higher_is_better(),
        base_mean: display_mean(&bv),
        candidate_mean: display_mean(&cv),
        base_n: bv.len(),
        candidate_n: cv.len(),
        change: None,
        p_value: None,
        p_adjusted: None,
        threshold: settings.thresholds.for_metric(metric, s.paired),
        minimum_detectable_change: None,
        verdict: Verdict::Inconclusive,
        reason: String::new(),
        base_samples: bv,
        candidate_samples: cv,
        test: None,
    };
    if s.counted {
        out.threshold = settings
            .thresholds
            .for_metric(Metric::InstructionsPerOp, s.paired);
        let reasons: Vec<&str> = blocks
            .iter()
            .filter(|b| b.covers(metric))
            .map(|b| b.reason.as_str())
            .collect();
        match decide_counted(&out.base_samples, &out.candidate_samples, out.threshold) {
            Ok((change, verdict, reason)) => {
                out.change = Some(change);
                if reasons.is_empty() {
                    (out.verdict, out.reason) = (verdict, reason);
                } else {
                    out.reason = reasons.join("; ");
                }
            }
            Err(e) => out.reason = format!("cannot test: {e}"),
        }
        return out;
    }
    // The rule is for quantiles of individual ops; a repetition that carries one per-op value (criterion imports:
    // p50 = p99 = the sample's mean time per iteration) has no tail to be short of.
    let needed = metric.min_ops_per_repetition();
    let has_tail = s
        .base
        .iter()
        .chain(s.candidate)
        .any(|r| r.latency_s.p99 > r.latency_s.p50);
    let fewest = s
        .base
        .iter()
        .chain(s.candidate)
        .map(|r| r.ops)
        .min()
        .filter(|_| has_tail);
    if let Some(fewest) = fewest.filter(|&f| f < needed) {
        out.reason = format!(
            "cannot test: {} needs at least {needed} ops per repetition ({} beyond it); the fewest here was {fewest} \
             (run longer repetitions, --duration, or a lighter workload)",
            metric.label(),
            super::metric::TAIL_SAMPLES
        );
        return out;
    }
    match run_test(metric, s, settings.alpha.get()) {
        Ok(t) => {
            let (lower, upper) = t.relative_interval();
            out.change = Some(Change {
                relative: t.relative_change(),
                lower,
                upper,
            });
            out.test = Some(t);
            out.minimum_detectable_change =
                minimum_detectable_change(&t, settings.alpha.get(), out.threshold);
            let reasons: Vec<&str> = blocks
                .iter()
                .filter(|b| b.covers(metric))
                .map(|b| b.reason.as_str())
                .collect();
            if reasons.is_empty() {
                out.p_value = Some(t.p_value);
            } else {
                out.reason = reasons.join("; ");
            }
        }
        Err(e) => out.reason = format!("cannot test: {e}"),
    }
    out
}

/// Holm-adjust every tested p-value of the comparison, then decide each verdict.
pub(super) fn adjust_and_decide(workloads: &mut [WorkloadComparison], settings: CompareSettings) {
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
                settings.alpha.get(),
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

/// The rule for counted metrics (`--meter instructions`), where repetitions agree to a few parts per million and a
/// t-test has nothing to work with: the change is the ratio of the geometric means; beyond `±threshold` it is
/// regressed or improved, within it unchanged. The interval is the range of per-repetition ratios (every candidate
/// against every base repetition). When a side's own repetitions spread over more than the band, the count is not
/// deterministic (a workload whose ops differ from one another) and the verdict is inconclusive. Errors: no finite,
/// positive values on a side.
pub fn decide_counted(
    base: &[f64],
    cand: &[f64],
    threshold: f64,
) -> Result<(Change, Verdict, String), String> {
    let usable = |v: &[f64], side: &str| -> Result<Vec<f64>, String> {
        let ok: Vec<f64> = v
            .iter()
            .copied()
            .filter(|x| x.is_finite() && *x > 0.0)
            .collect();
        if ok.is_empty() || ok.len() != v.len() {
            return Err(format!("{side}: a repetition has no positive count"));
        }
        Ok(ok)
    };
    let (b, c) = (usable(base, "base")?, usable(cand, "candidate")?);
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    };
    let ((b_lo, b_hi), (c_lo, c_hi)) = (range(&b), range(&c));
    let (Some(bm), Some(cm)) = (display_mean(&b), display_mean(&c)) else {
        return Err("no values".to_string());
    };
    let change = Change {
        relative: cm / bm - 1.0,
        lower: c_lo / b_hi - 1.0,
        upper: c_hi / b_lo - 1.0,
    };
    let pct = threshold * 100.0;
    let spread = (b_hi / b_lo - 1.0).max(c_hi / c_lo - 1.0);
    let shown = format!("{:+.3} %", change.relative * 100.0);
    if spread > threshold {
        return Ok((
            change,
            Verdict::Inconclusive,
            format!(
                "deterministic count, but a side's repetitions differ by {:.3} %, more than the {pct:.1}% band: \
                 do the ops of this workload differ from one another?",
                spread * 100.0
            ),
        ));
    }
    let band = threshold.ln_1p();
    let log = change.relative.ln_1p();
    let (verdict, how) = if log > band {
        (Verdict::Regressed, "worse than")
    } else if log < -band {
        (Verdict::Improved, "better than")
    } else {
        (Verdict::Unchanged, "within")
    };
    Ok((
        change,
        verdict,
        format!(
            "deterministic count: {shown}, {how} the {pct:.1}% band (repetitions agree within {:.3} %)",
            spread * 100.0
        ),
    ))
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

    #[test]
    fn the_shown_means_are_those_whose_ratio_the_change_is() {
        // Arithmetic means 100 → 100 ("+0.0 %" beside two equal numbers); geometric: 100 → 99.50, −0.5 %.
        let (b, c) = (
            display_mean(&[100.0, 100.0]).expect("b"),
            display_mean(&[90.0, 110.0]).expect("c"),
        );
        assert!((b - 100.0).abs() < 1e-9, "{b}");
        assert!((c - (90.0f64 * 110.0).sqrt()).abs() < 1e-9, "{c}");
        assert_eq!(display_mean(&[f64::NAN]), None);
        // A non-positive value cannot be log-tested: the arithmetic mean of the finite values is shown.
        assert_eq!(display_mean(&[0.0, 2.0, f64::INFINITY]), Some(1.0));
    }

    fn t(lo: f64, hi: f64, p: f64) -> LogRatioTest {
        LogRatioTest {
            log_change: (lo + hi) / 2.0,
            log_lower: lo,
            log_upper: hi,
            p_value: p,
            degrees_of_freedom: 10.0,
            std_error: 0.01,
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
    fn counted_metrics_are_decided_by_the_band_alone() {
        let base = [1_000_000.0, 1_000_010.0, 1_000_005.0];
        let (c, v, reason) = decide_counted(&base, &[1_010_000.0; 3], 0.005).expect("decides");
        assert_eq!(v, Verdict::Regressed, "{reason}");
        assert!((c.relative - 0.01).abs() < 1e-4 && c.lower <= c.relative && c.relative <= c.upper);
        assert!(reason.contains("deterministic"), "{reason}");
        let (_, v, reason) = decide_counted(&base, &base, 0.005).expect("A/A");
        assert_eq!(v, Verdict::Unchanged, "{reason}");
        assert!(reason.contains("within the 0.5% band"), "{reason}");
        assert_eq!(
            decide_counted(&base, &[990_000.0; 2], 0.005).expect("x").1,
            Verdict::Improved
        );
        // +0.6 % is caught by the default band, +0.4 % is not.
        assert_eq!(
            decide_counted(&base, &[1_006_100.0], 0.005).expect("x").1,
            Verdict::Regressed
        );
        assert_eq!(
            decide_counted(&base, &[1_004_000.0], 0.005).expect("x").1,
            Verdict::Unchanged
        );
        // Repetitions that disagree by more than the band are not a deterministic count.
        let (_, v, reason) = decide_counted(&[100.0, 120.0], &[100.0, 100.0], 0.005).expect("x");
        assert_eq!(v, Verdict::Inconclusive, "{reason}");
        assert!(decide_counted(&[f64::NAN], &[1.0], 0.005).is_err());
        assert!(decide_counted(&[], &[1.0], 0.005).is_err());
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
