//! `workloads mock-llm`: validate the flags into a [`MockLlmPlan`] and serve the fake LLM until SIGINT/SIGTERM.

use super::{shutdown_signal, validate_share};
use crate::chat::plan::{MockLlmPlan, run_mock_llm};
use crate::cli::MockLlmArgs;
use std::process::ExitCode;

/// Turns the flags into a validated plan.
pub fn plan(args: &MockLlmArgs) -> anyhow::Result<MockLlmPlan> {
    let error_rate = validate_share(args.error_rate, "--error-rate")?;
    MockLlmPlan::new(
        &args.addr,
        args.seed,
        &args.completion_tokens,
        args.ttft,
        &args.tokens_per_second,
        error_rate,
    )
}

/// Serves until a signal.
pub async fn run(args: MockLlmArgs) -> anyhow::Result<ExitCode> {
    run_mock_llm(plan(&args)?, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}
