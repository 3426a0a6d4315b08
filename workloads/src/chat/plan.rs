//! Validated plans for the `workloads mock-llm` and `workloads impacts` subcommands, and running them.
//!
//! `cli.rs` holds the clap structs; `commands/{mock_llm,impacts}.rs` turn them into these plans once and call
//! [`run_impacts`] / [`run_mock_llm`]. Every parse error names the flag to fix.

use super::impacts::{Catalog, Estimator, ImpactsError};
use super::mock_llm::{self, MockLlmConfig, MockLlmError};
use super::render;
use crate::units::Seconds;
use std::io::Write;
use std::ops::RangeInclusive;
use std::time::Duration;

/// A flag value that could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{flag} {value:?}: {problem}")]
pub struct FlagError {
    /// The flag, e.g. `--completion-tokens`.
    pub flag: &'static str,
    /// What was given.
    pub value: String,
    /// What is wrong and what is expected.
    pub problem: String,
}

fn flag_error(flag: &'static str, value: &str, problem: impl Into<String>) -> FlagError {
    FlagError {
        flag,
        value: value.to_string(),
        problem: problem.into(),
    }
}

/// Parses `A..B` (both ends included) or a single `N` into a token range.
pub fn parse_token_range(value: &str) -> Result<RangeInclusive<u64>, FlagError> {
    let expected = "expected MIN..MAX (both included) or a single number, e.g. 10..50";
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| flag_error("--completion-tokens", value, expected))
    };
    let (min, max) = match value.split_once("..") {
        Some((a, b)) => (number(a)?, number(b.trim_start_matches('='))?),
        None => {
            let n = number(value)?;
            (n, n)
        }
    };
    if min > max {
        return Err(flag_error(
            "--completion-tokens",
            value,
            "the first number must not exceed the second",
        ));
    }
    Ok(min..=max)
}

/// Parses `none` or a positive number of tokens per second.
pub fn parse_tokens_per_second(value: &str) -> Result<Option<f64>, FlagError> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match value.parse::<f64>() {
        Ok(tps) if tps.is_finite() && tps > 0.0 => Ok(Some(tps)),
        _ => Err(flag_error(
            "--tokens-per-second",
            value,
            "expected a positive number or `none`",
        )),
    }
}

/// What `workloads mock-llm` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MockLlmPlan {
    /// Address to bind.
    pub addr: String,
    /// The fake's behaviour.
    pub config: MockLlmConfig,
}

impl MockLlmPlan {
    /// Validates the flag values.
    pub fn new(
        addr: &str,
        seed: u64,
        completion_tokens: &str,
        ttft: Duration,
        tokens_per_second: &str,
        error_rate: f64,
    ) -> Result<Self, anyhow::Error> {
        let config = MockLlmConfig {
            seed,
            completion_tokens: parse_token_range(completion_tokens)?,
            ttft,
            tokens_per_second: parse_tokens_per_second(tokens_per_second)?,
            error_rate,
        };
        config.validate()?;
        Ok(MockLlmPlan {
            addr: addr.to_string(),
            config,
        })
    }
}

/// Serves the mock LLM until `stop` completes (e.g. Ctrl-C), printing where it listens.
pub async fn run_mock_llm(
    plan: MockLlmPlan,
    stop: impl Future<Output = ()>,
) -> Result<(), MockLlmError> {
    let server = mock_llm::start(&plan.addr, plan.config.clone()).await?;
    let c = &plan.config;
    let tps = c
        .tokens_per_second
        .map_or("none".to_string(), |t| t.to_string());
    println!(
        "mock LLM (fake, OpenAI-compatible) on {} — POST /v1/chat/completions, POST /chat, GET /metrics; seed {}, completion tokens {}..{}, ttft {:?}, tokens/s {tps}, error rate {}",
        server.url(),
        c.seed,
        c.completion_tokens.start(),
        c.completion_tokens.end(),
        c.ttft,
        c.error_rate
    );
    let token = server.shutdown_token();
    tokio::select! {
        _ = stop => token.cancel(),
        _ = token.cancelled() => {}
    }
    server.wait().await.map_err(|e| MockLlmError::Bind {
        addr: plan.addr,
        message: e.to_string(),
    })
}

/// Output format of `workloads impacts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpactsFormat {
    /// Human-readable table.
    Table,
    /// JSON (`ImpactReport`).
    Json,
}

/// What `workloads impacts` computes.
#[derive(Debug, Clone)]
pub struct ImpactsPlan {
    estimator: Estimator,
    output_tokens: u64,
    latency: Option<Seconds>,
    format: ImpactsFormat,
}

impl ImpactsPlan {
    /// Resolves provider, model and zone on the embedded tables (unknown names → error listing the closest ones).
    pub fn new(
        provider: &str,
        model: &str,
        output_tokens: u64,
        latency: Option<Duration>,
        zone: Option<&str>,
        format: ImpactsFormat,
    ) -> Result<Self, ImpactsError> {
        let estimator = Estimator::new(Catalog::embedded()?, provider, model, zone)?;
        let latency = latency.map(|d| Seconds(d.as_secs_f64()));
        Ok(ImpactsPlan {
            estimator,
            output_tokens,
            latency,
            format,
        })
    }
}

/// Computes and writes the report.
pub fn run_impacts(plan: &ImpactsPlan, out: &mut dyn Write) -> Result<(), anyhow::Error> {
    let report = plan.estimator.report(plan.output_tokens, plan.latency)?;
    let text = match plan.format {
        ImpactsFormat::Table => render::table(&report),
        ImpactsFormat::Json => render::json(&report)?,
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ranges_parse_inclusively() {
        assert_eq!(parse_token_range("10..50"), Ok(10..=50));
        assert_eq!(parse_token_range("10..=50"), Ok(10..=50));
        assert_eq!(parse_token_range("7"), Ok(7..=7));
        for bad in ["50..10", "a..b", "", "10..", "-1..3"] {
            let e = parse_token_range(bad).expect_err(bad);
            assert_eq!(e.flag, "--completion-tokens");
        }
    }

    #[test]
    fn speed_is_none_or_positive() {
        assert_eq!(parse_tokens_per_second("none"), Ok(None));
        assert_eq!(parse_tokens_per_second("40.5"), Ok(Some(40.5)));
        for bad in ["0", "-3", "fast", "inf"] {
            assert!(parse_tokens_per_second(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mock_plan_rejects_a_bad_error_rate() {
        let e = MockLlmPlan::new("127.0.0.1:0", 0, "10..50", Duration::ZERO, "none", 2.0)
            .expect_err("bad");
        assert!(e.to_string().contains("--error-rate"), "{e}");
    }

    #[test]
    fn impacts_plan_writes_json_and_rejects_unknown_names() {
        let plan = ImpactsPlan::new(
            "openai",
            "gpt-4o-mini",
            200,
            Some(Duration::from_secs(5)),
            None,
            ImpactsFormat::Json,
        )
        .expect("known");
        let mut out = Vec::new();
        run_impacts(&plan, &mut out).expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(v["zone"], "USA");
        let e = ImpactsPlan::new("openai", "gpt-4o-mni", 1, None, None, ImpactsFormat::Table)
            .expect_err("unknown");
        assert!(e.to_string().contains("gpt-4o-mini"), "{e}");
    }
}
