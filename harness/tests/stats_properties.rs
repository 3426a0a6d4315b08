//! Property tests of the statistics behind `harness compare`: identical samples give Unchanged, the interval contains
//! the point estimate, scaling both sides changes nothing, swapping base and candidate swaps Regressed/Improved, and
//! the drift-aware variance of the mean is never below the textbook `s²/n` and exceeds it when the values drift.

use harness::compare::{Verdict, decide};
use harness::stats::welch::variance_of_mean;
use harness::stats::{Sample, log_ratio_test};
use proptest::prelude::*;

const ALPHA: f64 = 0.01;
const THRESHOLD: f64 = 0.03;

/// Positive values on a grid of 0.01 (so scaling never collapses two distinct values into one).
fn sample() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((1u32..100_000).prop_map(|v| f64::from(v) / 100.0), 2..16)
}

fn verdict(base: &[f64], cand: &[f64], higher_is_better: bool) -> (Verdict, f64) {
    let b = Sample::new(base.to_vec()).expect("valid");
    let c = Sample::new(cand.to_vec()).expect("valid");
    let t = log_ratio_test(&b, &c, ALPHA).expect("test runs");
    (
        decide(&t, ALPHA, THRESHOLD, higher_is_better).0,
        t.log_change,
    )
}

fn mirrored(v: Verdict) -> Verdict {
    match v {
        Verdict::Regressed => Verdict::Improved,
        Verdict::Improved => Verdict::Regressed,
        other => other,
    }
}

proptest! {
    #[test]
    fn identical_samples_are_unchanged(s in sample(), hib in any::<bool>()) {
        let (v, d) = verdict(&s, &s, hib);
        prop_assert_eq!(v, Verdict::Unchanged);
        prop_assert_eq!(d, 0.0);
    }

    #[test]
    fn interval_contains_the_point_estimate(a in sample(), b in sample()) {
        let t = log_ratio_test(&Sample::new(a).expect("valid"), &Sample::new(b).expect("valid"), ALPHA).expect("runs");
        prop_assert!(t.log_lower <= t.log_change && t.log_change <= t.log_upper, "{:?}", t);
        let (lo, hi) = t.relative_interval();
        prop_assert!(lo <= t.relative_change() && t.relative_change() <= hi);
        prop_assert!((0.0..=1.0).contains(&t.p_value));
    }

    #[test]
    fn scaling_both_sides_changes_nothing(a in sample(), b in sample(), exp in -6i32..7, hib in any::<bool>()) {
        let c = 10f64.powi(exp) * 1.7;
        let scaled = |v: &[f64]| v.iter().map(|x| x * c).collect::<Vec<_>>();
        let (v1, d1) = verdict(&a, &b, hib);
        let (v2, d2) = verdict(&scaled(&a), &scaled(&b), hib);
        prop_assert_eq!(v1, v2);
        prop_assert!((d1 - d2).abs() < 1e-9, "{} vs {}", d1, d2);
    }

    #[test]
    fn swapping_sides_mirrors_the_verdict(a in sample(), b in sample(), hib in any::<bool>()) {
        let (forward, d1) = verdict(&a, &b, hib);
        let (backward, d2) = verdict(&b, &a, hib);
        prop_assert_eq!(backward, mirrored(forward));
        prop_assert_eq!(d1, -d2);
    }

    #[test]
    fn a_large_clean_shift_is_detected(a in prop::collection::vec(1000u32..1010, 6..12)) {
        // 1 % spread, +20 % shift: significant and far beyond the 3 % band.
        let base: Vec<f64> = a.iter().map(|&v| f64::from(v)).collect();
        let cand: Vec<f64> = base.iter().map(|v| v * 1.2).collect();
        prop_assert_eq!(verdict(&base, &cand, false).0, Verdict::Regressed);
        prop_assert_eq!(verdict(&base, &cand, true).0, Verdict::Improved);
    }

    #[test]
    fn the_drift_aware_variance_is_never_below_the_textbook_one(a in sample()) {
        let s = Sample::new(a).expect("valid");
        let textbook = s.variance() / s.len() as f64;
        let v = variance_of_mean(&s);
        prop_assert!(v >= textbook && v.is_finite(), "{} < {}", v, textbook);
    }

    #[test]
    fn a_steady_drift_widens_the_variance_of_the_mean(n in 5usize..16, start in 1.0f64..100.0, step in 0.001f64..1.0) {
        // A run whose speed drifts steadily: every repetition a little slower than the one before.
        let ramp: Vec<f64> = (0..n).map(|i| start + step * i as f64).collect();
        let s = Sample::new(ramp).expect("valid");
        let textbook = s.variance() / n as f64;
        prop_assert!(variance_of_mean(&s) > textbook * 1.2, "{} vs {}", variance_of_mean(&s), textbook);
    }
}
