//! The compare verdicts that `harness push --compare FILE` turns into `carbon_harness_change_ratio` and
//! `carbon_harness_regression`.
//!
//! The file is JSON with a `metrics` array; each entry names a workload, a metric, the relative change of the candidate
//! against the baseline (`0.05` = 5 % higher) and the verdict (`regressed`, `improved`, `unchanged`, `inconclusive`;
//! case-insensitive). Extra fields are ignored, so a fuller compare report that carries this array can be passed as is:
//!
//! ```json
//! {"metrics": [{"workload": "spin:1000", "metric": "energy_j_per_op", "change_ratio": 0.052, "verdict": "regressed"}]}
//! ```

use serde::Deserialize;
use std::path::Path;

/// Verdicts read from a compare report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Verdicts {
    pub metrics: Vec<MetricVerdict>,
}

/// One workload × metric comparison.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MetricVerdict {
    pub workload: String,
    /// Metric compared, e.g. `energy_j_per_op`, `latency_p95_s`.
    pub metric: String,
    /// Relative change, candidate vs baseline: `(candidate - base) / base`.
    #[serde(alias = "relative_change")]
    pub change_ratio: f64,
    pub verdict: String,
}

impl MetricVerdict {
    /// Whether this entry is a regression.
    pub fn is_regression(&self) -> bool {
        self.verdict.eq_ignore_ascii_case("regressed")
    }
}

/// Why a compare file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum VerdictsError {
    #[error("cannot read the compare report {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a compare report: {source}. Expected JSON like \
         {{\"metrics\":[{{\"workload\":\"spin:1000\",\"metric\":\"energy_j_per_op\",\"change_ratio\":0.05,\"verdict\":\"regressed\"}}]}}"
    )]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path}: entry {index} has {problem}; fix the compare report")]
    Invalid {
        path: String,
        index: usize,
        problem: String,
    },
}

const KNOWN_VERDICTS: &[&str] = &["regressed", "improved", "unchanged", "inconclusive"];

impl Verdicts {
    /// Reads and validates a compare report.
    pub fn load(path: &Path) -> Result<Self, VerdictsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| VerdictsError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    /// Parses and validates report text; `path` only names the source in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, VerdictsError> {
        let v: Verdicts = serde_json::from_str(text).map_err(|source| VerdictsError::Parse {
            path: path.to_string(),
            source,
        })?;
        for (index, m) in v.metrics.iter().enumerate() {
            let problem = if !m.change_ratio.is_finite() {
                Some("a change_ratio that is not a finite number".to_string())
            } else if !KNOWN_VERDICTS
                .iter()
                .any(|k| m.verdict.eq_ignore_ascii_case(k))
            {
                Some(format!(
                    "verdict {:?} (expected one of {})",
                    m.verdict,
                    KNOWN_VERDICTS.join(", ")
                ))
            } else if m.workload.is_empty() || m.metric.is_empty() {
                Some("an empty workload or metric name".to_string())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(VerdictsError::Invalid {
                    path: path.to_string(),
                    index,
                    problem,
                });
            }
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_flags_regressions() {
        let v = Verdicts::parse(
            r#"{"metrics":[{"workload":"a","metric":"energy_j_per_op","relative_change":0.1,"verdict":"Regressed"},
                {"workload":"a","metric":"latency_p95_s","change_ratio":-0.1,"verdict":"improved","p_value":0.001}]}"#,
            "x.json",
        )
        .expect("valid");
        assert!(v.metrics[0].is_regression());
        assert!(!v.metrics[1].is_regression());
    }

    #[test]
    fn rejects_unknown_verdict_naming_entry() {
        let err = Verdicts::parse(
            r#"{"metrics":[{"workload":"a","metric":"m","change_ratio":0.1,"verdict":"worse"}]}"#,
            "c.json",
        )
        .expect_err("unknown verdict");
        let msg = err.to_string();
        assert!(
            msg.contains("c.json") && msg.contains("entry 0") && msg.contains("worse"),
            "{msg}"
        );
    }

    #[test]
    fn rejects_wrong_shape_with_example() {
        let err = Verdicts::parse("[1,2]", "c.json").expect_err("not an object");
        assert!(err.to_string().contains("Expected JSON like"), "{err}");
    }
}
