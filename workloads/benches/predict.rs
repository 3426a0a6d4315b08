//! Criterion benches of the predict workload: single-sentence latency and batch-of-32 throughput, for the embedded
//! `tiny` model and for `bert` with all-MiniLM-L6-v2 when `scripts/fetch-minilm.sh` has fetched it (the bert group is
//! skipped with a printed reason otherwise). Run: `cargo bench -p workloads --bench predict`.
//!
//! `minilm-embed/{bert-cpu,candle}` set our encoder (what `bert` runs) beside candle-transformers' `BertModel` on the
//! same tokenised sentence, so the ratio between them is measured in one run.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config as CandleConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::{Path, PathBuf};
use workloads::predict::Classifier;
use workloads::predict::bert::BertClassifier;
use workloads::predict::encoder;
use workloads::predict::tiny::TinyClassifier;
use workloads::predict::tokenizer::encode;

const SENTENCE: &str = "driving 10 hours";
const BATCH: [&str; 4] = [
    "take the tram to the stadium",
    "fly from Berlin to Rome",
    "walk the dog",
    "drive an SUV to work",
];

fn bench_model(c: &mut Criterion, name: &str, model: &dyn Classifier) {
    let mut g = c.benchmark_group(format!("predict/{name}"));
    g.throughput(Throughput::Elements(1));
    g.bench_function("single", |b| {
        b.iter(|| model.classify(SENTENCE).map(|p| p.score))
    });
    let batch: Vec<&str> = BATCH.iter().copied().cycle().take(32).collect();
    g.throughput(Throughput::Elements(32));
    g.bench_function("batch32", |b| {
        b.iter(|| model.classify_batch(&batch).map(|p| p.len()))
    });
    g.finish();
}

fn minilm_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("CARBON_HARNESS_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/carbon-harness"))
        })?;
    let dir = cache.join("all-MiniLM-L6-v2");
    dir.join("model.safetensors").is_file().then_some(dir)
}

/// Our encoder and candle's `BertModel` embedding the same single sentence (tokenised once, outside the timing).
fn bench_embed_side_by_side(
    c: &mut Criterion,
    dir: &Path,
    classifier: &BertClassifier,
) -> candle_core::Result<()> {
    let text = std::fs::read_to_string(dir.join("config.json"))?;
    let candle_cfg: CandleConfig = serde_json::from_str(&text).map_err(candle_core::Error::wrap)?;
    let cfg: encoder::Config = serde_json::from_str(&text).map_err(candle_core::Error::wrap)?;
    let bytes = std::fs::read(dir.join("model.safetensors"))?;
    let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu)?;
    let candle = BertModel::load(vb.clone(), &candle_cfg)?;
    let ours = encoder::load(&vb, &cfg).map_err(candle_core::Error::wrap)?;
    let enc = encode(classifier.embedder().tokenizer(), &[SENTENCE], true)
        .map_err(candle_core::Error::wrap)?;
    let ids = Tensor::from_slice(&enc.ids, (1, enc.len), &Device::Cpu)?;
    let mask = Tensor::from_slice(&enc.mask, (1, enc.len), &Device::Cpu)?;
    let types = ids.zeros_like()?;
    let maskf = mask.to_dtype(DType::F32)?;
    let mut g = c.benchmark_group("minilm-embed");
    g.bench_function("bert-cpu", |b| {
        b.iter(|| ours.embed(&enc.ids, &enc.mask, 1).map(|v| v[0]))
    });
    g.bench_function("candle", |b| {
        b.iter(|| {
            let h = candle.forward(&ids, &types, Some(&mask))?;
            h.broadcast_mul(&maskf.unsqueeze(2)?)?
                .sum(1)?
                .broadcast_div(&maskf.sum_keepdim(1)?)
        })
    });
    g.finish();
    Ok(())
}

fn benches(c: &mut Criterion) {
    match TinyClassifier::embedded() {
        Ok(tiny) => bench_model(c, "tiny", &tiny),
        Err(e) => eprintln!("tiny bench skipped: {e}"),
    }
    let head = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/minilm/head.safetensors");
    match minilm_dir().map(|dir| BertClassifier::load(&dir, Some(&head))) {
        Some(Ok(bert)) => {
            bench_model(c, "bert-minilm", &bert);
            let side_by_side = minilm_dir().map(|dir| bench_embed_side_by_side(c, &dir, &bert));
            if let Some(Err(e)) = side_by_side {
                eprintln!("minilm-embed bench skipped: {e}");
            }
        }
        Some(Err(e)) => eprintln!("bert bench skipped: {e}"),
        None => eprintln!(
            "bert bench skipped: all-MiniLM-L6-v2 not in the cache; run scripts/fetch-minilm.sh"
        ),
    }
}

criterion_group!(predict, benches);
criterion_main!(predict);
