//! `harness compare [BASE] CANDIDATE`: load both runs (paths or baseline names), compare, render, exit 0/1.

use crate::baseline::{self, DEFAULT_BASELINE};
use crate::cli::{CompareArgs, CompareFormat};
use crate::compare::{self, CompareSettings};
use crate::export::{render_comparison as render, use_colour};
use anyhow::Context as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The validated command line.
#[derive(Debug)]
pub struct ComparePlan {
    pub base: String,
    pub candidate: String,
    pub format: CompareFormat,
    pub out: Option<PathBuf>,
    pub settings: CompareSettings,
    pub baselines_dir: PathBuf,
}

impl TryFrom<CompareArgs> for ComparePlan {
    type Error = anyhow::Error;

    fn try_from(a: CompareArgs) -> anyhow::Result<Self> {
        let (base, candidate) = match a.runs.as_slice() {
            [candidate] => (DEFAULT_BASELINE.to_string(), candidate.clone()),
            [base, candidate] => (base.clone(), candidate.clone()),
            _ => anyhow::bail!(
                "give CANDIDATE or BASE CANDIDATE (got {} arguments)",
                a.runs.len()
            ),
        };
        let settings = CompareSettings {
            alpha: a.alpha,
            thresholds: a.threshold,
            allow_cross_machine: a.allow_cross_machine,
        };
        Ok(Self {
            base,
            candidate,
            format: a.format,
            out: a.out,
            settings,
            baselines_dir: a.baselines_dir,
        })
    }
}

pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let plan = ComparePlan::try_from(args)?;
    let base = baseline::load(&plan.base, &plan.baselines_dir)?;
    let candidate = baseline::load(&plan.candidate, &plan.baselines_dir)?;
    let comparison = compare::compare(
        &base,
        &plan.base,
        &candidate,
        &plan.candidate,
        plan.settings,
    )?;
    let colour = plan.out.is_none() && plan.format == CompareFormat::Table && use_colour();
    let bytes = render(&comparison, &candidate, plan.format, colour)?;
    match &plan.out {
        Some(path) => {
            crate::record::store::write_atomic(path, &bytes)?;
            for w in &comparison.warnings {
                eprintln!("warning: {w}");
            }
            eprintln!("{}: overall {}", path.display(), comparison.verdict);
        }
        None => std::io::stdout()
            .write_all(&bytes)
            .context("cannot write to stdout")?,
    }
    let code = if comparison.has_regression() {
        crate::EXIT_REGRESSION
    } else {
        crate::EXIT_OK
    };
    Ok(ExitCode::from(code))
}
