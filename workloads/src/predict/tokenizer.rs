//! Tokenizer glue: the WordPiece vocabulary of the `tiny` model, and batch encoding for both backends.
//!
//! The `tiny` vocabulary is built deterministically from the training split (no trainer with hash-map order involved):
//! BERT normalisation (lowercase, accents stripped) and BERT pre-tokenisation (whitespace and punctuation), then
//! `[PAD]`, `[UNK]`, every training word ordered by count then alphabet, and single characters plus a few English
//! suffixes as `##` continuations, so an unseen inflection (`cycled`) still splits into known pieces (`cycle ##d`).
//!
//! Encoding always pads to the longest sequence of the batch (`BatchLongest`), never to a fixed length: a
//! `tokenizer.json` that ships `padding: Fixed(128)` (all-MiniLM-L6-v2 does) costs 6× the compute per sentence.

use super::PredictError;
use std::collections::HashMap;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::{
    NormalizedString, Normalizer, OffsetReferential, OffsetType, PaddingParams, PaddingStrategy,
    PreTokenizedString, PreTokenizer, Tokenizer, TruncationParams,
};

/// Padding token of the `tiny` vocabulary (id 0).
pub const PAD: &str = "[PAD]";
/// Unknown-token of the `tiny` vocabulary (id 1).
pub const UNK: &str = "[UNK]";

/// Continuation pieces always in the `tiny` vocabulary, so inflected forms of training words stay readable.
const SUFFIXES: [&str; 14] = [
    "s", "es", "ed", "d", "ing", "er", "ers", "ly", "y", "n", "en", "ies", "ied", "ion",
];

fn tok_err(e: impl std::fmt::Display) -> PredictError {
    PredictError::Tokenizer(e.to_string())
}

/// Normalises and pre-tokenises `text` exactly as the built tokenizer does, returning its words.
pub fn words(text: &str) -> Result<Vec<String>, PredictError> {
    let mut normalized = NormalizedString::from(text);
    bert_normalizer()
        .normalize(&mut normalized)
        .map_err(tok_err)?;
    let mut pre = PreTokenizedString::from(normalized);
    BertPreTokenizer.pre_tokenize(&mut pre).map_err(tok_err)?;
    Ok(pre
        .get_splits(OffsetReferential::Normalized, OffsetType::None)
        .into_iter()
        .map(|(s, _, _)| s.to_string())
        .collect())
}

fn bert_normalizer() -> BertNormalizer {
    BertNormalizer::new(true, true, Some(true), true)
}

/// Builds the `tiny` WordPiece tokenizer from training texts (deterministic: same texts, same `tokenizer.json`).
pub fn build_wordpiece<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<Tokenizer, PredictError> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for text in texts {
        for w in words(text)? {
            *counts.entry(w).or_default() += 1;
        }
    }
    let mut ordered: Vec<(String, usize)> = counts.into_iter().collect();
    ordered.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut pieces: Vec<String> = vec![PAD.into(), UNK.into()];
    pieces.extend(ordered.into_iter().map(|(w, _)| w));
    let chars: Vec<String> = ('a'..='z').chain('0'..='9').map(String::from).collect();
    pieces.extend(chars.iter().cloned());
    pieces.extend(chars.iter().map(|c| format!("##{c}")));
    pieces.extend(SUFFIXES.iter().map(|s| format!("##{s}")));
    let mut seen = std::collections::HashSet::new();
    pieces.retain(|p| seen.insert(p.clone()));
    // One piece per line, id = line number (the `vocab.txt` format).
    let vocab = WordPiece::read_bytes(pieces.join("\n").as_bytes()).map_err(tok_err)?;
    let model = WordPiece::builder()
        .vocab(vocab)
        .unk_token(UNK.into())
        .build()
        .map_err(tok_err)?;
    let mut tok = Tokenizer::new(model);
    tok.with_normalizer(Some(bert_normalizer()))
        .map_err(tok_err)?;
    tok.with_pre_tokenizer(Some(BertPreTokenizer));
    Ok(tok)
}

/// Sets `BatchLongest` padding (with the tokenizer's own pad token, else `[PAD]`) and truncation to `max_len` tokens.
pub fn prepare(tok: &mut Tokenizer, max_len: usize) -> Result<(), PredictError> {
    let pad_token = tok
        .get_padding()
        .map(|p| p.pad_token.clone())
        .unwrap_or_else(|| PAD.to_string());
    let pad_id = tok.token_to_id(&pad_token).unwrap_or(0);
    tok.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        pad_id,
        pad_token,
        ..PaddingParams::default()
    }));
    tok.with_truncation(Some(TruncationParams {
        max_length: max_len,
        ..TruncationParams::default()
    }))
    .map_err(tok_err)?;
    Ok(())
}

/// A padded batch: `ids` and `mask` are row-major `[batch, len]`.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Token ids, padded with the pad id.
    pub ids: Vec<u32>,
    /// 1 for a real token, 0 for padding.
    pub mask: Vec<u32>,
    /// Number of texts.
    pub batch: usize,
    /// Tokens per row (the longest text, after truncation).
    pub len: usize,
}

/// Encodes texts with the tokenizer's padding; fails with [`PredictError::EmptyText`] if a text has no token.
///
/// `special` adds the model's special tokens (`[CLS]`, `[SEP]` for BERT); the `tiny` model uses none.
pub fn encode(tok: &Tokenizer, texts: &[&str], special: bool) -> Result<Encoded, PredictError> {
    if texts.is_empty() {
        return Ok(Encoded {
            ids: vec![],
            mask: vec![],
            batch: 0,
            len: 0,
        });
    }
    let encodings = tok.encode_batch(texts.to_vec(), special).map_err(tok_err)?;
    let len = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(texts.len() * len);
    let mut mask = Vec::with_capacity(texts.len() * len);
    for e in &encodings {
        // Real tokens that are not [CLS]/[SEP]-style specials (padding is flagged special too, but masked out).
        let words = e
            .get_attention_mask()
            .iter()
            .zip(e.get_special_tokens_mask())
            .filter(|(m, s)| **m == 1 && **s == 0);
        if words.count() == 0 {
            return Err(PredictError::EmptyText);
        }
        if e.len() != len {
            return Err(PredictError::Tokenizer(
                "padding is not BatchLongest; call tokenizer::prepare".into(),
            ));
        }
        ids.extend_from_slice(e.get_ids());
        mask.extend_from_slice(e.get_attention_mask());
    }
    Ok(Encoded {
        ids,
        mask,
        batch: texts.len(),
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Tokenizer {
        let mut tok =
            build_wordpiece(["cycle to work", "fly to Rome", "drive a car", "cycle home"])
                .expect("builds");
        prepare(&mut tok, 8).expect("prepare");
        tok
    }

    #[test]
    fn vocabulary_is_deterministic_and_lowercased() {
        let a = sample().to_string(false).expect("serialises");
        let b = sample().to_string(false).expect("serialises");
        assert_eq!(a, b);
        let tok = sample();
        assert_eq!(tok.token_to_id(PAD), Some(0));
        assert_eq!(tok.token_to_id(UNK), Some(1));
        assert!(tok.token_to_id("rome").is_some());
        assert_eq!(tok.token_to_id("Rome"), None);
    }

    #[test]
    fn unseen_inflections_split_into_known_pieces() {
        let tok = sample();
        let enc = tok.encode("Cycled", false).expect("encodes");
        assert_eq!(enc.get_tokens(), ["cycle", "##d"]);
    }

    #[test]
    fn batches_pad_to_the_longest_and_truncate() {
        let tok = sample();
        let e = encode(&tok, &["fly", "drive a car to work"], false).expect("encodes");
        assert_eq!((e.batch, e.len), (2, 5));
        assert_eq!(&e.mask[..5], &[1, 0, 0, 0, 0]);
        assert_eq!(&e.ids[1..5], &[0, 0, 0, 0]);
        let long = "cycle ".repeat(40);
        let e = encode(&tok, &[long.as_str()], false).expect("encodes");
        assert_eq!(e.len, 8);
    }

    #[test]
    fn empty_text_is_an_error() {
        let tok = sample();
        assert!(matches!(
            encode(&tok, &["   "], false),
            Err(PredictError::EmptyText)
        ));
    }
}
