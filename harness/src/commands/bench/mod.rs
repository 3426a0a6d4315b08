//! `harness bench`: validate the options once into a [`BenchPlan`] (`plan.rs`), then measure an idle baseline and each workload in
//! turn, rewriting the result file after each one and appending the workload's CodeCarbon row to `emissions.csv`
//! ([`crate::record::emissions`]). SIGINT or SIGTERM stops the run, leaving a valid file with `complete: false`.
//! The summary goes to stdout; warnings and progress to stderr.

mod errors;
mod plan;

pub use errors::{error_rate, error_rate_failures};
pub use plan::{
    BenchPlan, CountedPlan, DEFAULT_COUNTED_OPS, DEFAULT_DURATION, DEFAULT_OPEN_LOOP_IN_FLIGHT,
};

use crate::cli::{BenchArgs, OutputFormat};
use crate::export::table::{self, TableStyle};
use crate::load::spec::WorkloadSpec;
use crate::push::plan::push_and_report_async;
use crate::record::emissions;
use crate::record::schema::{IntensityInfo, RunResult, SCHEMA_VERSION};
use crate::record::store::RunStore;
use crate::runner::counted::{self, Counter};
use crate::runner::meter::{self, MeterReport, RunMeter};
use crate::runner::{self, EnergyContext, Schedule};
use anyhow::Context as _;
use energy::units::Watts;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Parse, run, print; the exit code says whether the run was healthy.
pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let mut plan = BenchPlan::from_args(&args)?;
    if let Some(counted) = plan.counted
        && counted::child_output().is_none()
    {
        return counted::run_under_callgrind(counted.cache_sim);
    }
    // --start: the service runs from here until `service` is stopped below (or dropped on an early return).
    let service = match plan.service.clone() {
        Some(s) => {
            let dir = std::env::current_dir().context("cannot read the current directory")?;
            let running = s.start(&dir)?;
            plan.charge_server(running.server_pid());
            Some(running)
        }
        None => None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    if let (crate::load::spec::Target::Http(base, timeout), true) = (
        &plan.target,
        args.workloads.is_empty() && args.scenario.is_none(),
    ) {
        rt.block_on(probe_workshop_app(base, *timeout))?;
    }
    let outcome = rt.block_on(execute(plan));
    drop(rt);
    if let Some(running) = service
        && let Err(e) = running.stop()
    {
        // The result file is written: a stop that misbehaved costs no measurement.
        eprintln!("warning: {e}");
    }
    outcome
}

/// `--target` without `--workload` runs the workshop app's routes: check with one `GET /carbon_intensity` that the
/// server is that app before measuring thousands of 404s. Any answer but a 404 (a 502 from a missing upstream
/// included) counts as the app; nothing listening is refused too.
async fn probe_workshop_app(base: &reqwest::Url, timeout: Duration) -> anyhow::Result<()> {
    use crate::load::Workload as _;
    let shown = workloads::redact::url(base.as_str().trim_end_matches('/'));
    let hint = format!(
        "to measure any other route give it with --workload, e.g. \
         `harness bench --target {shown} --workload get:/PATH` (comma-separate several: get:/,get:/health)"
    );
    let probe = crate::load::http::HttpRequest::get("probe", base, "/carbon_intensity", timeout)?;
    match probe.op().await {
        Err(e) if e.kind == "http_404" => anyhow::bail!(
            "--target {shown} is not the workshop app (`workloads serve`): GET /carbon_intensity answered 404, \
             and without --workload the bench runs the app's routes (intensity, predict, chat); {hint}"
        ),
        Err(e) if e.kind == "connect" => anyhow::bail!(
            "--target {shown}: nothing answers there ({}); start the app first (`cargo run -p workloads -- serve \
             --builtin-mock-llm`), or {hint}",
            e.message
        ),
        _ => Ok(()),
    }
}

/// What measures the workloads: the energy meters, or (`--meter instructions`, in the Valgrind child) the
/// instruction counter.
#[derive(Debug)]
enum Metering {
    Energy(Box<RunMeter>),
    Counted(Counter),
}

/// The meters record and warnings of `--meter instructions`.
fn counted_report(plan: &CountedPlan) -> MeterReport {
    let misses = if plan.cache_sim {
        format!(
            " and L1/last-level misses of a reference cache; energy ≈ instructions × {:e} J + last-level misses × {:e} J",
            counted::JOULES_PER_INSTRUCTION,
            counted::JOULES_PER_LL_MISS
        )
    } else {
        format!(
            " (no cache simulation); energy ≈ instructions × {:e} J",
            counted::JOULES_PER_INSTRUCTION
        )
    };
    MeterReport {
        meters: vec![crate::record::schema::MeterInfo {
            source: "instructions".to_string(),
            available: true,
            used: true,
            components: vec![counted::ESTIMATE_COMPONENT.to_string()],
            detail: format!("Valgrind Callgrind counts the instructions of the measured ops{misses}"),
            resolution_j: None,
        }],
        warnings: vec![
            "--meter instructions: the ops ran under Valgrind, so wall-clock figures (latency, throughput, wall_s) \
             are not meaningful; the gated figure is instructions_per_op"
                .to_string(),
            "--meter instructions: energy and emissions are an ESTIMATE from instruction and cache-miss counts \
             (coefficients in bench-results/README.md), not a measurement"
                .to_string(),
        ],
    }
}

/// Everything the run has measured so far, and where it is saved.
#[derive(Debug)]
struct Session {
    result: RunResult,
    store: RunStore,
    meter: Metering,
    ctx: EnergyContext,
    first_errors: Vec<(String, Vec<String>)>,
    current: Option<String>,
}

async fn execute(plan: BenchPlan) -> anyhow::Result<ExitCode> {
    // Listen for SIGINT and SIGTERM (what CI runners send on cancel) before the first file exists, so an early
    // signal still leaves a valid partial file.
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigint = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut sigterm = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut session = Session::start(&plan)?;
    let interrupted = tokio::select! {
        outcome = session.run_all(&plan) => { outcome?; None }
        _ = sigint.recv() => Some("SIGINT"),
        _ = sigterm.recv() => Some("SIGTERM"),
    };
    if let Some(signal) = interrupted {
        let during = session
            .current
            .clone()
            .unwrap_or_else(|| "start-up".to_string());
        session.result.warnings.push(format!(
            "interrupted by {signal} during {during}; results before it are kept"
        ));
        session.store.save(&session.result)?;
        eprintln!(
            "interrupted: partial results in {}",
            session.store.path().display()
        );
        return Ok(ExitCode::from(crate::EXIT_HARNESS_ERROR));
    }
    session.result.complete = true;
    session.result.finished_at = Some(jiff::Timestamp::now().to_string());
    session.store.save(&session.result)?;
    print_summary(&session.result, plan.format)?;
    for w in &session.result.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!("wrote {}", session.store.path().display());
    if let Some(path) = &plan.emissions_csv {
        eprintln!(
            "appended {} row(s) to {}",
            session.result.workloads.len(),
            path.display()
        );
    }
    let code = check_error_rates(&session, plan.max_error_rate);
    match &plan.push {
        // The file is saved already: a failed push costs no measurement.
        Some(push) if code == ExitCode::SUCCESS => {
            push_and_report_async(&session.result, push).await
        }
        Some(push) => {
            push_and_report_async(&session.result, push).await?;
            Ok(code)
        }
        None => Ok(code),
    }
}

impl Session {
    fn start(plan: &BenchPlan) -> anyhow::Result<Self> {
        let (
            meter,
            MeterReport {
                meters,
                warnings: meter_warnings,
            },
        ) = match (plan.counted, counted::child_output()) {
            (Some(c), Some(base)) => (Metering::Counted(Counter::new(base)), counted_report(&c)),
            _ => {
                let (m, r) = RunMeter::select(plan.meter.choice, &plan.meter.config, plan.charge)?;
                (Metering::Energy(Box::new(m)), r)
            }
        };
        let sources = match &meter {
            Metering::Energy(m) => m.sources().to_string(),
            Metering::Counted(_) => "instructions".to_string(),
        };
        let git =
            runner::git::git_info(&std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
        let now = jiff::Timestamp::now();
        let run_id = crate::record::store::unique_run_id(now, &runner::git::short_sha(&git));
        let store = RunStore::new(plan.out.clone(), &run_id);
        let result = RunResult {
            schema_version: SCHEMA_VERSION,
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id,
            started_at: now.to_string(),
            finished_at: None,
            complete: false,
            git,
            machine: runner::machine::machine_info(&sources.split(',').collect::<Vec<_>>()),
            meters,
            intensity: IntensityInfo::from(&plan.intensity),
            config: plan.config(),
            idle: None,
            warnings: meter_warnings
                .into_iter()
                .chain(plan.warnings.iter().cloned())
                .collect(),
            workloads: Vec::new(),
            ab: None,
            sci: Some(plan.sci.inputs.clone()),
        };
        store.save(&result)?;
        let ctx = EnergyContext {
            idle_power: None,
            intensity: plan.intensity.value,
            embodied: Some(plan.sci.embodied),
        };
        Ok(Self {
            result,
            store,
            meter,
            ctx,
            first_errors: Vec::new(),
            current: None,
        })
    }

    async fn run_all(&mut self, plan: &BenchPlan) -> anyhow::Result<()> {
        if let (false, Metering::Energy(meter)) = (plan.idle.is_zero(), &mut self.meter) {
            self.current = Some("the idle baseline".to_string());
            let idle = runner::measure_idle(meter, plan.idle).await?;
            self.ctx.idle_power = Some(Watts(idle.power_w));
            self.result.idle = Some(idle);
            self.store.save(&self.result)?;
        }
        for spec in &plan.specs {
            self.current = Some(format!("workload {spec}"));
            let mut measured = self.run_one(spec, plan).await?;
            if let Some(history) = &plan.history {
                self.apply_history(&mut measured.result, history, plan)
                    .await;
            }
            self.first_errors
                .push((measured.result.name.clone(), measured.first_errors));
            self.result.workloads.push(measured.result);
            self.store.save(&self.result)?;
            self.append_emissions_row(plan)?;
        }
        self.current = None;
        Ok(())
    }

    /// Weight each repetition of `w` by the zone's intensity at its time; on any failure keep the single reading and
    /// say so in the warnings.
    async fn apply_history(
        &mut self,
        w: &mut crate::record::schema::WorkloadResult,
        history: &crate::carbon::electricity_maps::HistorySource,
        plan: &BenchPlan,
    ) {
        use crate::sci::history;
        let outcome = match history.fetch().await {
            Ok(readings) => history::intervals(&readings)
                .and_then(|iv| history::repetition_intensities(w, &iv).map(|i| (iv.len(), i))),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok((intervals, intensities)) => {
                history::reweigh(w, &intensities, Some(&plan.sci.embodied), self.ctx.intensity);
                let distinct = {
                    let mut v: Vec<u64> = intensities.iter().map(|i| i.0.to_bits()).collect();
                    v.sort_unstable();
                    v.dedup();
                    v.len()
                };
                if let Some(sci) = self.result.sci.as_mut() {
                    sci.intensity_basis = format!(
                        "history: each repetition at the time-weighted intensity of zone {} over its time                          ({intervals} intervals fetched; last workload: {distinct} distinct repetition intensities)",
                        history.zone
                    );
                }
            }
            Err(why) => self.result.warnings.push(format!(
                "intensity history for zone {} unusable for workload {} ({why}); used the single reading, {} g CO2eq/kWh,                  for every repetition",
                history.zone, w.name, self.ctx.intensity.0
            )),
        }
    }

    /// Append the last finished workload's CodeCarbon row to the emissions CSV, if one is configured.
    fn append_emissions_row(&self, plan: &BenchPlan) -> anyhow::Result<()> {
        let (Some(path), Some(wl)) = (&plan.emissions_csv, self.result.workloads.last()) else {
            return Ok(());
        };
        let row = emissions::workload_row(&self.result, wl, &plan.project_name);
        emissions::append_row(path, &row, "--emissions-csv")
    }

    async fn run_one(
        &mut self,
        spec: &WorkloadSpec,
        plan: &BenchPlan,
    ) -> anyhow::Result<runner::Measured> {
        let whole_run = plan.schedule_for(spec);
        let schedule = &whole_run;
        if let Some(note) = spec.note(&plan.target, &plan.grid) {
            self.result.warnings.push(note);
        }
        let workload = spec
            .start(&plan.target, &plan.grid)
            .await
            .with_context(|| format!("starting workload {spec}"))?;
        let bar = progress_bar(spec, schedule);
        let on_step = |msg: &str| {
            bar.inc(1);
            bar.set_message(msg.to_string());
        };
        let measured = match &mut self.meter {
            Metering::Energy(meter) => {
                runner::measure_workload(workload.clone(), schedule, meter, self.ctx, &on_step)
                    .await
            }
            Metering::Counted(counter) => {
                counted::measure_workload(
                    workload.clone(),
                    schedule,
                    counter,
                    self.ctx.intensity,
                    &on_step,
                )
                .await
            }
        };
        bar.finish_and_clear();
        workload.shutdown().await;
        let mut measured = measured?;
        if let WorkloadSpec::Http(r) = spec {
            measured.result.request = Some(r.info());
        }
        if let Some(why) = &measured.stopped_early {
            self.result.warnings.push(why.clone());
        }
        let cpu: Vec<f64> = measured
            .result
            .repetitions
            .iter()
            .map(|r| r.cpu_s)
            .collect();
        if let Some(w) = meter::idle_server_warning(
            plan.charge,
            &measured.result.name,
            &cpu,
            meter::process_name,
        ) {
            self.result.warnings.push(w);
        }
        Ok(measured)
    }
}

/// A bar per workload on a terminal (stderr); hidden otherwise.
fn progress_bar(spec: &WorkloadSpec, schedule: &Schedule) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let steps = u64::from(schedule.repetitions) + u64::from(!schedule.warmup.is_zero());
    let bar = ProgressBar::new(steps);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(spec.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn print_summary(result: &RunResult, format: OutputFormat) -> anyhow::Result<()> {
    match format {
        OutputFormat::Table => println!("{}", table::render(result, TableStyle::Terminal)),
        OutputFormat::Markdown => println!("{}", table::render(result, TableStyle::Markdown)),
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(result)?),
    }
    Ok(())
}

fn check_error_rates(session: &Session, max: f64) -> ExitCode {
    let failures = error_rate_failures(&session.result.workloads, &session.first_errors, max);
    for f in &failures {
        eprintln!("error: {f}");
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_HARNESS_ERROR)
    }
}
