//! The `bert` backend: a tiny random BERT built in-process (no download), and all-MiniLM-L6-v2 when
//! `scripts/fetch-minilm.sh` has put it in the cache (skipped, with the reason printed, when it has not).

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::bert::{BertModel, Config as CandleConfig};
use std::path::{Path, PathBuf};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer};
use workloads::predict::bert::{BertClassifier, BertEmbedder};
use workloads::predict::dataset::{Dataset, Split};
use workloads::predict::encoder;
use workloads::predict::tokenizer::encode;
use workloads::predict::train::{TrainOptions, train_bert_head};
use workloads::predict::{Classifier, Label, PredictError};

const WORDS: &[&str] = &[
    "walk", "cycle", "run", "fly", "drive", "car", "plane", "train", "bus", "tram", "to", "the",
    "work", "rome",
];

/// Writes a random 2-layer BERT checkpoint folder whose tokenizer.json pads to a fixed 128 like MiniLM's does.
fn tiny_bert(dir: &Path) {
    let mut vocab = vec!["[PAD]", "[UNK]", "[CLS]", "[SEP]"];
    vocab.extend(WORDS);
    let vocab = WordPiece::read_bytes(vocab.join("\n").as_bytes()).expect("vocab");
    let wp = WordPiece::builder()
        .vocab(vocab)
        .unk_token("[UNK]".into())
        .build()
        .expect("wordpiece");
    let mut tok = Tokenizer::new(wp);
    tok.with_normalizer(Some(BertNormalizer::new(true, true, Some(true), true)))
        .expect("normalizer");
    tok.with_pre_tokenizer(Some(BertPreTokenizer));
    tok.with_post_processor(Some(BertProcessing::new(
        ("[SEP]".into(), 3),
        ("[CLS]".into(), 2),
    )));
    tok.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::Fixed(128),
        ..PaddingParams::default()
    }));
    tok.save(dir.join("tokenizer.json"), false)
        .expect("save tokenizer");
    let cfg = serde_json::json!({
        "vocab_size": 4 + WORDS.len(), "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 64, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "max_position_embeddings": 64,
        "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "classifier_dropout": null, "model_type": "bert"
    });
    std::fs::write(dir.join("config.json"), cfg.to_string()).expect("config");
    let config: CandleConfig = serde_json::from_value(cfg).expect("config parses");
    let vars = VarMap::new();
    BertModel::load(
        VarBuilder::from_varmap(&vars, DType::F32, &Device::Cpu),
        &config,
    )
    .expect("random bert");
    vars.save(dir.join("model.safetensors"))
        .expect("save weights");
}

fn toy_dataset() -> Dataset {
    let rows = "activity,label,split\nwalk to work,low,train\ncycle to work,low,train\nrun to the tram,low,test\n\
                take the train,medium,train\ntake the bus,medium,train\ntake the tram to work,medium,test\n\
                fly to rome,high,train\ndrive the car,high,train\nfly the plane to rome,high,test\n";
    Dataset::parse(rows, "toy").expect("toy dataset")
}

#[test]
fn random_bert_loads_pads_to_longest_trains_a_head_and_classifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    tiny_bert(dir.path());
    let embedder = BertEmbedder::load(dir.path()).expect("loads");
    let enc = embedder
        .tokenizer()
        .encode_batch(vec!["fly", "walk to the tram"], true)
        .expect("encodes");
    assert_eq!(
        enc[0].len(),
        6,
        "BatchLongest: [CLS] walk to the tram [SEP], never Fixed(128)"
    );
    assert_eq!(
        enc[0].get_ids()[..3],
        [2, 7, 3],
        "[CLS] fly [SEP] then padding"
    );
    let emb = embedder
        .embed(&["fly", "walk to the tram"])
        .expect("embeds");
    assert_eq!(emb.dims(), &[2, 32]);

    let out = tempfile::tempdir().expect("tempdir");
    let opts = TrainOptions {
        epochs: 20,
        ..TrainOptions::default()
    };
    let (report, trained) =
        train_bert_head(&toy_dataset(), embedder, &opts, out.path()).expect("head trains");
    assert_eq!(report.metrics.backend, "bert");
    assert_eq!(report.metrics.train_rows, 6);
    assert_eq!(report.metrics.test.n, 3);
    assert!(
        out.path().join("head.safetensors").is_file() && out.path().join("metrics.json").is_file()
    );
    let head_len = std::fs::metadata(out.path().join("head.safetensors"))
        .expect("head")
        .len();
    assert!(head_len < 4096, "the head is small: {head_len} bytes");

    let loaded = BertClassifier::load(dir.path(), Some(&out.path().join("head.safetensors")))
        .expect("loads with head");
    let texts = ["fly to rome", "walk to work"];
    let a = trained.classify_batch(&texts).expect("classifies");
    let b = loaded.classify_batch(&texts).expect("classifies");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.label, y.label);
        assert!((x.scores.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!((x.score - y.score).abs() < 1e-5);
    }
    assert!(loaded.model_name().starts_with("bert:"));
    assert!(matches!(loaded.classify(""), Err(PredictError::EmptyText)));
}

/// Our packed encoder and candle-transformers' `BertModel` (the reference) agree on every hidden state of a padded
/// batch loaded from the checkpoint in `dir`; returns the largest absolute difference.
fn encoder_matches_candle(dir: &Path) -> f32 {
    let text = std::fs::read_to_string(dir.join("config.json")).expect("config");
    let candle_cfg: CandleConfig = serde_json::from_str(&text).expect("candle's config parses");
    let cfg: encoder::Config = serde_json::from_str(&text).expect("our config parses");
    assert_same_config(&cfg, &candle_cfg);
    let vb = unsafe {
        // SAFETY: the test owns the file and nothing modifies it while it is mapped.
        VarBuilder::from_mmaped_safetensors(
            &[dir.join("model.safetensors")],
            DType::F32,
            &Device::Cpu,
        )
    }
    .expect("weights");
    let reference = BertModel::load(vb.clone(), &candle_cfg).expect("candle bert");
    let ours = encoder::load(&vb, &cfg).expect("our encoder");
    let embedder = BertEmbedder::load(dir).expect("loads");
    let texts = ["fly", "walk to the tram", "take the train to rome"];
    let enc = encode(embedder.tokenizer(), &texts, true).expect("encodes");
    let ids = Tensor::from_slice(&enc.ids, (enc.batch, enc.len), &Device::Cpu).expect("ids");
    let mask = Tensor::from_slice(&enc.mask, (enc.batch, enc.len), &Device::Cpu).expect("mask");
    let want: Vec<f32> = reference
        .forward(&ids, &ids.zeros_like().expect("zeros"), Some(&mask))
        .expect("reference forward")
        .flatten_all()
        .and_then(|t| t.to_vec1())
        .expect("to vec");
    let got = ours
        .hidden_states(&enc.ids, &enc.mask, enc.batch)
        .expect("our forward");
    assert_eq!(got.len(), want.len());
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-4,
        "largest difference from candle's BertModel: {worst}"
    );
    worst
}

/// Our `config.json` reader sees what candle-transformers' sees in every field the encoder uses.
fn assert_same_config(ours: &encoder::Config, candle: &CandleConfig) {
    let act = match candle.hidden_act {
        candle_transformers::models::bert::HiddenAct::Gelu => encoder::HiddenAct::Gelu,
        candle_transformers::models::bert::HiddenAct::GeluApproximate => {
            encoder::HiddenAct::GeluApproximate
        }
        candle_transformers::models::bert::HiddenAct::Relu => encoder::HiddenAct::Relu,
    };
    let theirs = encoder::Config {
        vocab_size: candle.vocab_size,
        hidden_size: candle.hidden_size,
        num_hidden_layers: candle.num_hidden_layers,
        num_attention_heads: candle.num_attention_heads,
        intermediate_size: candle.intermediate_size,
        hidden_act: act,
        max_position_embeddings: candle.max_position_embeddings,
        type_vocab_size: candle.type_vocab_size,
        layer_norm_eps: candle.layer_norm_eps,
        model_type: candle.model_type.clone(),
    };
    assert_eq!(ours, &theirs);
}

#[test]
fn config_reads_every_activation_as_candle_does_and_rejects_an_unknown_one() {
    let base = serde_json::json!({
        "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
        "intermediate_size": 16, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "max_position_embeddings": 16,
        "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0
    });
    for act in ["gelu", "geluapproximate", "relu"] {
        let mut v = base.clone();
        v["hidden_act"] = act.into();
        let ours: encoder::Config = serde_json::from_value(v.clone()).expect("ours parses");
        let candle: CandleConfig = serde_json::from_value(v).expect("candle's parses");
        assert_same_config(&ours, &candle);
    }
    let mut v = base;
    v["hidden_act"] = "swish".into();
    let err = serde_json::from_value::<encoder::Config>(v).expect_err("unknown activation");
    assert!(err.to_string().contains("swish"), "{err}");
}

#[test]
fn our_encoder_matches_candles_bert_on_a_random_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    tiny_bert(dir.path());
    let worst = encoder_matches_candle(dir.path());
    eprintln!("random BERT: largest hidden-state difference from candle {worst:e}");
}

#[test]
fn encoder_rejects_bad_ids_and_shapes_with_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    tiny_bert(dir.path());
    let cfg: encoder::Config = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("config.json")).expect("config"),
    )
    .expect("config parses");
    let vb = unsafe {
        // SAFETY: the test owns the file and nothing modifies it while it is mapped.
        VarBuilder::from_mmaped_safetensors(
            &[dir.path().join("model.safetensors")],
            DType::F32,
            &Device::Cpu,
        )
    }
    .expect("weights");
    let enc = encoder::load(&vb, &cfg).expect("our encoder");
    let err = enc
        .hidden_states(&[2, 9999, 3], &[1, 1, 1], 1)
        .expect_err("id out of range");
    assert!(err.to_string().contains("9999"), "{err}");
    let err = enc
        .hidden_states(&[2, 5, 3], &[1, 1], 1)
        .expect_err("mask too short");
    assert!(err.to_string().contains("mask"), "{err}");
    let long = vec![5u32; 65];
    let err = enc
        .hidden_states(&long, &vec![1; 65], 1)
        .expect_err("too long");
    assert!(err.to_string().contains("positions"), "{err}");
    let mut bad = cfg.clone();
    bad.hidden_size = 48;
    let err = encoder::load(&vb, &bad).expect_err("shape mismatch");
    assert!(err.to_string().contains("embeddings"), "{err}");
}

#[test]
fn missing_files_name_the_file_and_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = BertEmbedder::load(dir.path()).expect_err("empty folder");
    assert!(
        err.to_string().contains("config.json") && err.to_string().contains("fetch-minilm.sh"),
        "{err}"
    );
    tiny_bert(dir.path());
    let err = BertClassifier::load(dir.path(), None).expect_err("no head yet");
    assert!(
        err.to_string().contains("head.safetensors") && err.to_string().contains("--backend bert"),
        "{err}"
    );
}

/// Where `scripts/fetch-minilm.sh` puts all-MiniLM-L6-v2.
fn minilm_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("CARBON_HARNESS_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/carbon-harness"))
        })?;
    let dir = cache.join("all-MiniLM-L6-v2");
    dir.join("model.safetensors").is_file().then_some(dir)
}

#[test]
fn minilm_loads_tokenises_trains_and_classifies_when_fetched() {
    let Some(dir) = minilm_dir() else {
        eprintln!(
            "SKIPPED minilm test: all-MiniLM-L6-v2 not in the cache; run scripts/fetch-minilm.sh (CI does)"
        );
        return;
    };
    let worst = encoder_matches_candle(&dir);
    eprintln!("MiniLM: largest hidden-state difference from candle {worst:e}");
    let embedder = BertEmbedder::load(&dir).expect("MiniLM loads");
    assert_eq!(embedder.hidden_size(), 384);
    let enc = embedder
        .tokenizer()
        .encode("driving 10 hours", true)
        .expect("encodes");
    assert_eq!(
        enc.get_tokens(),
        ["[CLS]", "driving", "10", "hours", "[SEP]"],
        "no Fixed(128) padding"
    );
    let ds = Dataset::embedded().expect("dataset");
    let out = tempfile::tempdir().expect("tempdir");
    let (report, classifier) =
        train_bert_head(&ds, embedder, &TrainOptions::default(), out.path()).expect("head trains");
    let test = &report.metrics.test;
    assert_eq!(test.n, ds.split(Split::Test).len());
    assert!(
        test.macro_f1 > 0.6,
        "MiniLM head macro-F1 {:.3} on the test split",
        test.macro_f1
    );
    eprintln!(
        "MiniLM head: test accuracy {:.3}, macro-F1 {:.3}",
        test.accuracy, test.macro_f1
    );
    let p = classifier
        .classify("fly from Berlin to Rome")
        .expect("classifies");
    assert_eq!(p.label, Label::High, "{p:?}");
}
