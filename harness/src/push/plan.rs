//! Push flags → a validated [`PushPlan`] (URLs, labels, compare report, retry policy), and the one function that sends
//! a run to every sink and prints one line per sink ([`push_and_report`], [`push_and_report_async`]). Used by
//! `harness push` and, after its result file is saved (a failed push never loses the measurement), `harness bench --push`.

use super::verdicts::Verdicts;
use super::{self as push, Credentials, Endpoint, PushOptions, RetryPolicy};
use crate::cli::PushFlags;
use crate::record::schema::RunResult;
use anyhow::{Context, bail};
use std::process::ExitCode;
use std::time::Duration;

/// Validated push settings.
#[derive(Debug, Clone)]
pub struct PushPlan {
    pub options: PushOptions,
    pub verdicts: Option<Verdicts>,
    /// Warn and carry on (exit 0) when a sink fails.
    pub optional: bool,
}

impl PushPlan {
    /// Validates the shared push flags; `pushgateway_url` comes from `--url` (push) or `--push` (bench).
    pub fn from_flags(pushgateway_url: Option<&str>, flags: &PushFlags) -> anyhow::Result<Self> {
        let pushgateway = pushgateway_url
            .map(|u| {
                let auth = Credentials::from_env(
                    push::PUSHGATEWAY_USERNAME_ENV,
                    push::PUSHGATEWAY_PASSWORD_ENV,
                );
                Endpoint::parse(u, "--url", auth)
            })
            .transpose()?;
        let remote_write = flags
            .remote_write
            .as_deref()
            .map(|u| {
                let auth = Credentials::from_env(
                    push::REMOTE_WRITE_USERNAME_ENV,
                    push::REMOTE_WRITE_PASSWORD_ENV,
                );
                Endpoint::parse(u, "--remote-write", auth)
            })
            .transpose()?;
        let labels = flags
            .labels
            .iter()
            .map(|l| push::parse_label(l))
            .collect::<Result<Vec<_>, _>>()?;
        if flags.job.is_empty() {
            bail!("--job must not be empty");
        }
        let timeout: Duration = flags.timeout.into();
        if timeout.is_zero() {
            bail!("--timeout must be greater than zero, e.g. --timeout 10s");
        }
        let verdicts = flags.compare.as_deref().map(Verdicts::load).transpose()?;
        Ok(Self {
            options: PushOptions {
                pushgateway,
                remote_write,
                job: flags.job.clone(),
                labels,
                project_name: flags.project_name.clone(),
                retry: RetryPolicy {
                    attempts: flags.retries.saturating_add(1),
                    timeout,
                    ..RetryPolicy::default()
                },
            },
            verdicts,
            optional: flags.push_optional,
        })
    }

    /// Whether any sink is configured.
    pub fn has_sink(&self) -> bool {
        self.options.pushgateway.is_some() || self.options.remote_write.is_some()
    }
}

/// Sends `run` to every sink of `plan`, prints one line per sink, and returns the exit code: 0 when all succeeded or
/// `plan.optional`, 2 otherwise. Safe to call from inside a tokio runtime (it runs on its own thread then).
pub fn push_and_report(run: &RunResult, plan: &PushPlan) -> anyhow::Result<ExitCode> {
    Ok(report(block_on_push(run, plan)?, plan.optional))
}

/// [`push_and_report`] for callers already inside a tokio runtime (`harness bench --push`).
pub async fn push_and_report_async(run: &RunResult, plan: &PushPlan) -> anyhow::Result<ExitCode> {
    let outcomes = push::push_run(run, plan.verdicts.as_ref(), &plan.options).await?;
    Ok(report(outcomes, plan.optional))
}

/// Prints one line per sink; exit 2 when one failed and the push is not optional.
fn report(outcomes: Outcomes, optional: bool) -> ExitCode {
    let mut failed = false;
    for outcome in outcomes {
        match outcome {
            Ok(d) => println!(
                "pushed {} series to the {} at {} (HTTP {}, attempt {})",
                d.series, d.kind, d.url, d.status, d.attempts
            ),
            Err(e) if optional => eprintln!("warning: push failed (--push-optional): {e}"),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(crate::EXIT_HARNESS_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}

type Outcomes = Vec<Result<push::Delivered, push::PushError>>;

fn block_on_push(run: &RunResult, plan: &PushPlan) -> anyhow::Result<Outcomes> {
    let go = || -> anyhow::Result<Outcomes> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime for the push")?;
        Ok(rt.block_on(push::push_run(run, plan.verdicts.as_ref(), &plan.options))?)
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| s.spawn(go).join())
            .map_err(|_| anyhow::anyhow!("the push thread panicked"))?
    } else {
        go()
    }
}
