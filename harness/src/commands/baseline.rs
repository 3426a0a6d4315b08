//! `harness baseline save|list|show`: keep result files as named baselines in `bench-results/baselines/`.

use crate::baseline;
use crate::cli::BaselineCommand;
use crate::compare::Metric;
use crate::compare::display_mean;
use crate::export::number::si;
use crate::record::schema::RunResult;
use std::process::ExitCode;
use tabled::settings::Style;
use tabled::{Table, Tabled};

pub fn run(cmd: BaselineCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BaselineCommand::Save {
            run,
            name,
            baselines_dir,
        } => {
            let (path, saved) = baseline::save(&run, &baselines_dir, &name)?;
            println!(
                "saved baseline `{name}` ({}, run {}) to {}",
                workload_names(&saved),
                saved.run_id,
                path.display()
            );
        }
        BaselineCommand::List { baselines_dir } => {
            let names = baseline::list(&baselines_dir)?;
            if names.is_empty() {
                println!(
                    "no baselines in {} (save one with `harness baseline save RUN.json --name main`)",
                    baselines_dir.display()
                );
            }
            for name in names {
                let path = baseline::path_of(&baselines_dir, &name)?;
                match baseline::load_run(&path) {
                    Ok(r) => println!(
                        "{name}\t{}\t{}\t{}",
                        r.run_id,
                        r.started_at,
                        workload_names(&r)
                    ),
                    Err(e) => println!("{name}\tunreadable: {e}"),
                }
            }
        }
        BaselineCommand::Show {
            name,
            baselines_dir,
        } => {
            let path = baseline::resolve(&name, &baselines_dir)?;
            let run = baseline::load_run(&path)?;
            print!("{}", show(&run, &path.display().to_string()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn workload_names(run: &RunResult) -> String {
    run.workloads
        .iter()
        .map(|w| w.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Tabled)]
struct Row {
    workload: String,
    repetitions: usize,
    ops: u64,
    #[tabled(rename = "energy / op")]
    energy: String,
    #[tabled(rename = "emissions / op")]
    emissions: String,
    #[tabled(rename = "latency p50")]
    p50: String,
    #[tabled(rename = "latency p99")]
    p99: String,
    throughput: String,
}

/// A metric as `compare` shows it: the same mean of the repetitions ([`display_mean`]), the same rounding ([`si`]).
fn shown(w: &crate::record::schema::WorkloadResult, metric: Metric) -> String {
    let values: Vec<f64> = w.repetitions.iter().map(|r| metric.of(r)).collect();
    display_mean(&values).map_or_else(|| "-".to_string(), |v| si(v, metric.unit()))
}

/// A baseline's header lines and per-workload table (each number the mean of the repetitions as `compare` shows it).
pub fn show(run: &RunResult, path: &str) -> String {
    let meters: Vec<&str> = run
        .meters
        .iter()
        .filter(|m| m.used)
        .map(|m| m.source.as_str())
        .collect();
    let rows: Vec<Row> = run
        .workloads
        .iter()
        .map(|w| Row {
            workload: w.name.clone(),
            repetitions: w.repetitions.len(),
            ops: w.ops,
            energy: shown(w, Metric::EnergyPerOp),
            emissions: shown(w, Metric::EmissionsPerOp),
            p50: shown(w, Metric::LatencyP50),
            p99: shown(w, Metric::LatencyP99),
            throughput: shown(w, Metric::Throughput),
        })
        .collect();
    format!(
        "{path}\nrun {} started {} (commit {}), complete: {}\nmachine {} ({}, {}), meters [{}], intensity {} {} gCO2e/kWh\n{}\n",
        run.run_id,
        run.started_at,
        run.git.commit.as_deref().unwrap_or("none"),
        run.complete,
        run.machine.hostname,
        run.machine.cpu_model,
        run.machine.fingerprint,
        meters.join(", "),
        run.intensity.source,
        run.intensity.intensity_g_per_kwh,
        Table::new(&rows).with(Style::modern())
    )
}
