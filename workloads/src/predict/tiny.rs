//! The `tiny` backend: the [`TinyEncoder`] network with its WordPiece tokenizer, embedded in the binary.
//!
//! `workloads/models/tiny/` holds `config.json`, `model.safetensors`, `tokenizer.json` and `metrics.json`, written by
//! `workloads train` (see [`super::train::train_tiny`]). The first three are compiled in with `include_bytes!`, so
//! `workloads serve` starts offline on a fresh machine; [`TinyClassifier::load`] reads a retrained copy from a folder.

use super::tiny_model::{TinyConfig, TinyEncoder, batch_tensors};
use super::tokenizer::{encode, prepare};
use super::{Classifier, PredictError, Prediction, softmax_rows};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use std::path::Path;
use tokenizers::Tokenizer;

/// `workloads/models/tiny/config.json`, embedded.
pub const EMBEDDED_CONFIG: &[u8] = include_bytes!("../../models/tiny/config.json");
/// `workloads/models/tiny/model.safetensors`, embedded.
pub const EMBEDDED_WEIGHTS: &[u8] = include_bytes!("../../models/tiny/model.safetensors");
/// `workloads/models/tiny/tokenizer.json`, embedded.
pub const EMBEDDED_TOKENIZER: &[u8] = include_bytes!("../../models/tiny/tokenizer.json");
/// `workloads/models/tiny/metrics.json`, embedded (what `workloads train` measured on the test split).
pub const EMBEDDED_METRICS: &str = include_str!("../../models/tiny/metrics.json");

/// File names inside a `tiny` model folder.
pub const FILES: [&str; 4] = [
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "metrics.json",
];

/// The `tiny` classifier. Cheap to share: wrap it in an `Arc` and call it from any thread.
#[derive(Debug)]
pub struct TinyClassifier {
    model: TinyEncoder,
    tokenizer: Tokenizer,
    device: Device,
}

fn artifact(path: &str, e: impl std::fmt::Display) -> PredictError {
    PredictError::Artifact {
        path: path.into(),
        reason: e.to_string(),
    }
}

impl TinyClassifier {
    /// The model shipped in the binary (`workloads/models/tiny/`).
    pub fn embedded() -> Result<TinyClassifier, PredictError> {
        let cfg: TinyConfig = serde_json::from_slice(EMBEDDED_CONFIG)
            .map_err(|e| artifact("workloads/models/tiny/config.json (embedded)", e))?;
        let vb = VarBuilder::from_slice_safetensors(EMBEDDED_WEIGHTS, DType::F32, &Device::Cpu)
            .map_err(|e| artifact("workloads/models/tiny/model.safetensors (embedded)", e))?;
        let tokenizer = Tokenizer::from_bytes(EMBEDDED_TOKENIZER)
            .map_err(|e| artifact("workloads/models/tiny/tokenizer.json (embedded)", e))?;
        TinyClassifier::build(&cfg, vb, tokenizer)
    }

    /// Loads `config.json`, `model.safetensors` and `tokenizer.json` from `dir` (as written by `workloads train`).
    pub fn load(dir: &Path) -> Result<TinyClassifier, PredictError> {
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read(&p).map_err(|e| PredictError::Artifact {
                path: p,
                reason: format!(
                    "{e} (write a model folder with `workloads train --backend tiny --out DIR`)"
                ),
            })
        };
        let cfg_path = dir.join("config.json");
        let cfg: TinyConfig = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| artifact(&cfg_path.display().to_string(), e))?;
        let weights_path = dir.join("model.safetensors").display().to_string();
        let vb = VarBuilder::from_buffered_safetensors(
            read("model.safetensors")?,
            DType::F32,
            &Device::Cpu,
        )
        .map_err(|e| artifact(&weights_path, e))?;
        let tok_path = dir.join("tokenizer.json").display().to_string();
        let tokenizer =
            Tokenizer::from_bytes(read("tokenizer.json")?).map_err(|e| artifact(&tok_path, e))?;
        TinyClassifier::build(&cfg, vb, tokenizer)
    }

    fn build(
        cfg: &TinyConfig,
        vb: VarBuilder,
        tokenizer: Tokenizer,
    ) -> Result<TinyClassifier, PredictError> {
        let model = TinyEncoder::new(cfg, vb)?;
        TinyClassifier::from_parts(model, tokenizer)
    }

    /// Wraps a network and its tokenizer (used by training to score the freshly trained weights).
    pub(crate) fn from_parts(
        model: TinyEncoder,
        mut tokenizer: Tokenizer,
    ) -> Result<TinyClassifier, PredictError> {
        let vocab = tokenizer.get_vocab_size(true);
        if vocab != model.config().vocab_size {
            return Err(PredictError::Model(format!(
                "tokenizer has {vocab} pieces but config.json says vocab_size {}",
                model.config().vocab_size
            )));
        }
        prepare(&mut tokenizer, model.config().max_len)?;
        Ok(TinyClassifier {
            model,
            tokenizer,
            device: Device::Cpu,
        })
    }

    /// The tokenizer (padding to the longest, truncation at `max_len`).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }
}

impl Classifier for TinyClassifier {
    fn model_name(&self) -> &str {
        "tiny"
    }

    fn classify_batch(&self, texts: &[&str]) -> Result<Vec<Prediction>, PredictError> {
        if texts.is_empty() {
            return Ok(vec![]);
        }
        let enc = encode(&self.tokenizer, texts, false)?;
        let (ids, mask) = batch_tensors(&enc, &self.device)?;
        let logits: Vec<Vec<f32>> = self.model.forward(&ids, &mask, false)?.to_vec2()?;
        Ok(softmax_rows(&logits)
            .into_iter()
            .map(Prediction::from_probs)
            .collect())
    }
}
