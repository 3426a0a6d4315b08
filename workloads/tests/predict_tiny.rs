//! The committed `tiny` model: its test-split scores, its generalisation to new phrasings, and its library contract.

use std::sync::Arc;
use workloads::predict::dataset::{Dataset, Split};
use workloads::predict::tiny::{EMBEDDED_METRICS, TinyClassifier};
use workloads::predict::train::{TrainMetrics, TrainOptions, evaluate, train_tiny};
use workloads::predict::{Classifier, Label, PredictError};

fn model() -> TinyClassifier {
    TinyClassifier::embedded().expect("the embedded tiny model loads")
}

#[test]
fn committed_weights_reach_macro_f1_080_on_the_test_split_as_reported() {
    let ds = Dataset::embedded().expect("dataset");
    let test = ds.split(Split::Test);
    let scores = evaluate(&model(), &test).expect("evaluates");
    assert!(
        scores.macro_f1 >= 0.80,
        "macro-F1 {:.3} < 0.80: {scores:?}",
        scores.macro_f1
    );
    let reported: TrainMetrics =
        serde_json::from_str(EMBEDDED_METRICS).expect("metrics.json parses");
    assert_eq!(reported.test.n, test.len());
    assert!(
        (reported.test.macro_f1 - scores.macro_f1).abs() < 1e-9,
        "metrics.json says {}",
        reported.test.macro_f1
    );
    assert!((reported.test.accuracy - scores.accuracy).abs() < 1e-9);
    assert_eq!(
        reported.options,
        TrainOptions::default(),
        "committed artifacts must come from the default options"
    );
}

/// Hand-written phrasings unlike the training rows (new verbs, tenses, word order, places).
const PARAPHRASES: &[(&str, Label)] = &[
    ("pedalled to the bakery this morning", Label::Low),
    ("a stroll to the corner shop", Label::Low),
    ("jogging around the block twice", Label::Low),
    ("we hiked all weekend in the mountains", Label::Low),
    ("going on foot to the office", Label::Low),
    ("biked 30 km yesterday", Label::Low),
    ("paddling a kayak on the river", Label::Low),
    ("cycling to school with the kids", Label::Low),
    ("hopped on the subway downtown", Label::Medium),
    ("took a train to Brussels for a meeting", Label::Medium),
    ("riding a tram through Lisbon", Label::Medium),
    ("commuting by metro", Label::Medium),
    ("an intercity coach to Krakow", Label::Medium),
    ("my 80 km commute in an electric car", Label::Medium),
    ("catching the bus to the market", Label::Medium),
    ("the ferry over to the island", Label::Medium),
    ("hop on a plane to Madrid", Label::High),
    ("flying off to Bali", Label::High),
    ("a long drive in my pickup truck", Label::High),
    ("flew business class to Singapore", Label::High),
    ("took an Uber across the city", Label::High),
    ("road trip in a diesel camper", Label::High),
    ("a helicopter transfer to the yacht", Label::High),
    ("motorcycle trip through the mountains", Label::High),
    ("cruising the Caribbean on a huge ship", Label::High),
];

#[test]
fn generalises_to_phrasings_it_never_saw() {
    let m = model();
    let texts: Vec<&str> = PARAPHRASES.iter().map(|(t, _)| *t).collect();
    let preds = m.classify_batch(&texts).expect("classifies");
    let wrong: Vec<String> = PARAPHRASES
        .iter()
        .zip(&preds)
        .filter(|((_, want), p)| p.label != *want)
        .map(|((t, want), p)| format!("{t:?}: want {want}, got {} ({:.2})", p.label, p.score))
        .collect();
    let right = PARAPHRASES.len() - wrong.len();
    eprintln!(
        "paraphrases: {right}/{} right; wrong: {wrong:#?}",
        PARAPHRASES.len()
    );
    assert!(
        right * 100 >= PARAPHRASES.len() * 80,
        "{right}/{} right; wrong: {wrong:#?}",
        PARAPHRASES.len()
    );
}

#[test]
fn batch_and_single_agree_despite_padding() {
    let m = model();
    let texts = [
        "fly",
        "take a regional train from Berlin to Leipzig with my grandparents",
    ];
    let batch = m.classify_batch(&texts).expect("batch");
    for (t, b) in texts.iter().zip(&batch) {
        let one = m.classify(t).expect("single");
        assert_eq!(one.label, b.label);
        for i in 0..3 {
            assert!(
                (one.scores[i] - b.scores[i]).abs() < 1e-4,
                "{t}: {one:?} vs {b:?}"
            );
        }
        assert!((b.scores.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(b.score, b.scores[b.label.index()]);
    }
}

#[test]
fn shared_across_threads() {
    let m: Arc<dyn Classifier> = Arc::new(model());
    let want = m.classify("driving 10 hours").expect("classifies");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let m = Arc::clone(&m);
            std::thread::spawn(move || m.classify("driving 10 hours").map(|p| p.label))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread").expect("classifies"), want.label);
    }
    assert_eq!(want.label, Label::High, "the workshop's own example");
    assert_eq!(m.model_name(), "tiny");
}

#[test]
fn bad_input_and_missing_files_are_clear_errors() {
    let m = model();
    assert!(matches!(m.classify(""), Err(PredictError::EmptyText)));
    assert!(matches!(m.classify(" \t "), Err(PredictError::EmptyText)));
    assert!(
        m.classify("🚲 ✈").is_ok(),
        "unknown symbols map to [UNK], not an error"
    );
    let long = "drive ".repeat(500);
    assert!(
        m.classify(&long).is_ok(),
        "long texts are truncated to max_len"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let err = TinyClassifier::load(dir.path()).expect_err("empty folder");
    let msg = err.to_string();
    assert!(
        msg.contains("config.json") && msg.contains("workloads train"),
        "{msg}"
    );
}

#[test]
fn training_is_deterministic_under_a_seed_and_loadable() {
    let ds = Dataset::embedded().expect("dataset");
    let opts = TrainOptions {
        epochs: 2,
        ..TrainOptions::default()
    };
    let (a, b, c) = (
        tempfile::tempdir().expect("t"),
        tempfile::tempdir().expect("t"),
        tempfile::tempdir().expect("t"),
    );
    train_tiny(&ds, &opts, a.path()).expect("trains");
    train_tiny(&ds, &opts, b.path()).expect("trains");
    train_tiny(
        &ds,
        &TrainOptions {
            seed: 7,
            ..opts.clone()
        },
        c.path(),
    )
    .expect("trains");
    let read =
        |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).expect("artifact written");
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "metrics.json",
    ] {
        assert_eq!(
            read(&a, f),
            read(&b, f),
            "{f} differs between two runs with the same seed"
        );
    }
    assert_ne!(
        read(&a, "model.safetensors"),
        read(&c, "model.safetensors"),
        "the seed must matter"
    );
    // The tokenizer depends only on the training split: identical to the committed one.
    assert_eq!(
        read(&a, "tokenizer.json"),
        workloads::predict::tiny::EMBEDDED_TOKENIZER
    );
    let loaded = TinyClassifier::load(a.path()).expect("a trained folder loads");
    assert!(loaded.classify("fly to Rome").is_ok());
}
