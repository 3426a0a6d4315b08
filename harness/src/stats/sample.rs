//! [`Sample`]: the observations of one metric on one side of a comparison (one value per repetition).
//!
//! The invariant (at least two points, all finite) is checked once in [`Sample::new`], so every function taking a
//! `Sample` can compute a mean and an unbiased variance without further checks.

use super::StatsError;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// At least two finite observations.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    points: Vec<f64>,
}

impl Sample {
    /// Check the invariant: `points.len() >= 2` and every point finite.
    pub fn new(points: Vec<f64>) -> Result<Self, StatsError> {
        if points.len() < 2 {
            return Err(StatsError::TooFewPoints {
                found: points.len(),
            });
        }
        if let Some((index, &value)) = points.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(StatsError::NotFinite { index, value });
        }
        Ok(Self { points })
    }

    pub fn points(&self) -> &[f64] {
        &self.points
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Always false: a sample has at least two points.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Arithmetic mean.
    pub fn mean(&self) -> f64 {
        self.points.iter().sum::<f64>() / self.points.len() as f64
    }

    /// Unbiased sample variance (divides by n − 1).
    pub fn variance(&self) -> f64 {
        let mean = self.mean();
        let ss: f64 = self.points.iter().map(|x| (x - mean) * (x - mean)).sum();
        ss / (self.points.len() - 1) as f64
    }

    /// Student-t interval for the mean at confidence `1 − alpha`: `mean ± t_{n−1, 1−α/2} · s/√n` ("Student", 1908).
    pub fn mean_interval(&self, alpha: f64) -> Result<(f64, f64), StatsError> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(StatsError::BadAlpha { alpha });
        }
        let n = self.points.len() as f64;
        let se = (self.variance() / n).sqrt();
        let dist = StudentsT::new(0.0, 1.0, n - 1.0).map_err(|_| StatsError::TooFewPoints {
            found: self.points.len(),
        })?;
        let half = dist.inverse_cdf(1.0 - alpha / 2.0) * se;
        Ok((self.mean() - half, self.mean() + half))
    }

    /// The natural logarithms of the points; fails on a point ≤ 0.
    pub fn ln(&self) -> Result<Sample, StatsError> {
        if let Some((index, &value)) = self.points.iter().enumerate().find(|(_, v)| **v <= 0.0) {
            return Err(StatsError::NotPositive { index, value });
        }
        let points: Vec<f64> = self.points.iter().map(|v| v.ln()).collect();
        Sample::new(points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_fewer_than_two_points() {
        assert_eq!(
            Sample::new(vec![1.0]),
            Err(StatsError::TooFewPoints { found: 1 })
        );
        assert_eq!(
            Sample::new(vec![]),
            Err(StatsError::TooFewPoints { found: 0 })
        );
    }

    #[test]
    fn refuses_non_finite_points() {
        assert!(matches!(
            Sample::new(vec![1.0, f64::NAN]),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
        assert!(matches!(
            Sample::new(vec![f64::INFINITY, 1.0]),
            Err(StatsError::NotFinite { index: 0, .. })
        ));
    }

    #[test]
    fn mean_and_unbiased_variance() {
        let s = Sample::new(vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).expect("valid");
        assert!((s.mean() - 5.0).abs() < 1e-12);
        assert!((s.variance() - 32.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn mean_interval_matches_the_t_table() {
        // n = 4, mean 2.5, s² = 5/3, se = 0.6455; t(3, 0.975) = 3.1824 → half width 2.0543.
        let s = Sample::new(vec![1.0, 2.0, 3.0, 4.0]).expect("valid");
        let (lo, hi) = s.mean_interval(0.05).expect("ok");
        assert!(
            (lo - (2.5 - 2.0543)).abs() < 1e-3 && (hi - (2.5 + 2.0543)).abs() < 1e-3,
            "[{lo}, {hi}]"
        );
    }

    #[test]
    fn ln_refuses_zero_and_negatives() {
        let s = Sample::new(vec![1.0, 0.0]).expect("valid");
        assert!(matches!(
            s.ln(),
            Err(StatsError::NotPositive { index: 1, .. })
        ));
    }
}
