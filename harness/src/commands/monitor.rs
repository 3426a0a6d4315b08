//! `harness monitor`: a machine-wide live energy monitor, like `codecarbon monitor`.
//!
//! Each interval: power per component since the previous sample, cumulative kWh and gCO2eq — a progress line on a
//! terminal, JSON lines otherwise (or with `--format json`). Ctrl-C or the end of `--duration` stops it; it then
//! prints the totals (a table, or one JSON object per `--format json`; the text comes from [`crate::export::monitor`])
//! and appends a CodeCarbon-compatible row to `--csv` ([`crate::record::emissions`]).

use crate::cli::{MonitorArgs, ReportFormat};
use crate::record::csv::EmissionsRow;
use crate::record::emissions::{self, FamilyEnergy, Host, RowContext};
use crate::{export, interrupt, metering};
use anyhow::{Context, bail};
use energy::carbon::Intensity;
use energy::meter::model::TrackingMode;
use energy::meter::tdp::CpuInfo;
use energy::meter::{CombinedReading, MeterSet, select};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The shortest interval accepted: below it the sampler's own cost stops being negligible.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// Validated `monitor` settings.
struct Plan {
    interval: Duration,
    duration: Option<Duration>,
    json: bool,
    progress_line: bool,
}

fn plan(args: &MonitorArgs) -> anyhow::Result<Plan> {
    if args.interval < MIN_INTERVAL {
        bail!(
            "--interval {:?} is too short: use at least 10ms, e.g. --interval 1s",
            args.interval
        );
    }
    if args.duration.is_some_and(|d| d.is_zero()) {
        bail!(
            "--duration 0: give a positive duration (e.g. --duration 30s) or leave it out to run until Ctrl-C"
        );
    }
    let json = args.format == ReportFormat::Json;
    Ok(Plan {
        interval: args.interval,
        duration: args.duration,
        json,
        progress_line: !json && std::io::stdout().is_terminal(),
    })
}

pub fn run(args: MonitorArgs) -> anyhow::Result<ExitCode> {
    let plan = plan(&args)?;
    let metering::MeterPlan { choice, mut config } = metering::meter_plan(&args.measure.meter)?;
    config.model.mode = TrackingMode::Machine;
    let run_intensity = metering::resolve_intensity(&args.measure.intensity)?;
    if let Some(note) = &run_intensity.default_note {
        eprintln!("note: {note}");
    }
    let intensity = run_intensity.intensity;
    let selection = select(choice, &config)?;
    let sources = selection.used_sources();
    let (mut set, _, warnings) = selection.into_parts();
    for w in warnings.iter().chain(&intensity.warnings) {
        eprintln!("warning: {w}");
    }
    interrupt::install();
    set.start()?;
    let last = sample_loop(&mut set, &plan, &intensity)?;
    if plan.progress_line {
        println!();
    }
    print!("{}", export::monitor::totals(&last, &intensity, plan.json));
    if let Some(path) = &args.csv {
        let row = csv_row(&args, &last, &intensity, &sources);
        emissions::append_row(path, &row, "--csv")?;
        eprintln!("appended totals to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Samples until the duration ends or Ctrl-C; returns the last (cumulative) reading.
fn sample_loop(
    set: &mut MeterSet,
    plan: &Plan,
    intensity: &Intensity,
) -> anyhow::Result<CombinedReading> {
    let started = Instant::now();
    let mut previous: Option<CombinedReading> = None;
    let mut next = started + plan.interval;
    loop {
        let end = plan.duration.map(|d| started + d);
        let wake = end.map_or(next, |e| e.min(next));
        // Sleep in slices of at most 250 ms so Ctrl-C is seen quickly; at 10 Hz and above that is one wake-up per tick.
        while Instant::now() < wake && !interrupt::requested() {
            std::thread::sleep((wake - Instant::now()).min(Duration::from_millis(250)));
        }
        let reading = set.read()?;
        let done = interrupt::requested() || end.is_some_and(|e| Instant::now() >= e);
        let mut out = std::io::stdout().lock();
        out.write_all(
            export::monitor::sample(&reading, previous.as_ref(), intensity, plan.progress_line)
                .as_bytes(),
        )?;
        out.flush()?;
        previous = Some(reading);
        if done {
            return previous.context("no sample taken");
        }
        next += plan.interval;
    }
}

fn csv_row(
    args: &MonitorArgs,
    last: &CombinedReading,
    intensity: &Intensity,
    sources: &str,
) -> EmissionsRow {
    let proc_root = &args.measure.meter.proc_root;
    let cpu = CpuInfo::detect(proc_root);
    let kernel =
        std::fs::read_to_string(proc_root.join("sys/kernel/osrelease")).unwrap_or_default();
    let ctx = RowContext {
        project_name: args.project_name.clone(),
        run_id: uuid4(),
        experiment_id: None,
        producer: format!("carbon-harness {} ({sources})", env!("CARGO_PKG_VERSION")),
        tracking_mode: "machine",
        intensity: intensity.value,
        zone: intensity.zone.clone(),
        host: Host {
            kernel,
            cpu_count: cpu.threads,
            cpu_model: cpu.model.unwrap_or_default(),
            ram_total_gb: energy::meter::model::mem_total_gb(proc_root).unwrap_or(0.0),
            gpu_count: None,
        },
    };
    emissions::row(ctx, FamilyEnergy::of(&last.energy), last.duration)
}

/// A random RFC 4122 version-4 UUID, as CodeCarbon's `run_id`.
fn uuid4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
