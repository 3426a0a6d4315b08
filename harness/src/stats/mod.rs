//! Pure statistics for `harness compare`: no I/O, no clocks, no randomness.
//!
//! | file | what | source |
//! |---|---|---|
//! | [`sample`] | [`Sample`]: at least two finite observations (the invariant lives in the type); Student-t interval of the mean | "Student" (1908) |
//! | [`welch`] | relative change between two samples with a confidence interval and a two-sided p-value: Welch's unequal-variance t-test on the logarithms, with a variance of the mean that allows for drift between consecutive repetitions | Welch (1947); Satterthwaite (1946); Newey and West (1987) |
//! | [`paired`] | the same for interleaved pairs (`harness ab`): paired t-test on the per-pair log ratios, which cancels drift | "Student" (1908); Bulej et al. (2020) |
//! | [`mdc`] | minimum detectable change at this noise and sample size (80 % power) | Cohen (1988); Bloom (1995) |
//! | [`holm`] | Holm–Bonferroni adjusted p-values, controlling the family-wise error rate across all metrics of a comparison | Holm (1979) |
//!
//! Why Welch on logarithms: benchmark metrics are positive and their changes are multiplicative ("5 % slower"). The
//! difference of mean logarithms estimates the log of the ratio of geometric means, so the interval for the relative
//! change is `exp(interval) − 1`. Consequences the property tests pin: multiplying both samples by the same constant
//! changes nothing (scale invariance), and swapping base and candidate negates the log change exactly (symmetry).
//! Welch's test does not assume equal variances, which matters on shared CI machines where one run can be noisier;
//! its variance of the mean is the Newey–West estimate over two lags (never below `s²/n`), because a shared machine's
//! speed drifts and neighbouring repetitions are correlated ([`welch`] has the measurements).
//! It is deterministic, unlike a bootstrap, so a verdict never flips between two runs of `compare` on the same files.
//!
//! References:
//! - "Student" (W. S. Gosset), "The probable error of a mean", Biometrika 6(1):1–25, 1908.
//! - B. L. Welch, "The generalization of 'Student's' problem when several different population variances are
//!   involved", Biometrika 34(1–2):28–35, 1947.
//! - F. E. Satterthwaite, "An approximate distribution of estimates of variance components", Biometrics Bulletin
//!   2(6):110–114, 1946 (the degrees of freedom used with Welch's statistic).
//! - S. Holm, "A simple sequentially rejective multiple test procedure", Scandinavian Journal of Statistics
//!   6(2):65–70, 1979.
//! - T. Kalibera and R. Jones, "Rigorous benchmarking in reasonable time", ISMM 2013 (report changes as ratios with a
//!   confidence interval, not as single numbers).

pub mod holm;
pub mod mdc;
pub mod paired;
pub mod sample;
pub mod welch;

pub use holm::holm_adjust;
pub use mdc::minimum_detectable_change;
pub use paired::paired_log_ratio_test;
pub use sample::Sample;
pub use welch::{LogRatioTest, log_ratio_test};

/// Why a statistic could not be computed; each variant says what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("need at least 2 samples, got {found} (run with more --repetitions)")]
    TooFewPoints { found: usize },
    #[error("sample {index} is not a finite number ({value})")]
    NotFinite { index: usize, value: f64 },
    #[error("sample {index} is {value}; a relative change needs strictly positive values")]
    NotPositive { index: usize, value: f64 },
    #[error("significance level {alpha} must lie strictly between 0 and 1")]
    BadAlpha { alpha: f64 },
    #[error(
        "a paired test needs as many candidate values as base values (base {base}, candidate {candidate})"
    )]
    UnequalPairs { base: usize, candidate: usize },
}
