//! Welch's t-test on logarithms: the relative change between two samples, its confidence interval and a p-value,
//! with a variance of the mean that allows for drift between consecutive repetitions.
//!
//! With `x = ln(base)`, `y = ln(candidate)`, means `x̄, ȳ`, sizes `n`, and `vₓ, vᵧ` each side's variance of the mean
//! ([`variance_of_mean`], below):
//! - estimate `d = ȳ − x̄` (log of the ratio of geometric means; relative change `exp(d) − 1`);
//! - standard error `se = sqrt(vₓ + vᵧ)`; statistic `t = d / se` (Welch 1947);
//! - degrees of freedom `ν = se⁴ / (vₓ²/(nₓ−1) + vᵧ²/(nᵧ−1))` (Welch–Satterthwaite, Satterthwaite 1946);
//! - two-sided p-value `2·P(T_ν > |t|)`; interval `d ± t_{ν,1−α/2}·se` at confidence `1 − α`.
//!
//! **Variance of the mean.** Textbook Welch takes `v = s²/n`, which assumes the repetitions are independent. A run's
//! repetitions are consecutive in time, and a shared VM's speed drifts on a scale of seconds: on the project's quiet
//! VM, the change measured for one true +5 % varied across 20 pairs of runs with a standard deviation of 0.4–1.1 %,
//! two to three times the `s²/n` standard error, and the two halves of one 10 s run differed by as much
//! (bench-results/README.md, "Why independent runs miss +5 %"). Neighbouring repetitions are correlated, so `s²/n`
//! is too small and the interval too narrow, which is why the noise band had to be 3 % wide. We use the
//! heteroskedasticity-and-autocorrelation-consistent estimate of Newey and West (1987) with Bartlett weights over
//! [`DRIFT_LAGS`] lags, `v = (γ₀ + 2·Σₖ (1 − k/(L+1))·γₖ) / n`, where `γₖ` is the lag-`k` autocovariance of the
//! repetitions in the order they ran (file order), and never less than `s²/n`: an interval is only ever widened for
//! drift, never narrowed (with ten repetitions a negative lag estimate is mostly sampling noise). With independent
//! repetitions the lags are near zero and the test is Welch's. Validated in bench-results/README.md ("Third
//! validation"), with a 1.5 % band: no A/A pair regressed, quiet or under an injected CPU hog, and a +5 % change was
//! flagged in 136 of 140 quiet pairs over seven cells (20 of 20 in each fresh cell), against 92 of 100 with `s²/n` and
//! the 3 % band that drift needed.
//!
//! Degenerate case: both samples constant (`se = 0`, e.g. a deterministic fake meter). Then the change is known exactly:
//! p = 1 and a zero-width interval at 0 when the means are equal, p = 0 and a zero-width interval at `d` otherwise.
//!
//! Reference: W. K. Newey and K. D. West, "A simple, positive semi-definite, heteroskedasticity and autocorrelation
//! consistent covariance matrix", Econometrica 55(3):703–708, 1987.

use super::{Sample, StatsError};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Lags of the Newey–West variance of the mean ([`variance_of_mean`]): the drift it allows for spans about two
/// repetitions (two seconds at the default 1 s repetitions), the scale measured on the project's VM.
pub const DRIFT_LAGS: usize = 2;

/// The variance of `x`'s mean allowing for correlation between neighbouring points (module doc): the Newey–West
/// estimate with Bartlett weights over [`DRIFT_LAGS`] lags, floored at the independent-points value `s²/n`.
/// Autocovariances divide by `n − 1`, like the unbiased `s²`, so with no correlation the two agree.
pub fn variance_of_mean(x: &Sample) -> f64 {
    let points = x.points();
    let n = points.len();
    let mean = x.mean();
    let autocovariance = |lag: usize| -> f64 {
        points
            .iter()
            .zip(&points[lag..])
            .map(|(a, b)| (a - mean) * (b - mean))
            .sum::<f64>()
            / (n - 1) as f64
    };
    let gamma0 = x.variance();
    let lags = DRIFT_LAGS.min(n - 1);
    let long_run = gamma0
        + 2.0
            * (1..=lags)
                .map(|k| (1.0 - k as f64 / (DRIFT_LAGS + 1) as f64) * autocovariance(k))
                .sum::<f64>();
    long_run.max(gamma0) / n as f64
}

/// The result of [`log_ratio_test`]. Log-space fields are natural logs of candidate/base ratios.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRatioTest {
    /// `ln(candidate / base)` of the geometric means.
    pub log_change: f64,
    /// Lower end of the `1 − alpha` interval for `log_change`.
    pub log_lower: f64,
    /// Upper end of the `1 − alpha` interval for `log_change`.
    pub log_upper: f64,
    /// Two-sided p-value for "no change" (unadjusted).
    pub p_value: f64,
    /// Degrees of freedom of the t distribution used (Welch–Satterthwaite, or pairs − 1 for the paired test;
    /// infinite in Welch's degenerate zero-variance case).
    pub degrees_of_freedom: f64,
    /// Standard error of `log_change` (0 in the degenerate case).
    pub std_error: f64,
}

impl LogRatioTest {
    /// Relative change `candidate / base − 1` (0.05 = 5 % higher).
    pub fn relative_change(&self) -> f64 {
        self.log_change.exp_m1()
    }

    /// The interval of the relative change, `(lower, upper)`.
    pub fn relative_interval(&self) -> (f64, f64) {
        (self.log_lower.exp_m1(), self.log_upper.exp_m1())
    }
}

/// Compare `candidate` against `base` at significance `alpha` (interval confidence `1 − alpha`).
/// Both samples must be strictly positive.
pub fn log_ratio_test(
    base: &Sample,
    candidate: &Sample,
    alpha: f64,
) -> Result<LogRatioTest, StatsError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::BadAlpha { alpha });
    }
    let (x, y) = (base.ln()?, candidate.ln()?);
    let d = y.mean() - x.mean();
    let (vx, vy) = (variance_of_mean(&x), variance_of_mean(&y));
    let se2 = vx + vy;
    if se2 <= 0.0 || !se2.is_finite() {
        let p_value = if d == 0.0 { 1.0 } else { 0.0 };
        return Ok(LogRatioTest {
            log_change: d,
            log_lower: d,
            log_upper: d,
            p_value,
            degrees_of_freedom: f64::INFINITY,
            std_error: 0.0,
        });
    }
    let se = se2.sqrt();
    let df = se2 * se2 / (vx * vx / (x.len() - 1) as f64 + vy * vy / (y.len() - 1) as f64);
    let t_dist = StudentsT::new(0.0, 1.0, df).map_err(|_| StatsError::TooFewPoints {
        found: x.len().min(y.len()),
    })?;
    let t = d / se;
    let p_value = (2.0 * t_dist.sf(t.abs())).min(1.0);
    let half_width = t_dist.inverse_cdf(1.0 - alpha / 2.0) * se;
    Ok(LogRatioTest {
        log_change: d,
        log_lower: d - half_width,
        log_upper: d + half_width,
        p_value,
        degrees_of_freedom: df,
        std_error: se,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[f64]) -> Sample {
        Sample::new(v.to_vec()).expect("valid sample")
    }

    #[test]
    fn independent_points_keep_the_textbook_variance_and_drift_widens_it() {
        // Alternating points: lag 1 negative, lag 2 positive; the floor keeps s²/n.
        let alternating = s(&[1.0, -1.0, 1.0, -1.0, 1.0, -1.0]);
        let iid = alternating.variance() / 6.0;
        assert!((variance_of_mean(&alternating) - iid).abs() < 1e-15);
        // A slow drift (first half low, second half high): strong positive lags. By hand, n = 6, mean 0,
        // γ₀ = 6/5, γ₁ = 3/5, γ₂ = 0 (each divided by n − 1 = 5); long run = 6/5 + 2·(2/3·3/5 + 1/3·0) = 2.
        let drift = s(&[-1.0, -1.0, -1.0, 1.0, 1.0, 1.0]);
        let v = variance_of_mean(&drift);
        assert!((v - 2.0 / 6.0).abs() < 1e-12, "v {v}");
        assert!(v > drift.variance() / 6.0 * 1.5);
    }

    #[test]
    fn drift_within_a_side_widens_the_interval_of_the_change() {
        // Same values, once shuffled (no drift) and once sorted (a steady drift within the run): the change is the
        // same, the drifting order gets the wider interval.
        let base = s(&[
            100.0, 100.4, 99.6, 100.2, 99.8, 100.1, 99.9, 100.3, 99.7, 100.0,
        ]);
        let shuffled = s(&[
            103.0, 101.0, 104.5, 102.0, 103.5, 101.5, 104.0, 102.5, 103.0, 102.8,
        ]);
        let mut sorted_points = shuffled.points().to_vec();
        sorted_points.sort_by(f64::total_cmp);
        let sorted = s(&sorted_points);
        let a = log_ratio_test(&base, &shuffled, 0.05).expect("runs");
        let b = log_ratio_test(&base, &sorted, 0.05).expect("runs");
        assert!((a.log_change - b.log_change).abs() < 1e-12);
        assert!(
            b.std_error > a.std_error * 1.3,
            "{} vs {}",
            b.std_error,
            a.std_error
        );
    }

    #[test]
    fn matches_a_hand_computed_welch_test() {
        // ln values chosen so the log samples are {0,0.1,0.2} and {0.1,0.3,0.5}: d = 0.2,
        // vx = 0.01/3, vy = 0.04/3, se² = 0.05/3, df = (0.05/3)² / ((0.01/3)²/2 + (0.04/3)²/2) = 0.0025/0.00085 ≈ 2.941.
        let base = s(&[0.0f64.exp(), 0.1f64.exp(), 0.2f64.exp()]);
        let cand = s(&[0.1f64.exp(), 0.3f64.exp(), 0.5f64.exp()]);
        let r = log_ratio_test(&base, &cand, 0.05).expect("test runs");
        assert!((r.log_change - 0.2).abs() < 1e-12);
        assert!(
            (r.degrees_of_freedom - 0.0025 / 0.00085).abs() < 1e-9,
            "df {}",
            r.degrees_of_freedom
        );
        // t = 0.2 / sqrt(0.05/3) = 1.549; two-sided p at ν ≈ 2.94 is about 0.22 (R: 2*pt(-1.549, 2.941) = 0.2206).
        assert!((r.p_value - 0.2206).abs() < 2e-3, "p {}", r.p_value);
        assert!(r.log_lower < 0.0 && r.log_upper > 0.4);
    }

    #[test]
    fn constant_samples_give_an_exact_answer() {
        let same = log_ratio_test(&s(&[2.0, 2.0]), &s(&[2.0, 2.0]), 0.01).expect("runs");
        assert_eq!((same.log_change, same.p_value), (0.0, 1.0));
        let moved = log_ratio_test(&s(&[2.0, 2.0]), &s(&[4.0, 4.0]), 0.01).expect("runs");
        assert_eq!(moved.p_value, 0.0);
        assert!((moved.relative_change() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn refuses_non_positive_values_and_bad_alpha() {
        assert!(matches!(
            log_ratio_test(&s(&[1.0, 0.0]), &s(&[1.0, 2.0]), 0.01),
            Err(StatsError::NotPositive { .. })
        ));
        assert!(matches!(
            log_ratio_test(&s(&[1.0, 2.0]), &s(&[1.0, 2.0]), 1.5),
            Err(StatsError::BadAlpha { .. })
        ));
    }

    #[test]
    fn a_clear_ten_percent_change_is_significant() {
        let base = s(&[100.0, 101.0, 99.0, 100.5, 99.5]);
        let cand = s(&[110.0, 111.1, 108.9, 110.55, 109.45]);
        let r = log_ratio_test(&base, &cand, 0.01).expect("runs");
        assert!(r.p_value < 1e-6, "p {}", r.p_value);
        let (lo, hi) = r.relative_interval();
        assert!(lo > 0.08 && hi < 0.12, "[{lo}, {hi}]");
    }
}
