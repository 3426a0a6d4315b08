//! `workloads impacts`: one EcoLogits-method impact estimate from the command line, as a table or JSON.

use crate::chat::plan::{ImpactsFormat, ImpactsPlan, run_impacts};
use crate::cli::{ImpactsArgs, ImpactsFormatArg};
use std::process::ExitCode;

/// Resolves provider, model and zone (unknown names → an error listing the closest known ones).
pub fn plan(args: &ImpactsArgs) -> anyhow::Result<ImpactsPlan> {
    let format = match args.format {
        ImpactsFormatArg::Table => ImpactsFormat::Table,
        ImpactsFormatArg::Json => ImpactsFormat::Json,
    };
    if args.latency.is_some_and(|l| l.is_zero()) {
        anyhow::bail!(
            "--latency must be greater than 0 (or leave it out to use the fitted generation time)"
        );
    }
    Ok(ImpactsPlan::new(
        &args.provider,
        &args.model,
        args.output_tokens,
        args.latency,
        args.zone.as_deref(),
        format,
    )?)
}

/// Prints the report on stdout.
pub fn run(args: &ImpactsArgs) -> anyhow::Result<ExitCode> {
    let plan = plan(args)?;
    run_impacts(&plan, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
