//! `harness bench`: validate the options once into a [`BenchPlan`], then measure an idle baseline and each workload in
//! turn, rewriting the result file after each one and appending the workload's CodeCarbon row to `emissions.csv`
//! ([`crate::record::emissions`]). SIGINT stops the run, leaving a valid file with `complete: false`.
//! The summary goes to stdout; warnings and progress to stderr.

use crate::carbon::electricity_maps::LiveSettings;
use crate::carbon::resolve_intensity;
use crate::cli::{BenchArgs, OutputFormat};
use crate::push::plan::{PushPlan, push_and_report_async};
use crate::export::table::{self, TableStyle};
use crate::load::http::parse_target;
use crate::load::intensity::GridPlan;
use crate::load::spec::{self, DEFAULT_WORKLOADS, Target, WorkloadSpec};
use crate::load::{Bound, LoadShape};
use crate::record::schema::{
    BenchConfig, IntensityInfo, RunResult, SCHEMA_VERSION, WorkloadResult,
};
use crate::record::store::RunStore;
use crate::record::{csv, emissions};
use crate::runner::meter::{Charge, MeterReport, RunMeter};
use crate::runner::{self, EnergyContext, Schedule};
use anyhow::{Context as _, bail};
use energy::cputime::ProcessRef;
use energy::meter::MeterChoice;
use energy::units::{GramsPerKwh, Watts};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Repetition length when neither --duration nor --ops is given.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(3);
/// Most ops in flight for an open loop when --concurrency is not given.
pub const DEFAULT_OPEN_LOOP_IN_FLIGHT: u32 = 64;

/// `harness bench`'s options, validated.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    pub specs: Vec<WorkloadSpec>,
    pub schedule: Schedule,
    pub idle: Duration,
    pub meter: MeterChoice,
    pub target: Target,
    /// Where the `intensity` workload fetches from (mock grid or, with --live, the API) and for which zone.
    pub grid: GridPlan,
    pub charge: Charge,
    pub intensity: IntensityInfo,
    pub max_error_rate: f64,
    pub out: Option<PathBuf>,
    /// Where each finished workload's CodeCarbon row goes (`None`: --no-emissions-csv).
    pub emissions_csv: Option<PathBuf>,
    /// `project_name` of those rows (`--project-name`).
    pub project_name: String,
    pub format: OutputFormat,
    /// Warnings known before anything runs (defaults that are estimates, fakes).
    pub warnings: Vec<String>,
    /// Where to push the finished run (`--push`, `--remote-write`), if anywhere.
    pub push: Option<PushPlan>,
}

impl BenchPlan {
    /// Check every option once; errors name the flag and the fix.
    pub fn from_args(args: &BenchArgs) -> anyhow::Result<Self> {
        let defaults: Vec<String> = DEFAULT_WORKLOADS.iter().map(|s| s.to_string()).collect();
        let specs = spec::parse_list(if args.workloads.is_empty() {
            &defaults
        } else {
            &args.workloads
        })?;
        let bound = match (args.duration, args.ops) {
            (_, Some(0)) => bail!("--ops must be at least 1"),
            (_, Some(n)) => Bound::Ops(n),
            (Some(d), None) if d.is_zero() => {
                bail!("--duration must be longer than 0s, e.g. --duration 3s")
            }
            (Some(d), None) => Bound::Duration(d),
            (None, None) => Bound::Duration(DEFAULT_DURATION),
        };
        if args.repetitions == 0 {
            bail!("--repetitions must be at least 1 (2 or more for `harness compare`)");
        }
        if args.concurrency == Some(0) {
            bail!("--concurrency must be at least 1");
        }
        let shape = match args.rate {
            Some(r) if !(r.is_finite() && r > 0.0) => {
                bail!("--rate must be a positive number of ops/s, e.g. --rate 100")
            }
            Some(rate_ops_per_s) => LoadShape::Open {
                rate_ops_per_s,
                max_in_flight: args.concurrency.unwrap_or(DEFAULT_OPEN_LOOP_IN_FLIGHT),
            },
            None => LoadShape::Closed {
                concurrency: args.concurrency.unwrap_or_else(logical_cpus),
            },
        };
        if !(0.0..=1.0).contains(&args.max_error_rate) {
            bail!(
                "--max-error-rate is a fraction between 0 and 1 (0.01 = 1 %), got {}",
                args.max_error_rate
            );
        }
        let mut warnings = Vec::new();
        let meter: MeterChoice = args
            .meter
            .parse()
            .map_err(|e: String| anyhow::anyhow!("--meter: {e}"))?;
        let target = match &args.target {
            Some(url) => Target::Http(parse_target(url)?),
            None => Target::InProcess,
        };
        let charge = match (&target, args.server_pid) {
            (Target::InProcess, _) => Charge::Process(ProcessRef::Current),
            (Target::Http(_), Some(pid)) => {
                energy::cputime::pid_cpu_time(pid).map_err(|e| {
                    anyhow::anyhow!(
                        "--server-pid {pid}: cannot read its CPU time ({e}); is the server running, as you?"
                    )
                })?;
                Charge::Process(ProcessRef::Pid(pid))
            }
            (Target::Http(_), None) => {
                warnings.push(
                    "--target without --server-pid: energy is the whole machine minus idle, \
                     load generator included"
                        .to_string(),
                );
                Charge::Machine
            }
        };
        let live = LiveSettings {
            base_url: args.electricity_maps_url.clone(),
            env_file: args.env_file.clone(),
        };
        let grid = GridPlan {
            zone: args.zone.trim().to_string(),
            live: if args.live {
                Some(live.client_config("--live")?)
            } else {
                None
            },
        };
        let (intensity, intensity_warnings) =
            resolve_intensity(args.intensity.as_deref(), &args.zone, args.live, &live)?;
        warnings.extend(intensity_warnings);
        if !args.no_emissions_csv {
            emissions::check_appendable(&args.emissions_csv, "--emissions-csv")?;
        }
        let push = PushPlan::from_flags(args.push.as_deref(), &args.push_flags)?;
        Ok(Self {
            specs,
            schedule: Schedule {
                shape,
                bound,
                warmup: args.warmup,
                repetitions: args.repetitions,
            },
            idle: args.idle,
            meter,
            target,
            grid,
            charge,
            intensity,
            max_error_rate: args.max_error_rate,
            out: args.out.clone(),
            emissions_csv: (!args.no_emissions_csv).then(|| args.emissions_csv.clone()),
            project_name: args.push_flags.project_name.clone(),
            format: args.format,
            warnings,
            push: push.has_sink().then_some(push),
        })
    }

    fn config(&self) -> BenchConfig {
        let (concurrency, rate) = match self.schedule.shape {
            LoadShape::Closed { concurrency } => (concurrency, None),
            LoadShape::Open {
                rate_ops_per_s,
                max_in_flight,
            } => (max_in_flight, Some(rate_ops_per_s)),
        };
        let (duration_s, ops) = match self.schedule.bound {
            Bound::Duration(d) => (Some(d.as_secs_f64()), None),
            Bound::Ops(n) => (None, Some(n)),
        };
        BenchConfig {
            workloads: self.specs.iter().map(ToString::to_string).collect(),
            duration_s,
            ops,
            warmup_s: self.schedule.warmup.as_secs_f64(),
            repetitions: self.schedule.repetitions,
            concurrency,
            rate_ops_per_s: rate,
            target: self.target.to_string(),
            meter: self.meter.to_string(),
            attribution: self.charge.method_name().to_string(),
        }
    }
}

fn logical_cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

/// Parse, run, print; the exit code says whether the run was healthy.
pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let plan = BenchPlan::from_args(&args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    rt.block_on(execute(plan))
}

/// Everything the run has measured so far, and where it is saved.
#[derive(Debug)]
struct Session {
    result: RunResult,
    store: RunStore,
    meter: RunMeter,
    ctx: EnergyContext,
    first_errors: Vec<(String, Vec<String>)>,
    current: Option<String>,
}

async fn execute(plan: BenchPlan) -> anyhow::Result<ExitCode> {
    // Listen for SIGINT before the first file exists, so an early Ctrl-C still leaves a valid partial file.
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("installing the SIGINT handler")?;
    let mut session = Session::start(&plan)?;
    let interrupted = tokio::select! {
        outcome = session.run_all(&plan) => { outcome?; false }
        _ = sigint.recv() => true,
    };
    if interrupted {
        let during = session
            .current
            .clone()
            .unwrap_or_else(|| "start-up".to_string());
        session.result.warnings.push(format!(
            "interrupted by SIGINT during {during}; results before it are kept"
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
        ) = RunMeter::select(plan.meter, plan.charge)?;
        let git =
            runner::git::git_info(&std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
        let now = jiff::Timestamp::now();
        let run_id = format!(
            "{}-{}",
            now.strftime("%Y%m%dT%H%M%SZ"),
            runner::git::short_sha(&git)
        );
        let store = RunStore::new(plan.out.clone(), &run_id);
        let result = RunResult {
            schema_version: SCHEMA_VERSION,
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id,
            started_at: now.to_string(),
            finished_at: None,
            complete: false,
            git,
            machine: runner::machine::machine_info(&meter.sources().split(',').collect::<Vec<_>>()),
            meters,
            intensity: plan.intensity.clone(),
            config: plan.config(),
            idle: None,
            warnings: meter_warnings
                .into_iter()
                .chain(plan.warnings.iter().cloned())
                .collect(),
            workloads: Vec::new(),
        };
        store.save(&result)?;
        let ctx = EnergyContext {
            idle_power: None,
            intensity: GramsPerKwh(plan.intensity.intensity_g_per_kwh),
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
        if !plan.idle.is_zero() {
            self.current = Some("the idle baseline".to_string());
            let idle = runner::measure_idle(&mut self.meter, plan.idle).await?;
            self.ctx.idle_power = Some(Watts(idle.power_w));
            self.result.idle = Some(idle);
            self.store.save(&self.result)?;
        }
        for spec in &plan.specs {
            self.current = Some(format!("workload {spec}"));
            let measured = self.run_one(spec, plan).await?;
            self.first_errors
                .push((measured.result.name.clone(), measured.first_errors));
            self.result.workloads.push(measured.result);
            self.store.save(&self.result)?;
            self.append_emissions_row(plan)?;
        }
        self.current = None;
        Ok(())
    }

    /// Append the last finished workload's CodeCarbon row to the emissions CSV, if one is configured.
    fn append_emissions_row(&self, plan: &BenchPlan) -> anyhow::Result<()> {
        let (Some(path), Some(wl)) = (&plan.emissions_csv, self.result.workloads.last()) else {
            return Ok(());
        };
        let row = emissions::workload_row(&self.result, wl, &plan.project_name);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| {
                format!(
                    "--emissions-csv {}: cannot create {}",
                    path.display(),
                    dir.display()
                )
            })?;
        }
        csv::append(path, &row).with_context(|| {
            format!(
                "--emissions-csv {} (pass another file, or --no-emissions-csv)",
                path.display()
            )
        })
    }

    async fn run_one(
        &mut self,
        spec: &WorkloadSpec,
        plan: &BenchPlan,
    ) -> anyhow::Result<runner::Measured> {
        let schedule = &plan.schedule;
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
        let measured = runner::measure_workload(
            workload.clone(),
            schedule,
            &mut self.meter,
            self.ctx,
            &on_step,
        )
        .await;
        bar.finish_and_clear();
        workload.shutdown().await;
        measured
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

/// Share of attempted ops that failed.
pub fn error_rate(w: &WorkloadResult) -> f64 {
    let attempts = w.ops + w.errors;
    if attempts == 0 {
        0.0
    } else {
        w.errors as f64 / attempts as f64
    }
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

/// One message per workload that completed nothing or failed more than `max` of its attempts, naming the workload
/// and quoting its first errors. `first_errors` pairs each workload name with its first error messages.
pub fn error_rate_failures(
    workloads: &[WorkloadResult],
    first_errors: &[(String, Vec<String>)],
    max: f64,
) -> Vec<String> {
    let mut out = Vec::new();
    for w in workloads {
        let first = first_errors
            .iter()
            .find(|(name, _)| name == &w.name)
            .map(|(_, f)| f.as_slice())
            .unwrap_or(&[]);
        let rate = error_rate(w);
        if w.ops == 0 && w.errors == 0 {
            out.push(format!(
                "workload {} completed no operation; lengthen --duration or raise --rate",
                w.name
            ));
        } else if rate > max {
            out.push(format!(
                "workload {} failed {} of {} ops ({:.2} %, above --max-error-rate {}); first errors:\n  {}",
                w.name,
                w.errors,
                w.ops + w.errors,
                100.0 * rate,
                max,
                first.join("\n  ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::schema::LatencySummary;

    fn workload(name: &str, ops: u64, errors: u64) -> WorkloadResult {
        WorkloadResult {
            name: name.into(),
            ops,
            errors,
            errors_by_kind: Default::default(),
            throughput_ops_per_s: 0.0,
            energy_j_per_op: 0.0,
            energy_j_per_op_net: 0.0,
            energy_kwh_per_op: 0.0,
            emissions_g_per_op: 0.0,
            emissions_g_per_op_net: 0.0,
            energy_source: "fake".into(),
            latency_s: LatencySummary::default(),
            histogram: String::new(),
            repetitions: vec![],
        }
    }

    #[test]
    fn error_rate_above_the_limit_names_the_workload_and_first_errors() {
        let ws = [
            workload("ok", 1000, 10),
            workload("bad", 90, 10),
            workload("idle", 0, 0),
        ];
        let firsts = vec![(
            "bad".to_string(),
            vec!["http_503: upstream down".to_string()],
        )];
        let f = error_rate_failures(&ws, &firsts, 0.01);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].contains("workload bad failed 10 of 100 ops (10.00 %")
                && f[0].contains("http_503: upstream down")
        );
        assert!(f[1].contains("workload idle completed no operation"));
        assert!(
            error_rate_failures(&ws[..1], &firsts, 0.01).is_empty(),
            "0.99 % is within 1 %"
        );
        assert_eq!(
            error_rate_failures(&ws[..2], &firsts, 0.10).len(),
            0,
            "10 % is within 10 %"
        );
    }
}
