//! Training, deterministic under a seed: the `tiny` model from scratch, and the linear head of the `bert` backend.
//!
//! Entry points used by `workloads train` and by `harness train`: [`train_tiny`] and [`train_bert_head`]. Both read
//! only the `train` rows of the dataset, score the `test` rows, and write their artifacts atomically (temp file and
//! rename) into an output folder. Same dataset + same options (seed included) → same files on the same machine.
//!
//! `tiny` recipe: WordPiece vocabulary from the training texts; AdamW (lr 2e-3 decaying linearly to 0, weight decay
//! 0.01) on cross-entropy, batches of 16 shuffled by a ChaCha8 stream seeded from `seed`; each training token is
//! replaced by `[UNK]` with probability 0.2 (token dropout), which teaches the model to cope with unseen words.

use super::dataset::{Dataset, Example, Split};
use super::metrics::{Scores, score};
use super::seeded::SeededInit;
use super::tiny::TinyClassifier;
use super::tiny_model::{TinyConfig, TinyEncoder};
use super::tokenizer::{UNK, build_wordpiece};
use super::{Classifier, Label, PredictError};
use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use super::options::TrainOptions;

/// What a training run measured; saved as `metrics.json` (no timings, so a rerun writes the same bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainMetrics {
    /// `tiny` or `bert`.
    pub backend: String,
    /// Model name (`tiny`, or the checkpoint folder name for `bert`).
    pub model: String,
    /// The options used.
    pub options: TrainOptions,
    /// Training rows seen.
    pub train_rows: usize,
    /// Scores on the training rows.
    pub train: Scores,
    /// Scores on the held-out test rows.
    pub test: Scores,
}

/// The result of a run: the metrics and where the artifacts went.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Also written to `out/metrics.json`.
    pub metrics: TrainMetrics,
    /// The artifact files written.
    pub files: Vec<PathBuf>,
}

/// Writes `bytes` to `path` atomically (temp file in the same folder, then rename).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PredictError> {
    let tmp = path.with_extension("tmp");
    let io = |source| PredictError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

pub(crate) fn create_dir(out: &Path) -> Result<(), PredictError> {
    std::fs::create_dir_all(out).map_err(|source| PredictError::Write {
        path: out.to_path_buf(),
        source,
    })
}

/// Scores a classifier on some rows (in batches of 64).
pub fn evaluate(model: &dyn Classifier, rows: &[&Example]) -> Result<Scores, PredictError> {
    let mut predicted = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(64) {
        let texts: Vec<&str> = chunk.iter().map(|e| e.text.as_str()).collect();
        predicted.extend(model.classify_batch(&texts)?.into_iter().map(|p| p.label));
    }
    let truth: Vec<Label> = rows.iter().map(|e| e.label).collect();
    Ok(score(&truth, &predicted))
}

/// Trains the `tiny` model on the `train` rows of `dataset` and writes `config.json`, `model.safetensors`,
/// `tokenizer.json` and `metrics.json` into `out` (created if missing). Takes a few seconds on one core.
pub fn train_tiny(
    dataset: &Dataset,
    opts: &TrainOptions,
    out: &Path,
) -> Result<TrainReport, PredictError> {
    let train_rows = dataset.split(Split::Train);
    if train_rows.is_empty() || opts.batch_size == 0 || opts.epochs == 0 {
        return Err(PredictError::Model(
            "need training rows, --epochs ≥ 1 and a batch size ≥ 1".into(),
        ));
    }
    let tokenizer = build_wordpiece(train_rows.iter().map(|e| e.text.as_str()))?;
    let cfg = TinyConfig::small(tokenizer.get_vocab_size(true));
    let unk = tokenizer.token_to_id(UNK).unwrap_or(1);
    let encoded: Vec<Vec<u32>> = train_rows
        .iter()
        .map(|e| {
            let enc = tokenizer
                .encode(e.text.as_str(), false)
                .map_err(|e| PredictError::Tokenizer(e.to_string()))?;
            Ok(enc.get_ids().iter().copied().take(cfg.max_len).collect())
        })
        .collect::<Result<_, PredictError>>()?;
    let init = SeededInit::new(opts.seed);
    let vars = init.vars();
    let model = TinyEncoder::new(
        &cfg,
        VarBuilder::from_backend(Box::new(init), DType::F32, Device::Cpu),
    )?;
    fit(&model, &vars, &encoded, &train_rows, unk, opts)?;

    let classifier = TinyClassifier::from_parts(model, tokenizer.clone())?;
    let metrics = TrainMetrics {
        backend: "tiny".into(),
        model: "tiny".into(),
        options: opts.clone(),
        train_rows: train_rows.len(),
        train: evaluate(&classifier, &train_rows)?,
        test: evaluate(&classifier, &dataset.split(Split::Test))?,
    };
    create_dir(out)?;
    let files = vec![
        (out.join("config.json"), pretty_json(&cfg)?),
        (
            out.join("tokenizer.json"),
            tokenizer
                .to_string(true)
                .map_err(|e| PredictError::Tokenizer(e.to_string()))?
                .into_bytes(),
        ),
        (out.join("model.safetensors"), safetensors_bytes(&vars)?),
        (out.join("metrics.json"), pretty_json(&metrics)?),
    ];
    for (path, bytes) in &files {
        write_atomic(path, bytes)?;
    }
    Ok(TrainReport {
        metrics,
        files: files.into_iter().map(|(p, _)| p).collect(),
    })
}

fn fit(
    model: &TinyEncoder,
    vars: &candle_nn::VarMap,
    encoded: &[Vec<u32>],
    rows: &[&Example],
    unk: u32,
    opts: &TrainOptions,
) -> Result<(), PredictError> {
    let params = ParamsAdamW {
        lr: opts.learning_rate,
        weight_decay: opts.weight_decay,
        ..ParamsAdamW::default()
    };
    let mut all = vars
        .data()
        .lock()
        .map_err(|_| PredictError::Model("poisoned lock".into()))?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<Vec<_>>();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut opt = AdamW::new(all.into_iter().map(|(_, v)| v).collect(), params)?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5eed_5eed);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let steps_per_epoch = rows.len().div_ceil(opts.batch_size);
    let total = (steps_per_epoch * opts.epochs) as f64;
    let mut step = 0usize;
    for _ in 0..opts.epochs {
        order.shuffle(&mut rng);
        for batch in order.chunks(opts.batch_size) {
            opt.set_learning_rate(opts.learning_rate * (1.0 - step as f64 / total));
            let (ids, mask, labels) =
                training_batch(batch, encoded, rows, unk, opts.unk_dropout, &mut rng)?;
            let logits = model.forward(&ids, &mask, true)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &labels)?;
            opt.backward_step(&loss)?;
            step += 1;
        }
    }
    Ok(())
}

fn training_batch(
    batch: &[usize],
    encoded: &[Vec<u32>],
    rows: &[&Example],
    unk: u32,
    dropout: f64,
    rng: &mut ChaCha8Rng,
) -> Result<(Tensor, Tensor, Tensor), PredictError> {
    let len = batch
        .iter()
        .map(|&i| encoded[i].len())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut ids = vec![0u32; batch.len() * len];
    let mut mask = vec![0u32; batch.len() * len];
    for (r, &i) in batch.iter().enumerate() {
        for (c, &id) in encoded[i].iter().enumerate() {
            ids[r * len + c] = if rng.random::<f64>() < dropout {
                unk
            } else {
                id
            };
            mask[r * len + c] = 1;
        }
    }
    let labels: Vec<u32> = batch
        .iter()
        .map(|&i| rows[i].label.index() as u32)
        .collect();
    let dev = Device::Cpu;
    Ok((
        Tensor::from_vec(ids, (batch.len(), len), &dev)?,
        Tensor::from_vec(mask, (batch.len(), len), &dev)?,
        Tensor::from_vec(labels, batch.len(), &dev)?,
    ))
}

/// Pretty JSON with a trailing newline.
pub(crate) fn pretty_json<T: Serialize>(v: &T) -> Result<Vec<u8>, PredictError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| PredictError::Model(e.to_string()))?;
    s.push('\n');
    Ok(s.into_bytes())
}

/// Serialises every variable of `vars` as safetensors bytes (tensors sorted by name by the format).
pub(crate) fn safetensors_bytes(vars: &candle_nn::VarMap) -> Result<Vec<u8>, PredictError> {
    let data = vars
        .data()
        .lock()
        .map_err(|_| PredictError::Model("poisoned lock".into()))?;
    let tensors: Vec<(String, Tensor)> = data
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
        .collect();
    drop(data);
    let mut sorted = tensors;
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    safetensors::tensor::serialize(sorted.iter().map(|(k, t)| (k.as_str(), t)), None)
        .map_err(|e| PredictError::Model(e.to_string()))
}

/// Trains the `bert` backend's linear head on frozen mean-pooled embeddings of the `train` rows, scores the `test`
/// rows, and writes `head.safetensors` and `metrics.json` into `out` (created if missing).
///
/// `options.epochs × 10` full-batch AdamW steps at 10 × `options.learning_rate`.
pub fn train_bert_head(
    dataset: &Dataset,
    embedder: super::bert::BertEmbedder,
    opts: &TrainOptions,
    out: &Path,
) -> Result<(TrainReport, super::bert::BertClassifier), PredictError> {
    let train_rows = dataset.split(Split::Train);
    if train_rows.is_empty() || opts.epochs == 0 {
        return Err(PredictError::Model(
            "need training rows and --epochs ≥ 1".into(),
        ));
    }
    let mut chunks = Vec::new();
    for chunk in train_rows.chunks(32) {
        let texts: Vec<&str> = chunk.iter().map(|e| e.text.as_str()).collect();
        chunks.push(embedder.embed(&texts)?);
    }
    let features = Tensor::cat(&chunks, 0)?;
    let labels: Vec<Label> = train_rows.iter().map(|e| e.label).collect();
    let (head, vars) = super::head::fit(&features, &labels, opts)?;
    let model = embedder.name().to_string();
    let classifier = super::bert::BertClassifier::new(embedder, head);
    let metrics = TrainMetrics {
        backend: "bert".into(),
        model,
        options: opts.clone(),
        train_rows: train_rows.len(),
        train: evaluate(&classifier, &train_rows)?,
        test: evaluate(&classifier, &dataset.split(Split::Test))?,
    };
    create_dir(out)?;
    let files = vec![
        (out.join(super::head::HEAD_FILE), safetensors_bytes(&vars)?),
        (out.join("metrics.json"), pretty_json(&metrics)?),
    ];
    for (path, bytes) in &files {
        write_atomic(path, bytes)?;
    }
    Ok((
        TrainReport {
            metrics,
            files: files.into_iter().map(|(p, _)| p).collect(),
        },
        classifier,
    ))
}
