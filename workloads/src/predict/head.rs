//! The linear classification head of the `bert` backend: `head.weight` `[3, hidden]` and `head.bias` `[3]`, trained
//! on frozen sentence embeddings and stored as a small `head.safetensors` next to the checkpoint.

use super::options::TrainOptions;
use super::seeded::SeededInit;
use super::{Label, PredictError};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{AdamW, Init, Linear, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use std::path::Path;

/// File name of the head inside a model or output folder.
pub const HEAD_FILE: &str = "head.safetensors";

fn build(hidden: usize, vb: &VarBuilder) -> candle_core::Result<Linear> {
    let w = vb.get_with_hints(
        (3, hidden),
        "head.weight",
        Init::Randn {
            mean: 0.0,
            stdev: 0.02,
        },
    )?;
    let b = vb.get_with_hints(3, "head.bias", Init::Const(0.0))?;
    Ok(Linear::new(w, Some(b)))
}

/// Loads a head for embeddings of width `hidden`; the error names the file and how to make it.
pub(crate) fn load(path: &Path, hidden: usize) -> Result<Linear, PredictError> {
    let bytes = std::fs::read(path).map_err(|e| PredictError::Artifact {
        path: path.to_path_buf(),
        reason: format!("{e} (train one with `workloads train --backend bert --model-dir DIR`)"),
    })?;
    let vb =
        VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu).map_err(|e| {
            PredictError::Artifact {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
    build(hidden, &vb).map_err(|e| PredictError::Artifact {
        path: path.to_path_buf(),
        reason: format!("{e} (was this head trained for another checkpoint?)"),
    })
}

/// Fits a head on `features` `[n, hidden]` with full-batch AdamW (lr = 10 × `opts.learning_rate`, `opts.epochs` × 10
/// steps); returns the head and its variables (for saving).
pub(crate) fn fit(
    features: &Tensor,
    labels: &[Label],
    opts: &TrainOptions,
) -> Result<(Linear, VarMap), PredictError> {
    let (_, hidden) = features.dims2()?;
    let init = SeededInit::new(opts.seed);
    let vars = init.vars();
    let head = build(
        hidden,
        &VarBuilder::from_backend(Box::new(init), DType::F32, Device::Cpu),
    )?;
    let targets = Tensor::from_vec(
        labels.iter().map(|l| l.index() as u32).collect::<Vec<_>>(),
        labels.len(),
        &Device::Cpu,
    )?;
    let params = ParamsAdamW {
        lr: opts.learning_rate * 10.0,
        weight_decay: opts.weight_decay,
        ..ParamsAdamW::default()
    };
    let mut sorted: Vec<_> = vars
        .data()
        .lock()
        .map_err(|_| PredictError::Model("poisoned lock".into()))?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut opt = AdamW::new(sorted.into_iter().map(|(_, v)| v).collect(), params)?;
    for _ in 0..opts.epochs * 10 {
        let loss = candle_nn::loss::cross_entropy(&head.forward(features)?, &targets)?;
        opt.backward_step(&loss)?;
    }
    Ok((head, vars))
}
