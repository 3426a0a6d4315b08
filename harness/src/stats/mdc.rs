//! The minimum detectable change of a test: what a verdict could have seen at this noise and sample size.
//!
//! A metric is reported as regressed when its whole `1 − α` interval, `d̂ ± t_{ν,1−α/2}·se` in log space, lies beyond
//! the noise band `ln(1 + threshold)`. If the true log change were `δ`, the estimate `d̂` would scatter around `δ` with
//! standard error `se`, so the verdict says "regressed" with probability `power` when
//!
//! `δ = ln(1 + threshold) + (t_{ν,1−α/2} + t_{ν,power})·se`,
//!
//! the usual minimum-detectable-effect formula for a t-test (Cohen 1988, ch. 2; Bloom 1995) shifted by the noise
//! band. We report `exp(δ) − 1` at 80 % power, the convention of power analysis. It uses the unadjusted `α`: Holm's
//! adjustment only binds when the interval clears the band by a hair, so the figure is slightly optimistic there.
//! With a zero standard error (a deterministic meter) it is the threshold itself.
//!
//! References:
//! - J. Cohen, "Statistical power analysis for the behavioral sciences", 2nd ed., 1988.
//! - H. S. Bloom, "Minimum detectable effects: a simple way to report the statistical power of experimental
//!   designs", Evaluation Review 19(5):547–556, 1995.

use super::welch::LogRatioTest;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Power at which the minimum detectable change is reported.
pub const MDC_POWER: f64 = 0.8;

/// The smallest relative change (as a positive fraction, 0.024 = 2.4 %) that `test`'s design would flag in the worse
/// direction with probability [`MDC_POWER`], given the noise band `threshold` and significance `alpha`. `None` when
/// the degrees of freedom are not usable.
pub fn minimum_detectable_change(test: &LogRatioTest, alpha: f64, threshold: f64) -> Option<f64> {
    let band = threshold.ln_1p();
    if test.std_error <= 0.0 {
        return Some(threshold);
    }
    let df = test.degrees_of_freedom;
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let t_alpha = dist.inverse_cdf(1.0 - alpha / 2.0);
    let t_power = dist.inverse_cdf(MDC_POWER);
    let delta = band + (t_alpha + t_power) * test.std_error;
    delta.is_finite().then(|| delta.exp_m1())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_with(se: f64, df: f64) -> LogRatioTest {
        LogRatioTest {
            log_change: 0.0,
            log_lower: -se,
            log_upper: se,
            p_value: 1.0,
            degrees_of_freedom: df,
            std_error: se,
        }
    }

    #[test]
    fn matches_the_formula_and_grows_with_noise() {
        // se 0.01, 10 df, alpha 0.05: t_0.975 = 2.2281, t_0.8 = 0.8791; δ = ln 1.03 + 3.1072 × 0.01.
        let m = minimum_detectable_change(&test_with(0.01, 10.0), 0.05, 0.03).expect("mdc");
        let expected = (1.03f64.ln() + 3.1072 * 0.01).exp_m1();
        assert!((m - expected).abs() < 1e-4, "{m} vs {expected}");
        let noisier = minimum_detectable_change(&test_with(0.02, 10.0), 0.05, 0.03).expect("mdc");
        assert!(noisier > m);
    }

    #[test]
    fn a_deterministic_meter_detects_anything_past_the_band() {
        assert_eq!(
            minimum_detectable_change(&test_with(0.0, f64::INFINITY), 0.05, 0.03),
            Some(0.03)
        );
    }

    #[test]
    fn a_simulated_change_at_the_mdc_is_flagged_about_eighty_percent_of_the_time() {
        // Draw d̂ ~ δ + se·T_ν on a fixed grid of quantiles; the share of intervals wholly above the band should be 80 %.
        let (se, df, alpha, thr) = (0.015, 12.0, 0.05, 0.03);
        let mdc = minimum_detectable_change(&test_with(se, df), alpha, thr).expect("mdc");
        let dist = StudentsT::new(0.0, 1.0, df).expect("dist");
        let t_alpha = dist.inverse_cdf(1.0 - alpha / 2.0);
        let n = 10_000;
        let flagged = (0..n)
            .filter(|i| {
                let q = (f64::from(*i) + 0.5) / f64::from(n);
                let d_hat = mdc.ln_1p() + se * dist.inverse_cdf(q);
                d_hat - t_alpha * se > thr.ln_1p()
            })
            .count();
        let share = flagged as f64 / f64::from(n);
        assert!((share - MDC_POWER).abs() < 0.01, "{share}");
    }
}
