//! `harness bench`'s options, validated once into a [`BenchPlan`]: errors name the flag and the fix. The measuring
//! flags go through the shared converter ([`crate::metering`]).

use crate::cli::{BenchArgs, OutputFormat};
use crate::load::http::parse_target;
use crate::load::intensity::GridPlan;
use crate::load::request::{self, RequestError};
use crate::load::scenario;
use crate::load::spec::{self, DEFAULT_WORKLOADS, Target, WorkloadSpec};
use crate::load::{Bound, LoadShape};
use crate::metering::{self, MeterPlan};
use crate::push::plan::PushPlan;
use crate::record::emissions;
use crate::record::schema::BenchConfig;
use crate::runner::Schedule;
use crate::runner::meter::Charge;
use crate::sci::plan::{SciPlan, Threads};
use crate::service::{ServiceFlags, ServicePlan};
use anyhow::bail;
use energy::carbon::Intensity;
use energy::cputime::ProcessRef;
use std::path::PathBuf;
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
    pub meter: MeterPlan,
    pub target: Target,
    /// Where the `intensity` workload fetches from (mock grid or, with --live, the API) and for which zone.
    pub grid: GridPlan,
    pub charge: Charge,
    /// The run's intensity (its warnings are in `warnings`).
    pub intensity: Intensity,
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
    /// SCI's embodied inputs and their record.
    pub sci: SciPlan,
    /// With an Electricity Maps intensity: the zone's history, fetched after each workload ([`crate::sci::history`]).
    pub history: Option<crate::carbon::electricity_maps::HistorySource>,
    /// `--meter instructions`: count instructions per op under Valgrind ([`crate::runner::counted`]).
    pub counted: Option<CountedPlan>,
    /// `--start`: the service the run starts, measures and stops ([`crate::service`]). Until it runs, `charge` is
    /// the machine; [`BenchPlan::charge_server`] then points it at the server's pid.
    pub service: Option<ServicePlan>,
}

/// How `--meter instructions` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedPlan {
    /// Simulate the reference cache (L1 and last-level misses); off with --no-cache-sim.
    pub cache_sim: bool,
}

/// Ops per repetition under `--meter instructions` when --ops is not given: the counts are exact, so a few ops
/// suffice, and Valgrind runs the code 20–100× slower (bench-results/README.md: predict and chat stay under a minute).
pub const DEFAULT_COUNTED_OPS: u64 = 20;

impl BenchPlan {
    /// Check every option once; errors name the flag and the fix.
    pub fn from_args(args: &BenchArgs) -> anyhow::Result<Self> {
        let defaults: Vec<String> = DEFAULT_WORKLOADS.iter().map(|s| s.to_string()).collect();
        let mut specs = match (args.workloads.is_empty(), &args.scenario) {
            (true, Some(_)) => Vec::new(),
            (true, None) => spec::parse_list(&defaults)?,
            (false, _) => spec::parse_list(&args.workloads)?,
        };
        apply_request_flags(&mut specs, args, &request::process_env)?;
        if let Some(path) = &args.scenario {
            for r in scenario::load(path, &request::process_env)? {
                if specs.iter().any(|s| s.to_string() == r.name) {
                    bail!(
                        "--scenario {}: request `{}` has the name of a --workload; rename it",
                        path.display(),
                        r.name
                    );
                }
                specs.push(WorkloadSpec::Http(r));
            }
        }
        let commands = check_command_mix(&specs, args.target.is_some())?;
        let (meter, counted) = metering::bench_meter_plan(&args.measure.meter)?;
        let bound = match (counted, args.duration, args.ops) {
            (true, Some(_), _) => bail!(
                "--meter instructions counts a fixed number of ops per repetition: give --ops N, not --duration"
            ),
            (true, None, None) => Bound::Ops(DEFAULT_COUNTED_OPS),
            (_, duration, ops) => Self::bound(duration, ops)?,
        };
        if counted {
            if args.rate.is_some() || args.concurrency.is_some_and(|c| c != 1) {
                bail!(
                    "--meter instructions runs the ops one after the other on one thread: drop --rate and --concurrency"
                );
            }
            if args.target.is_some() {
                bail!(
                    "--meter instructions counts in-process workloads only (the server of --target is another \
                     process): drop --target"
                );
            }
        }
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
            None if counted => LoadShape::Closed { concurrency: 1 },
            // A command is run one at a time unless asked (as hyperfine does): its own threads use the CPUs.
            None if commands => LoadShape::Closed {
                concurrency: args.concurrency.unwrap_or(1),
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
        if args.request_timeout.is_zero() {
            bail!("--request-timeout must be greater than 0 (e.g. --request-timeout 30s)");
        }
        let target = match &args.target {
            Some(url) => Target::Http(parse_target(url)?, args.request_timeout),
            None => Target::InProcess,
        };
        let service = ServicePlan::from_flags(&ServiceFlags {
            start: args.start.as_deref(),
            stop: args.stop.as_deref(),
            health_url: args.health_url.as_deref(),
            health_timeout: args.health_timeout,
            log: args.service_log.as_deref(),
            target: args.target.as_deref(),
        })?;
        let charge = match (&target, args.server_pid) {
            (Target::InProcess, _) if commands => Charge::Process(ProcessRef::Children),
            (Target::InProcess, _) => Charge::Process(ProcessRef::Current),
            (Target::Http(..), Some(pid)) => {
                energy::cputime::pid_cpu_time(pid).map_err(|e| {
                    anyhow::anyhow!(
                        "--server-pid {pid}: cannot read its CPU time ({e}); is the server running, as you?"
                    )
                })?;
                Charge::Process(ProcessRef::Pid(pid))
            }
            // Replaced by the server's pid once the service is up (charge_server).
            (Target::Http(..), None) if service.is_some() => Charge::Machine,
            (Target::Http(..), None) => {
                warnings.push(
                    "--target without --server-pid: energy is the whole machine minus idle, \
                     load generator included"
                        .to_string(),
                );
                Charge::Machine
            }
        };
        let run_intensity = metering::resolve_intensity(&args.measure.intensity)?;
        let grid = GridPlan {
            zone: run_intensity.zone.to_string(),
            live: run_intensity.live.clone(),
        };
        let history = run_intensity.history.clone();
        let intensity = run_intensity.intensity;
        warnings.extend(intensity.warnings.iter().cloned());
        if !args.no_emissions_csv {
            emissions::check_appendable(&args.emissions_csv, "--emissions-csv")?;
        }
        let push = PushPlan::from_flags(args.push.as_deref(), &args.push_flags)?;
        let threads = Threads {
            used: match (&target, shape) {
                (Target::Http(..), _) => None,
                (Target::InProcess, LoadShape::Closed { concurrency }) => Some(concurrency),
                (Target::InProcess, LoadShape::Open { max_in_flight, .. }) => Some(max_in_flight),
            },
            logical: logical_cpus(),
        };
        let sci = SciPlan::from_args(&args.embodied, threads)?;
        warnings.extend(sci.warning.iter().cloned());
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
            sci,
            history,
            counted: counted.then_some(CountedPlan {
                cache_sim: !args.no_cache_sim,
            }),
            service,
        })
    }

    /// Charge the run's energy to the started service's server process (`--start`), as `--server-pid` would.
    pub fn charge_server(&mut self, pid: u32) {
        self.charge = Charge::Process(ProcessRef::Pid(pid));
    }

    fn bound(duration: Option<Duration>, ops: Option<u64>) -> anyhow::Result<Bound> {
        Ok(match (duration, ops) {
            (_, Some(0)) => bail!("--ops must be at least 1"),
            (_, Some(n)) => Bound::Ops(n),
            (Some(d), None) if d.is_zero() => {
                bail!("--duration must be longer than 0s, e.g. --duration 3s")
            }
            (Some(d), None) => Bound::Duration(d),
            (None, None) => Bound::Duration(DEFAULT_DURATION),
        })
    }

    /// How `spec` is run: the plan's schedule, except for a whole-run command (`cmd-run:`), which runs exactly once per
    /// repetition (and, when there is a warm-up, at least once in it).
    pub fn schedule_for(&self, spec: &WorkloadSpec) -> Schedule {
        match spec {
            WorkloadSpec::Cmd(c) if c.whole_run => Schedule {
                shape: LoadShape::Closed { concurrency: 1 },
                bound: Bound::Ops(1),
                ..self.schedule
            },
            _ => self.schedule,
        }
    }

    /// The `config` record of the result file.
    pub(super) fn config(&self) -> BenchConfig {
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
            meter: if self.counted.is_some() {
                "instructions".to_string()
            } else {
                self.meter.choice.to_string()
            },
            attribution: if self.counted.is_some() {
                "instructions-estimate".to_string()
            } else {
                self.charge.method_name().to_string()
            },
            build_profile: Some(crate::runner::machine::build_profile().to_string()),
        }
    }
}

/// True when the run measures `cmd:` workloads, which then run alone: their energy is charged to the child
/// processes, everything else's to this process or a server, and one run has one attribution.
fn check_command_mix(specs: &[WorkloadSpec], target: bool) -> anyhow::Result<bool> {
    let commands = specs
        .iter()
        .filter(|s| matches!(s, WorkloadSpec::Cmd(_)))
        .count();
    if commands == 0 {
        return Ok(false);
    }
    if commands < specs.len() {
        bail!(
            "cmd: workloads cannot share a run with other workloads (their energy is charged to the child processes,              the others' to this process or a server); run them in a separate `harness bench`"
        );
    }
    if target {
        bail!("cmd: workloads run commands on this machine; drop --target");
    }
    Ok(true)
}

/// Give `--header` to every inline HTTP workload (`get:/…`, `post:/…`, …) and `--body` to those whose method sends
/// one; refuse flags that would reach no workload. Scenario requests carry their own headers and body.
fn apply_request_flags(
    specs: &mut [WorkloadSpec],
    args: &BenchArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let headers = args
        .headers
        .iter()
        .map(|h| request::parse_header(h, "--header", env))
        .collect::<Result<Vec<_>, RequestError>>()?;
    let body = args
        .body
        .as_deref()
        .map(|b| request::parse_body(b, std::path::Path::new("."), "--body"))
        .transpose()?;
    let mut any_http = false;
    let mut any_body = false;
    for spec in specs.iter_mut() {
        let WorkloadSpec::Http(r) = spec else {
            continue;
        };
        any_http = true;
        r.headers.extend(headers.iter().cloned());
        if r.method != reqwest::Method::GET {
            any_body = true;
            r.body.clone_from(&body);
        }
    }
    if !headers.is_empty() && !any_http {
        bail!(
            "--header applies to get:/PATH, post:/PATH, put:/PATH, patch:/PATH and delete:/PATH workloads, and              none is given; add one with --workload (a --scenario file sets headers per request)"
        );
    }
    if body.is_some() && !any_body {
        bail!(
            "--body applies to post:/PATH, put:/PATH, patch:/PATH and delete:/PATH workloads, and none is given;              add one, e.g. --workload post:/orders (a --scenario file sets a body per request)"
        );
    }
    Ok(())
}

fn logical_cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}
