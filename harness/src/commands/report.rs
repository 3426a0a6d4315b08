//! `harness report RUN [--baseline NAME] --out report.html`: a self-contained HTML page with charts and verdicts.

use crate::baseline::load;
use crate::cli::ReportArgs;
use crate::compare::{self, CompareSettings};
use crate::export::html::{ReportInput, render};
use std::process::ExitCode;

pub fn run(a: ReportArgs) -> anyhow::Result<ExitCode> {
    let settings = CompareSettings {
        alpha: a.alpha,
        thresholds: a.threshold,
        allow_cross_machine: a.allow_cross_machine,
    };
    let run = load(&a.run, &a.baselines_dir)?;
    let base = a
        .baseline
        .as_deref()
        .map(|b| load(b, &a.baselines_dir))
        .transpose()?;
    let comparison = match (&base, a.baseline.as_deref()) {
        (Some(b), Some(label)) => Some(compare::compare(b, label, &run, &a.run, settings)?),
        _ => None,
    };
    let input = ReportInput {
        run: &run,
        run_label: &a.run,
        baseline: base.as_ref().zip(comparison.as_ref()),
        alpha: a.alpha.get(),
    };
    let bytes = render(&input)?;
    crate::record::store::write_atomic(&a.out, &bytes)?;
    let verdict = comparison.as_ref().map_or("no baseline".to_string(), |c| {
        format!("overall {}", c.verdict)
    });
    eprintln!("wrote {} ({verdict})", a.out.display());
    let regressed = comparison.is_some_and(|c| c.has_regression());
    Ok(ExitCode::from(if regressed {
        crate::EXIT_REGRESSION
    } else {
        crate::EXIT_OK
    }))
}
