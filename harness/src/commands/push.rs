//! `harness push RUN.json`: send a result file's metrics to a Pushgateway and/or a remote-write endpoint, through the
//! validated [`PushPlan`] and [`push_and_report`] that `harness bench --push` uses too ([`crate::push::plan`]).

use crate::cli::PushArgs;
use crate::push::plan::{PushPlan, push_and_report};
use crate::push::{self, metrics::RunMetrics};
use crate::record::schema::RunResult;
use anyhow::bail;
use std::path::Path;
use std::process::ExitCode;

/// `harness push`.
pub fn run(args: &PushArgs) -> anyhow::Result<ExitCode> {
    let plan = PushPlan::from_flags(args.url.as_deref(), &args.push)?;
    let run = load_run(&args.run)?;
    if args.dry_run {
        return dry_run(&run, &plan);
    }
    if !plan.has_sink() {
        bail!(
            "nothing to push to: pass --url http://HOST:9091 (or set PUSHGATEWAY_URL), --remote-write URL, or --dry-run"
        );
    }
    push_and_report(&run, &plan)
}

fn dry_run(run: &RunResult, plan: &PushPlan) -> anyhow::Result<ExitCode> {
    let metrics = RunMetrics::build(run, plan.verdicts.as_ref(), &plan.options.project_name)?;
    print!("{}", metrics.to_text()?);
    let grouping = push::grouping_labels(run, &plan.options.labels);
    if let Some(ep) = &plan.options.pushgateway {
        let gw = push::pushgateway::Pushgateway::new(ep.clone(), &plan.options.job, grouping);
        eprintln!("dry run: would PUT to {}", push::redact(&gw.group_url()?));
    }
    if let Some(ep) = &plan.options.remote_write {
        eprintln!("dry run: would remote-write to {}", push::redact(&ep.url));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a result file, checking its schema version (the store's loader; errors name the path).
pub fn load_run(path: &Path) -> anyhow::Result<RunResult> {
    Ok(crate::record::store::load(path)?)
}
