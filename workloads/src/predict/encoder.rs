//! Loads a BERT checkpoint's safetensors weights into [`bert_cpu::Encoder`], the forward pass the `bert` backend
//! runs (weights packed once for a register-blocked kernel; see that crate's docs for why it is not candle's
//! `BertModel`). Candle's `VarBuilder` reads the file, so the names, prefixes (`bert.` or the config's `model_type`)
//! and old `gamma`/`beta` layer-norm names that candle-transformers accepts are accepted here too.
//! `tests/predict_bert.rs` checks the result against candle-transformers' `BertModel` on the same checkpoint.

use super::PredictError;
use bert_cpu::{Activation, Encoder};
use candle_nn::VarBuilder;
use serde::Deserialize;

/// The fields of a Hugging Face BERT `config.json` the encoder uses, read with the same names and activation spellings
/// as candle-transformers' `bert::Config` (other fields are ignored). Ours, so that the app does not compile
/// candle-transformers (a large crate, kept as the tests' reference implementation) for one struct.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    /// Rows of the word-embedding table.
    pub vocab_size: usize,
    /// Width of every hidden state (the embedding size).
    pub hidden_size: usize,
    /// Transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer (`hidden_size` must divide by it).
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Feed-forward activation: `gelu`, `geluapproximate` or `relu`.
    pub hidden_act: HiddenAct,
    /// Longest input in tokens.
    pub max_position_embeddings: usize,
    /// Rows of the token-type embedding table.
    pub type_vocab_size: usize,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f64,
    /// The weights' name prefix when they are stored under one (e.g. `bert`).
    #[serde(default)]
    pub model_type: Option<String>,
}

/// The feed-forward activation named in `config.json` (lowercase, as candle-transformers spells them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenAct {
    /// GELU with the exact erf.
    Gelu,
    /// GELU's tanh approximation.
    GeluApproximate,
    /// ReLU.
    Relu,
}

/// Our encoder's view of a BERT config.
fn encoder_config(cfg: &Config) -> bert_cpu::Config {
    bert_cpu::Config {
        vocab_size: cfg.vocab_size,
        hidden_size: cfg.hidden_size,
        num_hidden_layers: cfg.num_hidden_layers,
        num_attention_heads: cfg.num_attention_heads,
        intermediate_size: cfg.intermediate_size,
        max_position_embeddings: cfg.max_position_embeddings,
        type_vocab_size: cfg.type_vocab_size,
        layer_norm_eps: cfg.layer_norm_eps as f32,
        activation: match cfg.hidden_act {
            HiddenAct::Gelu => Activation::GeluErf,
            HiddenAct::GeluApproximate => Activation::GeluTanh,
            HiddenAct::Relu => Activation::Relu,
        },
    }
}

/// One tensor by its unprefixed Hugging Face name, trying the old `gamma`/`beta` names for layer norms.
fn tensor(vb: &VarBuilder, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
    let alias = name
        .strip_suffix("LayerNorm.weight")
        .map(|p| format!("{p}LayerNorm.gamma"))
        .or_else(|| {
            name.strip_suffix("LayerNorm.bias")
                .map(|p| format!("{p}LayerNorm.beta"))
        });
    let name = match alias {
        Some(old) if !vb.contains_tensor(name) && vb.contains_tensor(&old) => old,
        _ => name.to_string(),
    };
    vb.get(shape, &name)
        .and_then(|t| t.flatten_all()?.to_vec1::<f32>())
        .map_err(|e| e.to_string())
}

/// Builds the encoder from `vb` (unprefixed names, else under `{model_type}.`).
pub fn load(vb: &VarBuilder, cfg: &Config) -> Result<Encoder, PredictError> {
    let ecfg = encoder_config(cfg);
    let first = match Encoder::load(ecfg.clone(), |n, s| tensor(vb, n, s)) {
        Ok(e) => return Ok(e),
        Err(e) => e,
    };
    let prefixed = cfg
        .model_type
        .as_deref()
        .filter(|p| vb.contains_tensor(&format!("{p}.embeddings.word_embeddings.weight")));
    match prefixed {
        Some(p) => {
            let vb = vb.pp(p);
            Encoder::load(ecfg, |n, s| tensor(&vb, n, s))
                .map_err(|e| PredictError::Model(e.to_string()))
        }
        None => Err(PredictError::Model(first.to_string())),
    }
}

impl From<bert_cpu::EncoderError> for PredictError {
    fn from(e: bert_cpu::EncoderError) -> Self {
        PredictError::Model(e.to_string())
    }
}
