//! Paired t-test on log ratios, for repetitions measured in interleaved pairs (`harness ab`).
//!
//! With pairs `(bᵢ, cᵢ)` measured back to back, `dᵢ = ln cᵢ − ln bᵢ`, mean `d̄`, unbiased variance `s²_d`, `n` pairs:
//! - estimate `d̄` (log of the geometric mean of the per-pair ratios; relative change `exp(d̄) − 1`);
//! - standard error `se = s_d / √n`, statistic `t = d̄ / se` with `n − 1` degrees of freedom ("Student" 1908);
//! - two-sided p-value `2·P(T_{n−1} > |t|)`; interval `d̄ ± t_{n−1,1−α/2}·se`.
//!
//! Why pairing: a slow drift of a shared machine (a neighbour's build ramping up, thermal state, a noisy tenant)
//! moves both members of a pair alike, so it leaves `dᵢ` alone while it inflates the spread of each side — which
//! Welch's unpaired test counts as noise. A linear drift across pairs cancels exactly (the unit test pins it).
//! Bulej et al. measured the effect for cloud benchmarks ("duet benchmarking": running A and B together cut the
//! detectable change several-fold) and Laaber, Scheuner and Leitner recommend randomised interleaved trials for the
//! same reason.
//!
//! Why a t interval and not the Wilcoxon signed-rank test: the verdict rule needs an *interval* for the change to lay
//! against the noise band, and with the 6–10 pairs a CI run affords the signed-rank test is too coarse (its smallest
//! two-sided p-value with 6 pairs is 2/2⁶ ≈ 0.031, so after Holm over a dozen metrics nothing could ever be
//! significant). Log ratios of benchmark metrics are close to symmetric, and the t interval is deterministic (a
//! bootstrap is not, and would let a verdict flip between two runs of `compare` on the same files).
//!
//! Degenerate case, as in [`super::welch`]: all differences equal (`se = 0`) gives an exact answer.
//!
//! References:
//! - "Student", "The probable error of a mean", Biometrika 6(1):1–25, 1908.
//! - L. Bulej, V. Horký, P. Tůma, F. Farquet, A. Prokopec, "Duet benchmarking: improving measurement accuracy in the
//!   cloud", Empirical Software Engineering 25:4822–4856, 2020.
//! - C. Laaber, J. Scheuner, P. Leitner, "Software microbenchmarking in the cloud. How bad is it really?", Empirical
//!   Software Engineering 24:2469–2508, 2019.

use super::welch::LogRatioTest;
use super::{Sample, StatsError};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Paired test of `candidate[i]` against `base[i]` at significance `alpha`. Both slices must have the same length
/// (at least 2) and strictly positive values.
pub fn paired_log_ratio_test(
    base: &[f64],
    candidate: &[f64],
    alpha: f64,
) -> Result<LogRatioTest, StatsError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::BadAlpha { alpha });
    }
    if base.len() != candidate.len() {
        return Err(StatsError::UnequalPairs {
            base: base.len(),
            candidate: candidate.len(),
        });
    }
    let (b, c) = (
        Sample::new(base.to_vec())?.ln()?,
        Sample::new(candidate.to_vec())?.ln()?,
    );
    let diffs = Sample::new(
        b.points()
            .iter()
            .zip(c.points())
            .map(|(x, y)| y - x)
            .collect(),
    )?;
    let n = diffs.len() as f64;
    let d = diffs.mean();
    let se = (diffs.variance() / n).sqrt();
    let df = n - 1.0;
    if se <= 1e-15 * d.abs().max(1.0) || !se.is_finite() {
        return Ok(LogRatioTest {
            log_change: d,
            log_lower: d,
            log_upper: d,
            p_value: if d.abs() < 1e-15 { 1.0 } else { 0.0 },
            degrees_of_freedom: df,
            std_error: 0.0,
        });
    }
    let dist = StudentsT::new(0.0, 1.0, df)
        .map_err(|_| StatsError::TooFewPoints { found: diffs.len() })?;
    let half = dist.inverse_cdf(1.0 - alpha / 2.0) * se;
    Ok(LogRatioTest {
        log_change: d,
        log_lower: d - half,
        log_upper: d + half,
        p_value: (2.0 * dist.sf((d / se).abs())).min(1.0),
        degrees_of_freedom: df,
        std_error: se,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Sample, log_ratio_test};

    #[test]
    fn a_linear_drift_across_pairs_cancels() {
        // The machine slows down 4 % per pair; the candidate is 5 % costlier in every pair.
        let base: Vec<f64> = (0..8)
            .map(|i| 100.0 * (1.0 + 0.04 * f64::from(i)))
            .collect();
        let cand: Vec<f64> = base.iter().map(|b| b * 1.05).collect();
        let paired = paired_log_ratio_test(&base, &cand, 0.05).expect("runs");
        assert!((paired.relative_change() - 0.05).abs() < 1e-12);
        let (lo, hi) = paired.relative_interval();
        assert!(
            (lo - 0.05).abs() < 1e-9 && (hi - 0.05).abs() < 1e-9,
            "[{lo}, {hi}]"
        );
        // Welch on the same numbers sees the drift as noise: an interval far wider than the change.
        let welch = log_ratio_test(
            &Sample::new(base.clone()).expect("valid"),
            &Sample::new(cand.clone()).expect("valid"),
            0.05,
        )
        .expect("runs");
        let (wlo, whi) = welch.relative_interval();
        assert!(wlo < 0.0 && whi > 0.1, "welch [{wlo}, {whi}]");
    }

    #[test]
    fn noisy_pairs_match_a_hand_computed_paired_t() {
        // Log differences 0.1, 0.2, 0.3: mean 0.2, sd 0.1, se 0.0577, t = 3.464 with 2 df: p = 0.0742
        // (R: t.test(c(.1,.2,.3))$p.value = 0.07418).
        let base = [1.0, 1.0, 1.0];
        let cand = [0.1f64.exp(), 0.2f64.exp(), 0.3f64.exp()];
        let r = paired_log_ratio_test(&base, &cand, 0.05).expect("runs");
        assert!((r.log_change - 0.2).abs() < 1e-12);
        assert!((r.p_value - 0.07418).abs() < 1e-4, "p {}", r.p_value);
        assert_eq!(r.degrees_of_freedom, 2.0);
    }

    #[test]
    fn refuses_unequal_lengths_and_too_few_pairs() {
        assert!(matches!(
            paired_log_ratio_test(&[1.0, 2.0], &[1.0, 2.0, 3.0], 0.05),
            Err(StatsError::UnequalPairs {
                base: 2,
                candidate: 3
            })
        ));
        assert!(matches!(
            paired_log_ratio_test(&[1.0], &[1.0], 0.05),
            Err(StatsError::TooFewPoints { found: 1 })
        ));
    }
}
