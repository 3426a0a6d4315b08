//! BERT encoder inference on the CPU: the forward pass of Hugging Face's `BertModel` (absolute positions, post-layer
//! norm, every token of type 0) and mean pooling over real tokens, as sentence-transformers computes
//! all-MiniLM-L6-v2 embeddings.
//!
//! Why a crate of its own: a single sentence is 5–20 token rows, so each dense layer is a skinny product and the
//! forward is dominated by streaming the weights and by per-op overhead, where a general tensor library re-packs
//! every weight matrix on every call and allocates a tensor per op. Here weights are packed once and
//! the forward reuses a handful of buffers (`kernels.rs`). Being its own workspace member lets dev and test builds optimise it
//! (`[profile.dev.package.bert-cpu]`) without optimising all of `workloads`.
//!
//! The crate reads no files: [`Encoder::load`] asks a caller-supplied function for each tensor by its Hugging Face
//! name (`workloads::predict::encoder` reads them from safetensors through candle, whose `BertModel` is the
//! reference the tests compare this forward with).

mod kernels;

pub use kernels::Activation;
use kernels::{AttentionShape, Dense, Isa, add_layer_norm, attention};

/// What went wrong; every message names the tensor or the input at fault.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// The weight source could not supply a tensor (missing, wrong shape, unreadable).
    #[error("tensor {name}: {reason}")]
    Weight { name: String, reason: String },
    /// The configuration is inconsistent.
    #[error("config: {0}")]
    Config(String),
    /// The token ids or mask passed to the forward are malformed.
    #[error("input: {0}")]
    Input(String),
}

/// The dimensions and constants of a BERT checkpoint (its `config.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f32,
    pub activation: Activation,
}

/// A layer norm's weight and bias.
#[derive(Debug, Clone)]
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// One transformer layer.
#[derive(Debug, Clone)]
struct Layer {
    qkv: Dense,
    attn_out: Dense,
    attn_norm: Norm,
    intermediate: Dense,
    output: Dense,
    out_norm: Norm,
}

/// The packed encoder.
#[derive(Debug, Clone)]
pub struct Encoder {
    cfg: Config,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type0: Vec<f32>,
    emb_norm: Norm,
    layers: Vec<Layer>,
    isa: Isa,
}

/// Fetches tensors by name with their expected shape; checks the length it gets back.
struct Loader<F> {
    get: F,
}

impl<F: FnMut(&str, &[usize]) -> Result<Vec<f32>, String>> Loader<F> {
    fn tensor(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, EncoderError> {
        let err = |reason: String| EncoderError::Weight {
            name: name.to_string(),
            reason,
        };
        let v = (self.get)(name, shape).map_err(err)?;
        let want: usize = shape.iter().product();
        if v.len() != want {
            return Err(err(format!("{} values, expected {shape:?}", v.len())));
        }
        Ok(v)
    }

    fn norm(&mut self, prefix: &str, h: usize) -> Result<Norm, EncoderError> {
        Ok(Norm {
            weight: self.tensor(&format!("{prefix}.weight"), &[h])?,
            bias: self.tensor(&format!("{prefix}.bias"), &[h])?,
        })
    }

    fn linear(
        &mut self,
        prefix: &str,
        n: usize,
        k: usize,
    ) -> Result<(Vec<f32>, Vec<f32>), EncoderError> {
        Ok((
            self.tensor(&format!("{prefix}.weight"), &[n, k])?,
            self.tensor(&format!("{prefix}.bias"), &[n])?,
        ))
    }

    fn dense(&mut self, prefix: &str, n: usize, k: usize) -> Result<Dense, EncoderError> {
        let (w, b) = self.linear(prefix, n, k)?;
        Ok(Dense::new(&w, &b, n, k))
    }

    fn layer(&mut self, i: usize, cfg: &Config) -> Result<Layer, EncoderError> {
        let (h, m) = (cfg.hidden_size, cfg.intermediate_size);
        let p = format!("encoder.layer.{i}");
        let (qw, qb) = self.linear(&format!("{p}.attention.self.query"), h, h)?;
        let (kw, kb) = self.linear(&format!("{p}.attention.self.key"), h, h)?;
        let (vw, vb) = self.linear(&format!("{p}.attention.self.value"), h, h)?;
        Ok(Layer {
            qkv: Dense::concat(&[(&qw, &qb, h), (&kw, &kb, h), (&vw, &vb, h)], h),
            attn_out: self.dense(&format!("{p}.attention.output.dense"), h, h)?,
            attn_norm: self.norm(&format!("{p}.attention.output.LayerNorm"), h)?,
            intermediate: self.dense(&format!("{p}.intermediate.dense"), m, h)?,
            output: self.dense(&format!("{p}.output.dense"), h, m)?,
            out_norm: self.norm(&format!("{p}.output.LayerNorm"), h)?,
        })
    }
}

impl Encoder {
    /// Builds the encoder from tensors named as in a Hugging Face BERT checkpoint without a prefix
    /// (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, …; layer norms as
    /// `….LayerNorm.weight`/`.bias`). `get(name, shape)` returns the row-major values or why it cannot.
    pub fn load<F>(cfg: Config, get: F) -> Result<Encoder, EncoderError>
    where
        F: FnMut(&str, &[usize]) -> Result<Vec<f32>, String>,
    {
        if cfg.num_attention_heads == 0 || !cfg.hidden_size.is_multiple_of(cfg.num_attention_heads)
        {
            return Err(EncoderError::Config(format!(
                "hidden_size {} is not a positive multiple of num_attention_heads {}",
                cfg.hidden_size, cfg.num_attention_heads
            )));
        }
        let h = cfg.hidden_size;
        let mut l = Loader { get };
        let token_types = l.tensor(
            "embeddings.token_type_embeddings.weight",
            &[cfg.type_vocab_size, h],
        )?;
        let token_type0 = token_types.get(..h).map(<[f32]>::to_vec).ok_or_else(|| {
            EncoderError::Config("type_vocab_size is 0: BERT needs token type 0".into())
        })?;
        Ok(Encoder {
            word: l.tensor("embeddings.word_embeddings.weight", &[cfg.vocab_size, h])?,
            position: l.tensor(
                "embeddings.position_embeddings.weight",
                &[cfg.max_position_embeddings, h],
            )?,
            token_type0,
            emb_norm: l.norm("embeddings.LayerNorm", h)?,
            layers: (0..cfg.num_hidden_layers)
                .map(|i| l.layer(i, &cfg))
                .collect::<Result<_, _>>()?,
            isa: Isa::detect(),
            cfg,
        })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Mean-pooled embeddings `[batch, hidden]` (row-major) of `batch` rows of equally many token ids; `mask` is 1
    /// for a real token and 0 for padding, which is excluded from the attention and from the mean.
    pub fn embed(&self, ids: &[u32], mask: &[u32], batch: usize) -> Result<Vec<f32>, EncoderError> {
        let hidden = self.hidden_states(ids, mask, batch)?;
        let h = self.cfg.hidden_size;
        let len = ids.len() / batch.max(1);
        let mut pooled = vec![0.0f32; batch * h];
        for (b, out) in pooled.chunks_exact_mut(h).enumerate() {
            let mut count = 0.0f32;
            for t in (0..len).filter(|t| mask[b * len + t] != 0) {
                count += 1.0;
                for (o, v) in out.iter_mut().zip(&hidden[(b * len + t) * h..][..h]) {
                    *o += v;
                }
            }
            out.iter_mut().for_each(|o| *o /= count.max(1.0));
        }
        Ok(pooled)
    }

    /// The last layer's hidden states `[batch·len, hidden]`, padding rows included (as `BertModel` returns them).
    pub fn hidden_states(
        &self,
        ids: &[u32],
        mask: &[u32],
        batch: usize,
    ) -> Result<Vec<f32>, EncoderError> {
        let len = self.check_input(ids, mask, batch)?;
        let mut x = self.embeddings(ids, len)?;
        let heads = self.cfg.num_attention_heads;
        let shape = AttentionShape {
            seqs: batch,
            len,
            heads,
            head_dim: self.cfg.hidden_size / heads,
        };
        let eps = self.cfg.layer_norm_eps;
        let (mut qkv, mut ctx, mut attn, mut inter, mut out) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for l in &self.layers {
            l.qkv.forward(self.isa, &x, &mut qkv);
            attention(shape, &qkv, mask, &mut ctx);
            l.attn_out.forward(self.isa, &ctx, &mut attn);
            add_layer_norm(&mut attn, &x, &l.attn_norm.weight, &l.attn_norm.bias, eps);
            l.intermediate.forward(self.isa, &attn, &mut inter);
            self.cfg.activation.apply(&mut inter);
            l.output.forward(self.isa, &inter, &mut out);
            add_layer_norm(&mut out, &attn, &l.out_norm.weight, &l.out_norm.bias, eps);
            std::mem::swap(&mut x, &mut out);
        }
        Ok(x)
    }

    /// Tokens per row, after checking the shapes and that every row has a real token.
    fn check_input(&self, ids: &[u32], mask: &[u32], batch: usize) -> Result<usize, EncoderError> {
        let len = ids.len().checked_div(batch).unwrap_or(0);
        if batch == 0 || len == 0 || ids.len() != batch * len || mask.len() != ids.len() {
            return Err(EncoderError::Input(format!(
                "{} ids and {} mask values do not make {batch} non-empty rows of equal length",
                ids.len(),
                mask.len()
            )));
        }
        if len > self.cfg.max_position_embeddings {
            return Err(EncoderError::Input(format!(
                "{len} tokens exceed the model's {} positions: truncate the text",
                self.cfg.max_position_embeddings
            )));
        }
        if let Some(b) = mask
            .chunks_exact(len)
            .position(|row| row.iter().all(|m| *m == 0))
        {
            return Err(EncoderError::Input(format!(
                "row {b} has no real token (its mask is all 0)"
            )));
        }
        Ok(len)
    }

    /// Word + position + token-type-0 embeddings, layer-normalised: `[batch·len, hidden]`.
    fn embeddings(&self, ids: &[u32], len: usize) -> Result<Vec<f32>, EncoderError> {
        let h = self.cfg.hidden_size;
        let mut x = Vec::with_capacity(ids.len() * h);
        for (t, &id) in ids.iter().enumerate() {
            let id = id as usize;
            if id >= self.cfg.vocab_size {
                return Err(EncoderError::Input(format!(
                    "token id {id} is outside the vocabulary of {}",
                    self.cfg.vocab_size
                )));
            }
            let pos = &self.position[(t % len) * h..][..h];
            let word = &self.word[id * h..][..h];
            x.extend(
                word.iter()
                    .zip(&self.token_type0)
                    .zip(pos)
                    .map(|((w, t), p)| w + t + p),
            );
        }
        add_layer_norm(
            &mut x,
            &[],
            &self.emb_norm.weight,
            &self.emb_norm.bias,
            self.cfg.layer_norm_eps,
        );
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config {
            vocab_size: 10,
            hidden_size: 8,
            num_hidden_layers: 1,
            num_attention_heads: 2,
            intermediate_size: 16,
            max_position_embeddings: 6,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            activation: Activation::GeluErf,
        }
    }

    /// Deterministic small weights; layer norms as initialised (1 and 0).
    fn weights(name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let n: usize = shape.iter().product();
        Ok(if name.contains("LayerNorm") {
            vec![if name.ends_with("weight") { 1.0 } else { 0.0 }; n]
        } else {
            let seed = name.len() as f32;
            (0..n)
                .map(|i| ((i as f32 * 0.37 + seed).sin()) * 0.2)
                .collect()
        })
    }

    #[test]
    fn a_missing_or_misshapen_tensor_is_named() {
        let err = Encoder::load(cfg(), |name, shape| {
            if name == "encoder.layer.0.output.dense.weight" {
                Err("not in the checkpoint".into())
            } else {
                weights(name, shape)
            }
        })
        .expect_err("missing");
        assert!(
            err.to_string()
                .contains("encoder.layer.0.output.dense.weight"),
            "{err}"
        );
        let err = Encoder::load(cfg(), |_, _| Ok(vec![0.0; 3])).expect_err("short");
        assert!(err.to_string().contains("expected"), "{err}");
        let bad = Config {
            num_attention_heads: 3,
            ..cfg()
        };
        assert!(matches!(
            Encoder::load(bad, weights),
            Err(EncoderError::Config(_))
        ));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let enc = Encoder::load(cfg(), weights).expect("loads");
        let cases: [(&[u32], &[u32], usize, &str); 5] = [
            (&[1, 99], &[1, 1], 1, "99"),
            (&[1, 2, 3], &[1, 1], 1, "mask"),
            (&[], &[], 0, "rows"),
            (&[1; 7], &[1; 7], 1, "positions"),
            (&[1, 2, 0, 0], &[1, 1, 0, 0], 2, "row 1"),
        ];
        for (ids, mask, batch, needle) in cases {
            let err = enc.embed(ids, mask, batch).expect_err(needle);
            assert!(err.to_string().contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn padding_does_not_change_a_rows_embedding() {
        let enc = Encoder::load(cfg(), weights).expect("loads");
        let alone = enc.embed(&[2, 5, 3], &[1, 1, 1], 1).expect("alone");
        let padded = enc
            .embed(
                &[2, 5, 3, 0, 0, 2, 5, 7, 8, 3],
                &[1, 1, 1, 0, 0, 1, 1, 1, 1, 1],
                2,
            )
            .expect("padded");
        for (a, b) in alone.iter().zip(&padded[..8]) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        assert_ne!(
            &padded[..8],
            &padded[8..],
            "different sentences, different embeddings"
        );
    }

    #[test]
    fn parallel_and_single_threaded_forwards_agree() {
        let big = Config {
            hidden_size: 64,
            intermediate_size: 256,
            num_attention_heads: 4,
            max_position_embeddings: 64,
            ..cfg()
        };
        let enc = Encoder::load(big, weights).expect("loads");
        let ids: Vec<u32> = (0..32 * 40).map(|i| (i % 10) as u32).collect();
        let mask = vec![1; ids.len()];
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("pool")
        };
        let one = pool(1)
            .install(|| enc.embed(&ids, &mask, 32))
            .expect("one thread");
        let two = pool(2)
            .install(|| enc.embed(&ids, &mask, 32))
            .expect("two threads");
        assert_eq!(
            one, two,
            "rows are split, never a sum: results are bit-identical"
        );
    }
}
