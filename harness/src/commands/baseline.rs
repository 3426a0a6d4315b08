//! `harness baseline save|list|show`: keep result files as named baselines in `bench-results/baselines/`.

use crate::baseline;
use crate::cli::BaselineCommand;
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

/// A baseline's header lines and per-workload table.
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
            energy: si(w.energy_j_per_op, "J"),
            emissions: si(w.emissions_g_per_op, "gCO2e"),
            p50: si(w.latency_s.p50, "s"),
            p99: si(w.latency_s.p99, "s"),
            throughput: si(w.throughput_ops_per_s, "ops/s"),
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
