//! Small building blocks shared by the `tiny` network and the heads: a layer norm and a softmax that are
//! differentiable while training and use candle's fused kernels at inference.
//!
//! candle-nn's `LayerNorm` module and `softmax_last_dim` call fused ops without a backward pass, so gradients would stop
//! there; training therefore takes the composed (slower, differentiable) path.

use candle_core::{D, Result, Tensor};
use candle_nn::VarBuilder;

/// Layer normalisation over the last dimension, with weight and bias.
#[derive(Debug, Clone)]
pub(crate) struct Norm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl Norm {
    /// Loads `{prefix}.weight` and `{prefix}.bias` of size `dim` (initialised to 1 and 0 when training).
    pub(crate) fn new(dim: usize, eps: f32, vb: VarBuilder) -> Result<Norm> {
        let weight = vb.get_with_hints(dim, "weight", candle_nn::Init::Const(1.0))?;
        let bias = vb.get_with_hints(dim, "bias", candle_nn::Init::Const(0.0))?;
        Ok(Norm { weight, bias, eps })
    }

    pub(crate) fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        if train {
            candle_nn::ops::layer_norm_slow(x, &self.weight, &self.bias, self.eps)
        } else {
            candle_nn::ops::layer_norm(&x.contiguous()?, &self.weight, &self.bias, self.eps)
        }
    }
}

/// Softmax over the last dimension.
pub(crate) fn softmax_last(x: &Tensor, train: bool) -> Result<Tensor> {
    if train {
        candle_nn::ops::softmax(x, D::Minus1)
    } else {
        candle_nn::ops::softmax_last_dim(&x.contiguous()?)
    }
}

/// Mean of the token vectors of `x` (`[batch, len, dim]`) where `mask` (`[batch, len]`, f32 0/1) is 1.
pub(crate) fn masked_mean(x: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let m = mask.unsqueeze(2)?;
    let summed = x.broadcast_mul(&m)?.sum(1)?;
    let counts = m.sum(1)?.clamp(1.0, f64::MAX)?;
    summed.broadcast_div(&counts)
}
