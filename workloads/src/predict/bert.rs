//! The `bert` backend: any BERT-family checkpoint folder (`config.json`, `model.safetensors`, `tokenizer.json`)
//! loaded into [`Encoder`] (the BERT forward on packed weights; candle-transformers' `BertModel` is its test
//! reference), mean pooling over real tokens (as sentence-transformers does for all-MiniLM-L6-v2), and a linear head
//! (`head.safetensors`) trained on the frozen embeddings.
//!
//! The tokenizer's own padding is replaced by `BatchLongest` (all-MiniLM-L6-v2's file pads every sentence to 128
//! tokens, which costs about 6× per prediction); truncation is set to the model's `max_position_embeddings`.
//! Get all-MiniLM-L6-v2 with `scripts/fetch-minilm.sh`.

use super::encoder::{self, Config};
use super::head::{self, HEAD_FILE};
use super::tokenizer::{encode, prepare};
use super::{Classifier, PredictError, Prediction, softmax_rows};
use bert_cpu::Encoder;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder};
use std::fmt;
use std::path::Path;
use tokenizers::Tokenizer;

/// Files a checkpoint folder must hold.
pub const CHECKPOINT_FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// A BERT encoder with its tokenizer: produces mean-pooled sentence embeddings.
pub struct BertEmbedder {
    model: Encoder,
    tokenizer: Tokenizer,
    hidden: usize,
    name: String,
}

impl fmt::Debug for BertEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BertEmbedder")
            .field("name", &self.name)
            .field("hidden", &self.hidden)
            .finish()
    }
}

fn artifact(path: &Path, reason: impl fmt::Display) -> PredictError {
    PredictError::Artifact {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

impl BertEmbedder {
    /// Loads a checkpoint folder; errors name the missing or bad file.
    pub fn load(dir: &Path) -> Result<BertEmbedder, PredictError> {
        for f in CHECKPOINT_FILES {
            if !dir.join(f).is_file() {
                return Err(artifact(
                    &dir.join(f),
                    "missing (for all-MiniLM-L6-v2 run scripts/fetch-minilm.sh)",
                ));
            }
        }
        let cfg_path = dir.join("config.json");
        let cfg_text = std::fs::read_to_string(&cfg_path).map_err(|e| artifact(&cfg_path, e))?;
        let cfg: Config = serde_json::from_str(&cfg_text).map_err(|e| artifact(&cfg_path, e))?;
        let weights = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights).map_err(|e| artifact(&weights, e))?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu)
            .map_err(|e| artifact(&weights, e))?;
        let model = encoder::load(&vb, &cfg).map_err(|e| artifact(&weights, e))?;
        let tok_path = dir.join("tokenizer.json");
        let tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| artifact(&tok_path, e))?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bert".into());
        BertEmbedder::from_parts(model, tokenizer, &cfg, name)
    }

    /// Wraps an already-built model.
    pub fn from_parts(
        model: Encoder,
        mut tokenizer: Tokenizer,
        cfg: &Config,
        name: String,
    ) -> Result<Self, PredictError> {
        prepare(&mut tokenizer, cfg.max_position_embeddings)?;
        Ok(BertEmbedder {
            model,
            tokenizer,
            hidden: cfg.hidden_size,
            name,
        })
    }

    /// Mean-pooled embeddings `[texts, hidden]` (padding excluded from the mean).
    pub fn embed(&self, texts: &[&str]) -> Result<Tensor, PredictError> {
        let enc = encode(&self.tokenizer, texts, true)?;
        let pooled = self.model.embed(&enc.ids, &enc.mask, enc.batch)?;
        Ok(Tensor::from_vec(
            pooled,
            (enc.batch, self.hidden),
            &Device::Cpu,
        )?)
    }

    /// Width of the embeddings.
    pub fn hidden_size(&self) -> usize {
        self.hidden
    }

    /// The checkpoint folder's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tokenizer (BatchLongest padding).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }
}

/// The `bert` classifier: embedder + linear head.
#[derive(Debug)]
pub struct BertClassifier {
    embedder: BertEmbedder,
    head: Linear,
    model_name: String,
}

impl BertClassifier {
    /// Loads the checkpoint in `model_dir` and the head from `head_path` (default: `model_dir/head.safetensors`).
    pub fn load(
        model_dir: &Path,
        head_path: Option<&Path>,
    ) -> Result<BertClassifier, PredictError> {
        let embedder = BertEmbedder::load(model_dir)?;
        let default_head = model_dir.join(HEAD_FILE);
        let head = head::load(head_path.unwrap_or(&default_head), embedder.hidden_size())?;
        Ok(BertClassifier::new(embedder, head))
    }

    /// Combines an embedder with a trained head.
    pub fn new(embedder: BertEmbedder, head: Linear) -> BertClassifier {
        let model_name = format!("bert:{}", embedder.name());
        BertClassifier {
            embedder,
            head,
            model_name,
        }
    }

    /// The embedder.
    pub fn embedder(&self) -> &BertEmbedder {
        &self.embedder
    }
}

impl Classifier for BertClassifier {
    fn model_name(&self) -> &str {
        &self.model_name
    }

    fn classify_batch(&self, texts: &[&str]) -> Result<Vec<Prediction>, PredictError> {
        if texts.is_empty() {
            return Ok(vec![]);
        }
        let logits: Vec<Vec<f32>> = self.head.forward(&self.embedder.embed(texts)?)?.to_vec2()?;
        Ok(softmax_rows(&logits)
            .into_iter()
            .map(Prediction::from_probs)
            .collect())
    }
}
