//! The labelled activities (`workloads/data/activities.csv`) and their fixed train/test split.
//!
//! Columns: `activity,label,split` with `label` in `low|medium|high` and `split` in `train|test`. The split is fixed in
//! the file (stratified, 25 % of each label, chosen by the SHA-256 of the lowercased text; see
//! `workloads/data/README.md`), so training never sees a test row and every tool scores the same rows.
//! Fields may be double-quoted (RFC 4180); a quoted field may contain commas and doubled quotes.

use super::{Label, PredictError};
use std::path::Path;

/// The dataset shipped with the repository, embedded at build time.
pub const EMBEDDED_CSV: &str = include_str!("../../data/activities.csv");

/// Which side of the fixed split a row is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Used to build the vocabulary and fit the weights.
    Train,
    /// Held out: only used to report accuracy and macro-F1.
    Test,
}

/// One labelled activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The activity text as written.
    pub text: String,
    /// Its label.
    pub label: Label,
    /// Its side of the split.
    pub split: Split,
}

/// All rows of a dataset file, in file order.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The rows.
    pub examples: Vec<Example>,
}

impl Dataset {
    /// The embedded `workloads/data/activities.csv`.
    pub fn embedded() -> Result<Dataset, PredictError> {
        Dataset::parse(EMBEDDED_CSV, "workloads/data/activities.csv (embedded)")
    }

    /// Reads a dataset file with the same columns.
    pub fn load(path: &Path) -> Result<Dataset, PredictError> {
        let text = std::fs::read_to_string(path).map_err(|e| PredictError::Artifact {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Dataset::parse(&text, &path.display().to_string())
    }

    /// Parses CSV text; `origin` names the source in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Dataset, PredictError> {
        let err = |line: usize, reason: String| PredictError::Dataset {
            origin: origin.to_string(),
            line,
            reason,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let header = lines.next().map(|(_, l)| l.trim()).unwrap_or_default();
        if header != "activity,label,split" {
            return Err(err(
                1,
                format!("expected the header `activity,label,split`, found `{header}`"),
            ));
        }
        let mut examples = Vec::new();
        for (i, line) in lines {
            let fields = split_csv_line(line).map_err(|r| err(i + 1, r))?;
            let [text, label, split] = <[String; 3]>::try_from(fields)
                .map_err(|f| err(i + 1, format!("expected 3 fields, found {}", f.len())))?;
            let label = Label::parse(&label).ok_or_else(|| {
                err(
                    i + 1,
                    format!("label `{label}` is not one of low, medium, high"),
                )
            })?;
            let split = match split.trim() {
                "train" => Split::Train,
                "test" => Split::Test,
                other => return Err(err(i + 1, format!("split `{other}` is not train or test"))),
            };
            if text.trim().is_empty() {
                return Err(err(i + 1, "the activity is empty".into()));
            }
            examples.push(Example { text, label, split });
        }
        Ok(Dataset { examples })
    }

    /// The rows on one side of the split.
    pub fn split(&self, split: Split) -> Vec<&Example> {
        self.examples.iter().filter(|e| e.split == split).collect()
    }
}

/// Splits one CSV line into fields, honouring double quotes.
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn embedded_dataset_is_large_balanced_and_split_stratified() {
        let ds = Dataset::embedded().expect("embedded dataset parses");
        assert!(ds.examples.len() >= 400, "only {} rows", ds.examples.len());
        let mut per_label: HashMap<Label, (usize, usize)> = HashMap::new();
        for e in &ds.examples {
            let c = per_label.entry(e.label).or_default();
            match e.split {
                Split::Train => c.0 += 1,
                Split::Test => c.1 += 1,
            }
        }
        let totals: Vec<usize> = Label::ALL
            .iter()
            .map(|l| per_label[l].0 + per_label[l].1)
            .collect();
        let (min, max) = (
            totals.iter().min().copied().unwrap_or(0),
            totals.iter().max().copied().unwrap_or(0),
        );
        assert!(
            max as f64 <= min as f64 * 1.2,
            "labels unbalanced: {totals:?}"
        );
        for l in Label::ALL {
            let (train, test) = per_label[&l];
            let share = test as f64 / (train + test) as f64;
            assert!((0.2..=0.3).contains(&share), "{l}: test share {share}");
        }
    }

    #[test]
    fn no_activity_appears_twice() {
        let ds = Dataset::embedded().expect("embedded dataset parses");
        let mut seen = HashSet::new();
        for e in &ds.examples {
            assert!(
                seen.insert(e.text.to_lowercase()),
                "duplicate row: {}",
                e.text
            );
        }
    }

    #[test]
    fn quoted_fields_and_errors() {
        let ds = Dataset::parse(
            "activity,label,split\n\"fly, then \"\"drive\"\"\",high,test\n",
            "t",
        )
        .expect("parses");
        assert_eq!(ds.examples[0].text, "fly, then \"drive\"");
        let e =
            Dataset::parse("activity,label,split\nwalk,tiny,train\n", "t").expect_err("bad label");
        assert!(
            e.to_string().contains("line 2") && e.to_string().contains("tiny"),
            "{e}"
        );
        let e = Dataset::parse("text,label\n", "t").expect_err("bad header");
        assert!(e.to_string().contains("activity,label,split"), "{e}");
        let e = Dataset::parse("activity,label,split\n\"walk,low,train\n", "t")
            .expect_err("open quote");
        assert!(e.to_string().contains("not closed"), "{e}");
    }
}
