//! [`TrainOptions`]: the knobs of a training run, shared by the `tiny` trainer ([`super::train`]) and the `bert`
//! head's fit ([`super::head`]) without either importing the other.

use serde::{Deserialize, Serialize};

/// Knobs of a training run; [`TrainOptions::default`] is what produced the committed artifacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Seed of weight init, shuffling and token dropout.
    pub seed: u64,
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per optimiser step.
    pub batch_size: usize,
    /// Peak learning rate (decays linearly to 0).
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Probability of replacing a training token by `[UNK]` (tiny only).
    pub unk_dropout: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            seed: 42,
            epochs: 60,
            batch_size: 16,
            learning_rate: 2e-3,
            weight_decay: 0.01,
            unk_dropout: 0.2,
        }
    }
}
