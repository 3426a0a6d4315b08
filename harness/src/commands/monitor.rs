//! `harness monitor`: a machine-wide live energy monitor, like `codecarbon monitor`.
//!
//! Each interval: power per component since the previous sample, cumulative kWh and gCO2eq — a progress line on a
//! terminal, JSON lines otherwise (or with `--format json`). Ctrl-C or the end of `--duration` stops it; it then
//! prints the totals (a table, or one JSON object per `--format json`) and appends a CodeCarbon-compatible row to
//! `--csv`.

use crate::cli::{MonitorArgs, ReportFormat};
use crate::record::csv::{self, EmissionsRow};
use crate::{interrupt, metering};
use anyhow::{Context, bail};
use energy::carbon::Intensity;
use energy::meter::model::TrackingMode;
use energy::meter::tdp::CpuInfo;
use energy::meter::{CombinedReading, Component, Family, MeterSet, select};
use energy::units::{Joules, Seconds};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tabled::settings::Style;
use tabled::{Table, Tabled};

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
    print_totals(&last, &intensity, plan.json)?;
    if let Some(path) = &args.csv {
        let row = csv_row(&args, &last, &intensity, &sources);
        csv::append(path, &row).with_context(|| format!("--csv {}", path.display()))?;
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
        print_sample(&reading, previous.as_ref(), intensity, plan)?;
        previous = Some(reading);
        if done {
            return previous.context("no sample taken");
        }
        next += plan.interval;
    }
}

fn power_since(
    now: &CombinedReading,
    before: Option<&CombinedReading>,
) -> BTreeMap<Component, f64> {
    let (t0, e0) = before.map_or((Seconds(0.0), BTreeMap::new()), |b| {
        (b.duration, b.energy.clone())
    });
    let dt = now.duration.0 - t0.0;
    now.energy
        .iter()
        .map(|(c, j)| {
            let prev = e0.get(c).copied().unwrap_or_default();
            (*c, if dt > 0.0 { (j.0 - prev.0) / dt } else { 0.0 })
        })
        .collect()
}

fn print_sample(
    now: &CombinedReading,
    before: Option<&CombinedReading>,
    intensity: &Intensity,
    plan: &Plan,
) -> anyhow::Result<()> {
    let power = power_since(now, before);
    let total_w: f64 = power.values().sum();
    let total = now.total();
    let mut out = std::io::stdout().lock();
    if plan.progress_line {
        let parts: Vec<String> = power.iter().map(|(c, w)| format!("{c} {w:.1} W")).collect();
        write!(
            out,
            "\r{:>7.1} s  {}  total {total_w:.1} W  {:.6} kWh  {:.4} gCO2eq   ",
            now.duration.0,
            parts.join("  "),
            total.to_kwh().0,
            intensity.emissions(total).0
        )?;
    } else {
        let power_w: BTreeMap<&str, f64> = power.iter().map(|(c, w)| (c.as_str(), *w)).collect();
        let line = json!({
            "t_s": now.duration.0,
            "power_w": power_w,
            "power_w_total": total_w,
            "energy_j": total.0,
            "energy_kwh": total.to_kwh().0,
            "emissions_g": intensity.emissions(total).0,
            "source": now.sources(),
        });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Tabled)]
struct TotalRow {
    component: String,
    source: String,
    #[tabled(rename = "energy J")]
    energy_j: String,
    #[tabled(rename = "energy kWh")]
    energy_kwh: String,
    #[tabled(rename = "gCO2eq")]
    emissions_g: String,
    #[tabled(rename = "mean W")]
    mean_w: String,
}

fn component_sources(last: &CombinedReading) -> BTreeMap<Component, &'static str> {
    let mut map = BTreeMap::new();
    for r in &last.readings {
        for c in r.energy.keys() {
            map.insert(*c, r.source.as_str());
        }
    }
    map
}

fn print_totals(
    last: &CombinedReading,
    intensity: &Intensity,
    as_json: bool,
) -> anyhow::Result<()> {
    let sources = component_sources(last);
    let d = last.duration.0;
    let entry = |j: Joules, source: &str| {
        json!({
            "energy_j": j.0,
            "energy_kwh": j.to_kwh().0,
            "emissions_g": intensity.emissions(j).0,
            "duration_s": d,
            "source": source,
        })
    };
    if as_json {
        let components: BTreeMap<&str, serde_json::Value> = last
            .energy
            .iter()
            .map(|(c, j)| (c.as_str(), entry(*j, sources.get(c).copied().unwrap_or(""))))
            .collect();
        let out = json!({
            "totals": components,
            "total": entry(last.total(), &last.sources()),
            "intensity_g_per_kwh": intensity.value.0,
            "intensity_source": intensity.source,
            "zone": intensity.zone,
        });
        println!("{out}");
        return Ok(());
    }
    let mut rows: Vec<TotalRow> = last
        .energy
        .iter()
        .map(|(c, j)| {
            total_row(
                c.as_str(),
                sources.get(c).copied().unwrap_or(""),
                *j,
                d,
                intensity,
            )
        })
        .collect();
    rows.push(total_row(
        "total",
        &last.sources(),
        last.total(),
        d,
        intensity,
    ));
    println!("{}", Table::new(rows).with(Style::modern()));
    println!(
        "{d:.1} s at {} g CO2eq/kWh ({}{})",
        intensity.value.0,
        intensity.source,
        intensity
            .zone
            .as_deref()
            .map(|z| format!(" {z}"))
            .unwrap_or_default()
    );
    Ok(())
}

fn total_row(name: &str, source: &str, j: Joules, d: f64, intensity: &Intensity) -> TotalRow {
    TotalRow {
        component: name.into(),
        source: source.into(),
        energy_j: format!("{:.3}", j.0),
        energy_kwh: format!("{:.9}", j.to_kwh().0),
        emissions_g: format!("{:.6}", intensity.emissions(j).0),
        mean_w: format!("{:.2}", if d > 0.0 { j.0 / d } else { 0.0 }),
    }
}

fn csv_row(
    args: &MonitorArgs,
    last: &CombinedReading,
    intensity: &Intensity,
    sources: &str,
) -> EmissionsRow {
    let mut by_family = BTreeMap::from([
        ("cpu", Joules(0.0)),
        ("gpu", Joules(0.0)),
        ("ram", Joules(0.0)),
    ]);
    for (c, j) in &last.energy {
        let key = match c.family() {
            Family::Cpu => "cpu",
            Family::Gpu => "gpu",
            Family::Ram => "ram",
        };
        *by_family.entry(key).or_default() += *j;
    }
    let cpu = CpuInfo::detect(&args.measure.meter.proc_root);
    let country = intensity
        .zone
        .as_deref()
        .and_then(energy::country::intensity);
    EmissionsRow {
        timestamp: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S")
            .to_string(),
        project_name: args.project_name.clone(),
        run_id: uuid4(),
        experiment_id: None,
        duration: last.duration,
        emissions: intensity.emissions(last.total()),
        cpu_energy: by_family["cpu"],
        gpu_energy: by_family["gpu"],
        ram_energy: by_family["ram"],
        country_name: country.as_ref().map(|c| c.name.clone()),
        country_iso_code: country.map(|c| c.iso3),
        os: os_string(&args.measure.meter.proc_root),
        producer: format!("carbon-harness {} ({sources})", env!("CARGO_PKG_VERSION")),
        cpu_count: cpu.threads,
        cpu_model: cpu.model.unwrap_or_default(),
        gpu_count: None,
        gpu_model: None,
        ram_total_gb: energy::meter::model::mem_total_gb(&args.measure.meter.proc_root).unwrap_or(0.0),
        tracking_mode: "machine".into(),
        cpu_utilization_percent: None,
        ram_used_gb: None,
    }
}

fn os_string(proc_root: &Path) -> String {
    let kernel =
        std::fs::read_to_string(proc_root.join("sys/kernel/osrelease")).unwrap_or_default();
    format!("Linux-{}-{}", kernel.trim(), std::env::consts::ARCH)
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
