//! Retrains the predict models until `workloads train` exists (same library functions, default options):
//!
//! ```text
//! cargo run -p workloads --example train -- tiny workloads/models/tiny
//! cargo run -p workloads --example train -- bert "$(scripts/fetch-minilm.sh)" workloads/models/minilm
//! ```

use anyhow::{Context, bail};
use std::path::PathBuf;
use workloads::predict::bert::BertEmbedder;
use workloads::predict::dataset::Dataset;
use workloads::predict::train::{TrainOptions, train_bert_head, train_tiny};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ds = Dataset::embedded()?;
    let opts = TrainOptions::default();
    let started = std::time::Instant::now();
    let report = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["tiny", out] => train_tiny(&ds, &opts, &PathBuf::from(out))?,
        ["bert", model_dir, out] => {
            let embedder =
                BertEmbedder::load(&PathBuf::from(model_dir)).context("loading the checkpoint")?;
            train_bert_head(&ds, embedder, &opts, &PathBuf::from(out))?.0
        }
        _ => bail!("usage: train tiny OUT_DIR | train bert MODEL_DIR OUT_DIR"),
    };
    let m = &report.metrics;
    println!(
        "{} ({}): test accuracy {:.3}, macro-F1 {:.3} on {} rows; trained in {:.1} s; wrote {:?}",
        m.backend,
        m.model,
        m.test.accuracy,
        m.test.macro_f1,
        m.test.n,
        started.elapsed().as_secs_f64(),
        report.files
    );
    Ok(())
}
