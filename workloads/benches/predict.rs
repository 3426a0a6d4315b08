//! Criterion benches of the predict workload: single-sentence latency and batch-of-32 throughput, for the embedded
//! `tiny` model and for `bert` with all-MiniLM-L6-v2 when `scripts/fetch-minilm.sh` has fetched it (the bert group is
//! skipped with a printed reason otherwise). Run: `cargo bench -p workloads --bench predict`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::PathBuf;
use workloads::predict::Classifier;
use workloads::predict::bert::BertClassifier;
use workloads::predict::tiny::TinyClassifier;

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

fn benches(c: &mut Criterion) {
    match TinyClassifier::embedded() {
        Ok(tiny) => bench_model(c, "tiny", &tiny),
        Err(e) => eprintln!("tiny bench skipped: {e}"),
    }
    let head = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/minilm/head.safetensors");
    match minilm_dir().map(|dir| BertClassifier::load(&dir, Some(&head))) {
        Some(Ok(bert)) => bench_model(c, "bert-minilm", &bert),
        Some(Err(e)) => eprintln!("bert bench skipped: {e}"),
        None => eprintln!(
            "bert bench skipped: all-MiniLM-L6-v2 not in the cache; run scripts/fetch-minilm.sh"
        ),
    }
}

criterion_group!(predict, benches);
criterion_main!(predict);
