//! The `tiny` network: token + position embeddings, pre-norm transformer encoder layers (multi-head self-attention
//! and a GELU MLP), a final layer norm, masked mean pooling and a linear head over the three labels.
//!
//! Parameter names (as stored in `model.safetensors`): `tok_emb`, `pos_emb`, `layers.{i}.{ln1,ln2}.{weight,bias}`,
//! `layers.{i}.{q,k,v,o,ff1,ff2}.{weight,bias}`, `ln_f.{weight,bias}`, `head.{weight,bias}`.

use super::layers::{Norm, masked_mean, softmax_last};
use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Embedding, Init, Linear, VarBuilder};
use serde::{Deserialize, Serialize};

/// Shape of the `tiny` network, saved as `config.json` next to the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TinyConfig {
    /// Vocabulary size (rows of `tok_emb`); must match `tokenizer.json`.
    pub vocab_size: usize,
    /// Width of every token vector.
    pub d_model: usize,
    /// Attention heads per layer (`d_model` must be a multiple).
    pub n_heads: usize,
    /// Encoder layers.
    pub n_layers: usize,
    /// Hidden width of the MLP.
    pub d_ff: usize,
    /// Longest input in tokens (longer texts are truncated); rows of `pos_emb`.
    pub max_len: usize,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f32,
    /// Output labels in unit order; always `["low","medium","high"]`.
    pub labels: Vec<String>,
}

impl TinyConfig {
    /// The shipped shape for a vocabulary of `vocab_size` pieces: d_model 64, 4 heads, 2 layers, MLP 128, 32 tokens.
    pub fn small(vocab_size: usize) -> TinyConfig {
        TinyConfig {
            vocab_size,
            d_model: 64,
            n_heads: 4,
            n_layers: 2,
            d_ff: 128,
            max_len: 32,
            layer_norm_eps: 1e-5,
            labels: super::Label::ALL
                .iter()
                .map(|l| l.as_str().to_string())
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
struct Layer {
    ln1: Norm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ln2: Norm,
    ff1: Linear,
    ff2: Linear,
}

/// The network; built from a [`VarBuilder`] (seeded init when training, safetensors when serving).
#[derive(Debug, Clone)]
pub struct TinyEncoder {
    cfg: TinyConfig,
    tok_emb: Embedding,
    pos_emb: Tensor,
    layers: Vec<Layer>,
    ln_f: Norm,
    head: Linear,
}

fn linear(i: usize, o: usize, vb: VarBuilder) -> Result<Linear> {
    let std = 0.02;
    let w = vb.get_with_hints(
        (o, i),
        "weight",
        Init::Randn {
            mean: 0.0,
            stdev: std,
        },
    )?;
    let b = vb.get_with_hints(o, "bias", Init::Const(0.0))?;
    Ok(Linear::new(w, Some(b)))
}

impl TinyEncoder {
    /// Builds the network, reading or creating every parameter through `vb`.
    pub fn new(cfg: &TinyConfig, vb: VarBuilder) -> Result<TinyEncoder> {
        if !cfg.d_model.is_multiple_of(cfg.n_heads) {
            candle_core::bail!(
                "d_model {} is not a multiple of n_heads {}",
                cfg.d_model,
                cfg.n_heads
            );
        }
        let (d, eps) = (cfg.d_model, cfg.layer_norm_eps);
        let emb = Init::Randn {
            mean: 0.0,
            stdev: 0.1,
        };
        let tok = vb.get_with_hints((cfg.vocab_size, d), "tok_emb", emb)?;
        let pos_emb = vb.get_with_hints(
            (cfg.max_len, d),
            "pos_emb",
            Init::Randn {
                mean: 0.0,
                stdev: 0.02,
            },
        )?;
        let mut layers = Vec::with_capacity(cfg.n_layers);
        for i in 0..cfg.n_layers {
            let vb = vb.pp(format!("layers.{i}"));
            layers.push(Layer {
                ln1: Norm::new(d, eps, vb.pp("ln1"))?,
                q: linear(d, d, vb.pp("q"))?,
                k: linear(d, d, vb.pp("k"))?,
                v: linear(d, d, vb.pp("v"))?,
                o: linear(d, d, vb.pp("o"))?,
                ln2: Norm::new(d, eps, vb.pp("ln2"))?,
                ff1: linear(d, cfg.d_ff, vb.pp("ff1"))?,
                ff2: linear(cfg.d_ff, d, vb.pp("ff2"))?,
            });
        }
        Ok(TinyEncoder {
            cfg: cfg.clone(),
            tok_emb: Embedding::new(tok, d),
            pos_emb,
            layers,
            ln_f: Norm::new(d, eps, vb.pp("ln_f"))?,
            head: linear(d, 3, vb.pp("head"))?,
        })
    }

    /// Logits `[batch, 3]` for token ids `[batch, len]` (u32) and mask `[batch, len]` (u32 0/1).
    pub fn forward(&self, ids: &Tensor, mask: &Tensor, train: bool) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        if t > self.cfg.max_len {
            candle_core::bail!("{t} tokens exceed max_len {}", self.cfg.max_len);
        }
        let mask = mask.to_dtype(DType::F32)?;
        let mut x = self
            .tok_emb
            .forward(ids)?
            .broadcast_add(&self.pos_emb.narrow(0, 0, t)?)?;
        // Additive attention bias: 0 for real tokens, -1e9 for padding, shaped [b, 1, 1, t].
        let bias = ((mask.ones_like()? - &mask)? * -1e9)?.reshape((b, 1, 1, t))?;
        for layer in &self.layers {
            x = (&x + self.attention(layer, &layer.ln1.forward(&x, train)?, &bias, train)?)?;
            let h = layer
                .ff1
                .forward(&layer.ln2.forward(&x, train)?)?
                .gelu_erf()?;
            x = (&x + layer.ff2.forward(&h)?)?;
        }
        let x = self.ln_f.forward(&x, train)?;
        self.head.forward(&masked_mean(&x, &mask)?)
    }

    fn attention(&self, layer: &Layer, x: &Tensor, bias: &Tensor, train: bool) -> Result<Tensor> {
        let (b, t, d) = x.dims3()?;
        let (h, dh) = (self.cfg.n_heads, d / self.cfg.n_heads);
        let split = |l: &Linear| -> Result<Tensor> {
            l.forward(x)?
                .reshape((b, t, h, dh))?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = (split(&layer.q)?, split(&layer.k)?, split(&layer.v)?);
        let scores =
            (q.matmul(&k.t()?.contiguous()?)? / (dh as f64).sqrt())?.broadcast_add(bias)?;
        let att = softmax_last(&scores, train)?;
        let out = att.matmul(&v)?.transpose(1, 2)?.reshape((b, t, d))?;
        layer.o.forward(&out)
    }

    /// The configuration this network was built with.
    pub fn config(&self) -> &TinyConfig {
        &self.cfg
    }
}

/// Builds `[batch, len]` id and mask tensors from an encoded batch.
pub(crate) fn batch_tensors(
    enc: &super::tokenizer::Encoded,
    dev: &Device,
) -> Result<(Tensor, Tensor)> {
    let ids = Tensor::from_slice(&enc.ids, (enc.batch, enc.len), dev)?;
    let mask = Tensor::from_slice(&enc.mask, (enc.batch, enc.len), dev)?;
    Ok((ids, mask))
}
