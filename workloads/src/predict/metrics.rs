//! Classification metrics: accuracy, per-label F1 and macro-F1 (the unweighted mean of the three F1 scores).
//!
//! F1 of a label = 2·precision·recall / (precision + recall), taken as 0 when the label is never predicted or never
//! true (scikit-learn's `zero_division=0` convention), so a model that ignores a label is penalised.

use super::Label;
use serde::{Deserialize, Serialize};

/// Scores of predictions against true labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Number of rows scored.
    pub n: usize,
    /// Share of rows predicted right, in [0, 1].
    pub accuracy: f64,
    /// Mean of the per-label F1 scores, in [0, 1].
    pub macro_f1: f64,
    /// F1 of low, medium, high.
    pub f1: [f64; 3],
    /// `confusion[true][predicted]` counts.
    pub confusion: [[usize; 3]; 3],
}

/// Scores `predicted` against `truth` (same length; an empty input scores 0).
pub fn score(truth: &[Label], predicted: &[Label]) -> Scores {
    let mut confusion = [[0usize; 3]; 3];
    for (t, p) in truth.iter().zip(predicted) {
        confusion[t.index()][p.index()] += 1;
    }
    let n = truth.len().min(predicted.len());
    let correct: usize = (0..3).map(|i| confusion[i][i]).sum();
    let mut f1 = [0.0; 3];
    for (i, f) in f1.iter_mut().enumerate() {
        let tp = confusion[i][i] as f64;
        let predicted_i: f64 = (0..3).map(|t| confusion[t][i] as f64).sum();
        let true_i: f64 = confusion[i].iter().sum::<usize>() as f64;
        if tp > 0.0 {
            let (precision, recall) = (tp / predicted_i, tp / true_i);
            *f = 2.0 * precision * recall / (precision + recall);
        }
    }
    Scores {
        n,
        accuracy: if n == 0 {
            0.0
        } else {
            correct as f64 / n as f64
        },
        macro_f1: f1.iter().sum::<f64>() / 3.0,
        f1,
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn perfect_and_known_values() {
        let s = score(&[Low, Medium, High], &[Low, Medium, High]);
        assert_eq!((s.accuracy, s.macro_f1), (1.0, 1.0));
        // low: P=1/2 R=1 F=2/3; medium: P=1 R=1/2 F=2/3; high: F=1 → macro 7/9.
        let s = score(&[Low, Medium, Medium, High], &[Low, Low, Medium, High]);
        assert!((s.macro_f1 - 7.0 / 9.0).abs() < 1e-12, "{s:?}");
        assert!((s.accuracy - 0.75).abs() < 1e-12);
        assert_eq!(s.confusion[1], [1, 1, 0]);
    }

    #[test]
    fn ignoring_a_label_costs_its_whole_f1() {
        let s = score(&[Low, Medium, High], &[Low, Low, High]);
        assert_eq!(s.f1[1], 0.0);
        assert!(s.macro_f1 < 0.67);
    }
}
