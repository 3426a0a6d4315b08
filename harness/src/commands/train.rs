//! `harness train`: train the `tiny` predict model ([`workloads::predict::train::train_tiny`]) inside one meter window
//! of the best meter available (the bench's [`RunMeter`], energy attributed to this process by its CPU share), then
//! record what the training cost: a `training_energy` object added to the model's `metrics.json` and one
//! CodeCarbon-format row in `emissions.csv` (the workshop's bonus, measured rather than estimated by hand).
//!
//! The artifacts go to `--out` (default `bench-results/models/tiny`, ignored by git); the committed
//! `workloads/models/tiny` is only replaced when given as `--out` explicitly. `metrics.json` then carries timings and
//! energy, so unlike `workloads`' own training output two runs no longer write the same bytes.

use crate::cli::TrainArgs;
use crate::metering::{self, MeterPlan};
use crate::record::csv::EmissionsRow;
use crate::record::emissions::{self, FamilyEnergy, Host, RowContext, check_appendable};
use crate::record::schema::IntensityInfo;
use crate::record::store::write_atomic;
use crate::runner::machine::machine_info;
use crate::runner::meter::{Charge, MeterReport, RunMeter, WindowEnergy};
use anyhow::{Context as _, bail};
use energy::cputime::ProcessRef;
use energy::units::{GramsPerKwh, Joules, Seconds};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use workloads::predict::dataset::Dataset;
use workloads::predict::train::{TrainOptions, TrainReport, train_tiny};

/// `harness train`'s options, validated.
#[derive(Debug, Clone)]
pub struct TrainPlan {
    pub options: TrainOptions,
    pub out: PathBuf,
    pub meter: MeterPlan,
    pub intensity: IntensityInfo,
    /// Intensity fallbacks and defaults, for the record.
    pub warnings: Vec<String>,
    pub emissions_csv: Option<PathBuf>,
    pub project_name: String,
}

impl TrainPlan {
    /// Check every option once; errors name the flag.
    pub fn from_args(args: &TrainArgs) -> anyhow::Result<Self> {
        let mut options = TrainOptions::default();
        if let Some(epochs) = args.epochs {
            if epochs == 0 {
                bail!("--epochs must be at least 1, e.g. --epochs 60");
            }
            options.epochs = epochs;
        }
        if let Some(seed) = args.seed {
            options.seed = seed;
        }
        if !args.no_emissions_csv {
            check_appendable(&args.emissions_csv, "--emissions-csv")?;
        }
        let meter = metering::meter_plan(&args.measure.meter)?;
        let run_intensity = metering::resolve_intensity(&args.measure.intensity)?;
        Ok(Self {
            options,
            out: args.out.clone(),
            meter,
            intensity: run_intensity.info(),
            warnings: run_intensity.intensity.warnings,
            emissions_csv: (!args.no_emissions_csv).then(|| args.emissions_csv.clone()),
            project_name: args.project_name.clone(),
        })
    }
}

/// What the training cost; saved as `training_energy` in the model's `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingEnergy {
    /// `train-<UTC timestamp>`; also the `run_id` of the emissions.csv row.
    pub run_id: String,
    /// RFC 3339 UTC time training started.
    pub started_at: String,
    pub duration_s: f64,
    /// Energy attributed to the training process (gross, idle included).
    pub energy_j: f64,
    pub energy_kwh: f64,
    pub emissions_g: f64,
    /// `energy_j` by component (`cpu_model`, `ram_model`, `cpu_package`, `dram`, `gpu`).
    pub energy_j_by_component: BTreeMap<String, f64>,
    /// The whole machine's energy over the window, before attribution.
    pub machine_energy_j: f64,
    /// CPU time of the training process.
    pub cpu_s: f64,
    /// Meter sources used (`rapl`, `nvml`, `model`, `fake`); `model` means a CodeCarbon-compatible estimate.
    pub meter_source: String,
    /// How the machine energy was attributed to the process.
    pub attribution: String,
    pub intensity_g_per_kwh: f64,
    /// `fixed`, `country`, `electricity-maps`.
    pub intensity_source: String,
    pub zone: Option<String>,
    /// `carbon-harness <version>`.
    pub measured_by: String,
    /// Estimates, fakes and fallbacks in play.
    pub warnings: Vec<String>,
}

/// Parse, train under the meter, record; exit 0 when everything was written.
pub fn run(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    let plan = TrainPlan::from_args(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let started = jiff::Timestamp::now();
    let (report, window, sources, meter_warnings) = rt.block_on(train_metered(&plan))?;
    let mut warnings = meter_warnings;
    warnings.extend(plan.warnings.iter().cloned());
    let record = training_energy(&plan, started, &window, &sources, warnings);
    add_to_metrics(&plan.out, &record)?;
    if let Some(path) = &plan.emissions_csv {
        let row = emissions_row(&plan, &record, &window, &sources);
        emissions::append_row(path, &row, "--emissions-csv")?;
        eprintln!("appended 1 row to {}", path.display());
    }
    print_summary(&report, &record, &plan.out);
    Ok(ExitCode::SUCCESS)
}

/// Open the meter window, train on a blocking thread, close the window.
async fn train_metered(
    plan: &TrainPlan,
) -> anyhow::Result<(TrainReport, WindowEnergy, String, Vec<String>)> {
    let (mut meter, MeterReport { warnings, .. }) = RunMeter::select(
        plan.meter.choice,
        &plan.meter.config,
        Charge::Process(ProcessRef::Current),
    )?;
    let dataset = Dataset::embedded().context("loading the embedded predict dataset")?;
    let options = plan.options.clone();
    let out = plan.out.clone();
    meter.begin()?;
    let report = tokio::task::spawn_blocking(move || train_tiny(&dataset, &options, &out))
        .await
        .context("the training thread panicked")?
        .with_context(|| format!("training the tiny model into {}", plan.out.display()))?;
    let window = meter.end(None)?;
    Ok((report, window, meter.sources().to_string(), warnings))
}

fn training_energy(
    plan: &TrainPlan,
    started: jiff::Timestamp,
    window: &WindowEnergy,
    sources: &str,
    warnings: Vec<String>,
) -> TrainingEnergy {
    let energy = window.attribution.process_gross;
    TrainingEnergy {
        run_id: format!("train-{}", started.strftime("%Y%m%dT%H%M%SZ")),
        started_at: started.to_string(),
        duration_s: window.duration.0,
        energy_j: energy.0,
        energy_kwh: energy.to_kwh().0,
        emissions_g: energy
            .to_kwh()
            .emissions(GramsPerKwh(plan.intensity.intensity_g_per_kwh))
            .0,
        energy_j_by_component: window
            .components
            .iter()
            .map(|(k, j)| (k.clone(), j.0))
            .collect(),
        machine_energy_j: window.machine.0,
        cpu_s: window.process_cpu.0,
        meter_source: sources.to_string(),
        attribution: Charge::Process(ProcessRef::Current)
            .method_name()
            .to_string(),
        intensity_g_per_kwh: plan.intensity.intensity_g_per_kwh,
        intensity_source: plan.intensity.source.clone(),
        zone: plan.intensity.zone.clone(),
        measured_by: format!("carbon-harness {}", env!("CARGO_PKG_VERSION")),
        warnings,
    }
}

/// Add `training_energy` to `<out>/metrics.json` (written by the training), atomically.
pub fn add_to_metrics(out: &Path, record: &TrainingEnergy) -> anyhow::Result<()> {
    let path = out.join("metrics.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut metrics: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let object = metrics
        .as_object_mut()
        .with_context(|| format!("{} is not a JSON object", path.display()))?;
    object.insert("training_energy".into(), serde_json::to_value(record)?);
    let mut bytes = serde_json::to_vec_pretty(&metrics)?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes)?;
    Ok(())
}

fn emissions_row(
    plan: &TrainPlan,
    record: &TrainingEnergy,
    window: &WindowEnergy,
    sources: &str,
) -> EmissionsRow {
    let energy = FamilyEnergy::of_named(window.components.iter().map(|(c, j)| (c, &j.0)));
    let machine = machine_info(&sources.split(',').collect::<Vec<_>>());
    let ctx = RowContext {
        project_name: plan.project_name.clone(),
        run_id: record.run_id.clone(),
        experiment_id: Some("train:tiny".into()),
        producer: format!("{} ({sources})", record.measured_by),
        tracking_mode: "process",
        intensity: GramsPerKwh(record.intensity_g_per_kwh),
        zone: plan.intensity.zone.clone(),
        host: Host {
            kernel: machine.kernel,
            cpu_count: machine.logical_cpus,
            cpu_model: machine.cpu_model,
            ram_total_gb: machine.ram_bytes as f64 / f64::from(1u32 << 30),
            gpu_count: None,
        },
    };
    emissions::row(ctx, energy, Seconds(record.duration_s))
}

fn print_summary(report: &TrainReport, record: &TrainingEnergy, out: &Path) {
    let m = &report.metrics;
    println!(
        "trained {} ({} epochs): test accuracy {:.3}, macro-F1 {:.3} on {} rows",
        m.model, m.options.epochs, m.test.accuracy, m.test.macro_f1, m.test.n
    );
    println!(
        "training: {:.1} s, {:.3} J = {:.3e} kWh ({} meter, {}), {:.3e} g CO2eq at {} g/kWh ({})",
        record.duration_s,
        record.energy_j,
        Joules(record.energy_j).to_kwh().0,
        record.meter_source,
        record.attribution,
        record.emissions_g,
        record.intensity_g_per_kwh,
        record.intensity_source
    );
    for w in &record.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!("wrote {} (metrics.json has training_energy)", out.display());
}
