//! The compare verdicts that `harness push --compare FILE` turns into `carbon_harness_change_ratio` and
//! `carbon_harness_regression`.
//!
//! Two shapes are accepted (extra fields are ignored):
//! * the report of `harness compare --format json`: `{"workloads": [{"name", "metrics": [{"metric", "change":
//!   {"relative"}, "verdict"}]}]}`; a metric without a `change` (not testable) still gets its regression flag;
//! * a flat list, for other tools: `{"metrics": [{"workload", "metric", "change_ratio", "verdict"}]}`:
//!
//! ```json
//! {"metrics": [{"workload": "spin:1000", "metric": "energy_j_per_op", "change_ratio": 0.052, "verdict": "regressed"}]}
//! ```
//!
//! `change_ratio` is `candidate / base − 1` (`0.05` = 5 % higher); verdicts are `regressed`, `improved`, `unchanged`
//! or `inconclusive` (case-insensitive).

use serde::Deserialize;
use std::path::Path;

/// Verdicts read from a compare report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Verdicts {
    pub metrics: Vec<MetricVerdict>,
}

/// `harness compare --format json`, the parts used here.
#[derive(Debug, Deserialize)]
struct CompareReport {
    workloads: Vec<ReportWorkload>,
}

#[derive(Debug, Deserialize)]
struct ReportWorkload {
    name: String,
    metrics: Vec<ReportMetric>,
}

#[derive(Debug, Deserialize)]
struct ReportMetric {
    metric: String,
    change: Option<ReportChange>,
    verdict: String,
}

#[derive(Debug, Deserialize)]
struct ReportChange {
    relative: f64,
}

impl From<CompareReport> for Verdicts {
    fn from(report: CompareReport) -> Self {
        let metrics = report
            .workloads
            .into_iter()
            .flat_map(|w| {
                w.metrics.into_iter().map(move |m| MetricVerdict {
                    workload: w.name.clone(),
                    metric: m.metric,
                    change_ratio: m.change.map(|c| c.relative),
                    verdict: m.verdict,
                })
            })
            .collect();
        Self { metrics }
    }
}

/// One workload × metric comparison.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MetricVerdict {
    pub workload: String,
    /// Metric compared, e.g. `energy_j_per_op`, `latency_p95_s`.
    pub metric: String,
    /// Relative change, candidate vs baseline: `candidate / base − 1`; absent when the metric could not be tested.
    #[serde(alias = "relative_change")]
    pub change_ratio: Option<f64>,
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
        "{path} is not a compare report: {source}. Expected the output of `harness compare --format json` or JSON like \
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
        let parse_err = |source| VerdictsError::Parse {
            path: path.to_string(),
            source,
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(parse_err)?;
        let v: Verdicts = if value.get("workloads").is_some() {
            serde_json::from_value::<CompareReport>(value)
                .map_err(parse_err)?
                .into()
        } else {
            serde_json::from_value(value).map_err(parse_err)?
        };
        for (index, m) in v.metrics.iter().enumerate() {
            let problem = if m.change_ratio.is_some_and(|r| !r.is_finite()) {
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
    fn reads_the_compare_commands_json_report() {
        let v = Verdicts::parse(
            r#"{"verdict":"regressed","workloads":[{"name":"spin:1000","verdict":"regressed","metrics":[
                {"metric":"energy_j_per_op","change":{"relative":0.05,"lower":0.04,"upper":0.06},"verdict":"regressed"},
                {"metric":"latency_p50_s","change":null,"verdict":"inconclusive"}]}]}"#,
            "cmp.json",
        )
        .expect("compare report");
        assert_eq!(v.metrics.len(), 2);
        assert_eq!(v.metrics[0].workload, "spin:1000");
        assert_eq!(v.metrics[0].change_ratio, Some(0.05));
        assert!(v.metrics[0].is_regression());
        assert_eq!(v.metrics[1].change_ratio, None);
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
        assert!(
            err.to_string().contains("harness compare --format json"),
            "{err}"
        );
    }
}
