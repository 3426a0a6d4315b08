//! The predict workload: classify an activity ("driving 10 hours") as low / medium / high carbon intensity.
//!
//! One trait, [`Classifier`], loaded once and called many times from any thread (`Send + Sync`), so the harness can
//! drive it in-process and `workloads serve` can share one instance between requests.
//!
//! | implementation | file | what |
//! |---|---|---|
//! | [`tiny::TinyClassifier`] | `tiny.rs` (network in `tiny_model.rs`) | a 2-layer transformer encoder trained from scratch on `workloads/data/activities.csv`; its artifacts are embedded in the binary, so it starts offline |
//! | [`bert::BertClassifier`] | `bert.rs` (weights loaded by `encoder.rs` into the `bert-cpu` crate's forward) | any BERT-family checkpoint directory (e.g. all-MiniLM-L6-v2), mean pooling, a linear head trained on the frozen embeddings |
//!
//! Supporting modules: [`dataset`] (the labelled activities and their fixed split), [`tokenizer`] (WordPiece vocabulary
//! built from the training split, batch encoding padded to the longest sequence), [`metrics`] (accuracy, macro-F1),
//! [`train`] (deterministic training of both backends, used by `workloads train` and `harness train`), [`options`]
//! (the training knobs, shared by `train` and `head`).

pub mod bert;
pub mod dataset;
pub mod encoder;
pub mod head;
mod layers;
pub mod metrics;
pub mod options;
mod seeded;
pub mod tiny;
pub mod tiny_model;
pub mod tokenizer;
pub mod train;

use std::fmt;
use std::path::PathBuf;

/// The three classes, in the order of [`Prediction::scores`] and of the models' output units.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Under about 20 g CO2e per passenger-km (walking, cycling, rowing…); see `workloads/data/README.md`.
    Low,
    /// About 20–110 g CO2e per passenger-km (rail, buses, electric cars, ferries…).
    Medium,
    /// Over about 110 g CO2e per passenger-km (petrol and diesel cars, taxis, motorbikes, flights, cruises…).
    High,
}

impl Label {
    /// All labels in output-unit order.
    pub const ALL: [Label; 3] = [Label::Low, Label::Medium, Label::High];

    /// The lowercase name used in CSV, JSON and HTML (`low`, `medium`, `high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Low => "low",
            Label::Medium => "medium",
            Label::High => "high",
        }
    }

    /// The output unit of this label (0, 1, 2).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parses `low`, `medium` or `high` (any case, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Label> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Label::Low),
            "medium" => Some(Label::Medium),
            "high" => Some(Label::High),
            _ => None,
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One classification: the winning label, its probability, and the probability of every label.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Prediction {
    /// The most probable label.
    pub label: Label,
    /// Probability of `label`, in [0, 1].
    pub score: f32,
    /// Probabilities of low, medium and high (in [`Label::ALL`] order); they sum to 1.
    pub scores: [f32; 3],
}

impl Prediction {
    /// Builds a prediction from the three class probabilities (ties go to the lower index).
    pub fn from_probs(scores: [f32; 3]) -> Prediction {
        let mut best = 0;
        for i in 1..3 {
            if scores[i] > scores[best] {
                best = i;
            }
        }
        Prediction {
            label: Label::ALL[best],
            score: scores[best],
            scores,
        }
    }
}

/// A text classifier: load once, classify many times, from any thread.
///
/// Texts are plain activity descriptions; the models were trained on ways of getting around (see
/// `workloads/data/README.md`), so text outside that domain still gets one of the three labels.
pub trait Classifier: Send + Sync {
    /// Short name of the backend and checkpoint, reported in JSON (`tiny`, `bert:all-MiniLM-L6-v2`).
    fn model_name(&self) -> &str;

    /// Classifies one text. Fails with [`PredictError::EmptyText`] when the text has no tokens.
    fn classify(&self, text: &str) -> Result<Prediction, PredictError> {
        let mut out = self.classify_batch(&[text])?;
        out.pop()
            .ok_or_else(|| PredictError::Model("the model returned no prediction".into()))
    }

    /// Classifies several texts in one forward pass (padded to the longest); one prediction per text, same order.
    fn classify_batch(&self, texts: &[&str]) -> Result<Vec<Prediction>, PredictError>;
}

/// Errors of the predict workload, grouped by what the caller does next.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// The caller sent a text with no tokens: tell the user to type an activity.
    #[error("the text is empty: type an activity, e.g. \"driving 10 hours\"")]
    EmptyText,
    /// A model file is missing or unreadable: tell the user which file and how to get it.
    #[error("cannot read {path}: {reason}")]
    Artifact { path: PathBuf, reason: String },
    /// The dataset CSV is malformed: tell the user the line to fix.
    #[error("dataset {origin}, line {line}: {reason}")]
    Dataset {
        origin: String,
        line: usize,
        reason: String,
    },
    /// A tokenizer failure (bad tokenizer.json or encoding error).
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A tensor operation failed (shape mismatch between config and weights, for instance).
    #[error("model: {0}")]
    Model(String),
    /// Writing training artifacts failed.
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<candle_core::Error> for PredictError {
    fn from(e: candle_core::Error) -> Self {
        PredictError::Model(e.to_string())
    }
}

/// Numerically stable softmax over each row of a `[batch, 3]` logits matrix.
pub(crate) fn softmax_rows(logits: &[Vec<f32>]) -> Vec<[f32; 3]> {
    logits
        .iter()
        .map(|row| {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exps: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
            let sum: f32 = exps.iter().sum();
            [exps[0] / sum, exps[1] / sum, exps[2] / sum]
        })
        .collect()
}

/// Environment variable candle (and rayon) read for the number of threads per matrix product.
pub const THREADS_VAR: &str = "RAYON_NUM_THREADS";

/// Makes inference single-threaded per request unless [`THREADS_VAR`] is already set.
///
/// Candle splits every matrix product across all cores when the variable is unset. For the predict workload's small,
/// per-request inputs that synchronisation costs more than it buys, and concurrent requests then fight over the same
/// cores. Measured on the project's 2-vCPU VM (release build): `tiny` single sentence 962 µs → 357 µs, batch of 32
/// 2.72 ms → 2.07 ms, `harness bench --workload predict` 2,550 → 6,900 ops/s and 11.0 → 3.4 mJ per op. MiniLM single
/// sentence goes the other way (9.4 → 11.6 ms), so a latency-bound single-client bert service may set the variable.
///
/// Call it first thing in `main`, before any thread exists: it sets a process environment variable. Not for
/// training: a different thread count changes the summation order, and with it the trained bytes.
pub fn single_threaded_inference_by_default() {
    if std::env::var_os(THREADS_VAR).is_none() {
        // SAFETY: called at the start of `main`, while the process has a single thread, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var(THREADS_VAR, "1") };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_order() {
        for (i, l) in Label::ALL.iter().enumerate() {
            assert_eq!(l.index(), i);
            assert_eq!(Label::parse(l.as_str()), Some(*l));
        }
        assert_eq!(Label::parse(" HIGH "), Some(Label::High));
        assert_eq!(Label::parse("huge"), None);
    }

    #[test]
    fn prediction_picks_the_most_probable_label() {
        let p = Prediction::from_probs([0.2, 0.7, 0.1]);
        assert_eq!(p.label, Label::Medium);
        assert!((p.score - 0.7).abs() < 1e-6);
    }

    #[test]
    fn softmax_rows_sum_to_one_and_keep_order() {
        let probs = softmax_rows(&[vec![1.0, 3.0, -2.0], vec![1000.0, 0.0, 0.0]]);
        for p in &probs {
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        assert!(probs[0][1] > probs[0][0] && probs[0][0] > probs[0][2]);
        assert!(
            probs[1][0] > 0.999,
            "large logits must not overflow: {:?}",
            probs[1]
        );
    }
}
