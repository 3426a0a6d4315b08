//! `workloads train`: train a predict model deterministically and write its artifacts (`config.json`,
//! `model.safetensors`, `tokenizer.json`, `metrics.json` for tiny; `head.safetensors` and `metrics.json` for bert).

use crate::cli::{Backend, TrainArgs};
use crate::predict::bert::BertEmbedder;
use crate::predict::dataset::Dataset;
use crate::predict::train::{TrainOptions, TrainReport, train_bert_head, train_tiny};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// A validated `workloads train`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainPlan {
    /// Which backend.
    pub backend: Backend,
    /// The checkpoint folder (bert only).
    pub model_dir: Option<PathBuf>,
    /// Output folder.
    pub out: PathBuf,
    /// Dataset file; `None` = the embedded one.
    pub data: Option<PathBuf>,
    /// Training options (the defaults reproduce the committed artifacts).
    pub options: TrainOptions,
}

/// Checks the flag combinations.
pub fn plan(args: TrainArgs) -> anyhow::Result<TrainPlan> {
    let mut options = TrainOptions::default();
    if let Some(seed) = args.seed {
        options.seed = seed;
    }
    if let Some(epochs) = args.epochs {
        if epochs == 0 {
            anyhow::bail!("--epochs must be at least 1");
        }
        options.epochs = epochs;
    }
    let out = match (args.backend, &args.out, &args.model_dir) {
        (Backend::Tiny, None, _) => anyhow::bail!(
            "--out is required for --backend tiny (e.g. --out /tmp/tiny; --out workloads/models/tiny rewrites the \
             committed model)"
        ),
        (Backend::Tiny, Some(out), Some(_)) => {
            anyhow::bail!(
                "--model-dir is only for --backend bert (tiny is trained from scratch into {})",
                out.display()
            )
        }
        (Backend::Bert, _, None) => anyhow::bail!(
            "--backend bert needs --model-dir DIR, a BERT checkpoint folder (config.json, model.safetensors, \
             tokenizer.json); scripts/fetch-minilm.sh prints one for all-MiniLM-L6-v2"
        ),
        (_, Some(out), _) => out.clone(),
        (Backend::Bert, None, Some(dir)) => dir.clone(),
    };
    Ok(TrainPlan {
        backend: args.backend,
        model_dir: args.model_dir,
        out,
        data: args.data,
        options,
    })
}

/// Trains per the plan and returns the report (library entry point, also used by tests).
pub fn train(plan: &TrainPlan) -> anyhow::Result<TrainReport> {
    let data = match &plan.data {
        Some(path) => Dataset::load(path)?,
        None => Dataset::embedded()?,
    };
    Ok(match (&plan.backend, &plan.model_dir) {
        (Backend::Tiny, _) => train_tiny(&data, &plan.options, &plan.out)?,
        (Backend::Bert, Some(dir)) => {
            let embedder = BertEmbedder::load(dir)
                .with_context(|| format!("loading the checkpoint in {}", dir.display()))?;
            train_bert_head(&data, embedder, &plan.options, &plan.out)?.0
        }
        (Backend::Bert, None) => anyhow::bail!("--backend bert needs --model-dir"),
    })
}

/// Trains and prints the scores and the files written.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let plan = plan(args)?;
    let started = Instant::now();
    let report = train(&plan)?;
    let m = &report.metrics;
    println!(
        "{} ({}): test accuracy {:.3}, macro-F1 {:.3} on {} held-out rows (train macro-F1 {:.3}); {:.1} s",
        m.backend,
        m.model,
        m.test.accuracy,
        m.test.macro_f1,
        m.test.n,
        m.train.macro_f1,
        started.elapsed().as_secs_f64()
    );
    for file in &report.files {
        println!("  wrote {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}
