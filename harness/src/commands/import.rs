//! `harness import criterion`: read criterion's output ([`crate::import::criterion`]) into a result file, saved
//! atomically like a bench run's, and print where it went.

use crate::cli::{ImportCommand, ImportCriterionArgs};
use crate::import::criterion::{self, Samples};
use crate::record::schema::{BenchConfig, IntensityInfo, MeterInfo, RunResult, SCHEMA_VERSION};
use crate::record::store::RunStore;
use crate::runner;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ImportCommand::Criterion(args) => run_criterion(&args),
    }
}

fn run_criterion(args: &ImportCriterionArgs) -> anyhow::Result<ExitCode> {
    let time_dir = match (&args.dir, &args.energy_dir) {
        (Some(d), _) => Some(d.clone()),
        (None, None) => Some(PathBuf::from("target/criterion")),
        (None, Some(_)) => None,
    };
    let time = time_dir
        .as_deref()
        .map(|d| criterion::read_dir(d, &args.filters))
        .transpose()?;
    let energy = args
        .energy_dir
        .as_deref()
        .map(|d| criterion::read_dir(d, &args.filters))
        .transpose()?;
    let empty = BTreeMap::<String, Samples>::new();
    let (t, e) = (
        time.as_ref().unwrap_or(&empty),
        energy.as_ref().unwrap_or(&empty),
    );
    let mut names: Vec<&String> = t.keys().chain(e.keys()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        let filter = if args.filters.is_empty() {
            String::new()
        } else {
            format!(" matching --filter {}", args.filters.join(", "))
        };
        anyhow::bail!(
            "no criterion benchmark{filter} found (no */new/benchmark.json under the directory); run `cargo bench` \
             first, or check the directory and --filter"
        );
    }
    let run_intensity = crate::metering::resolve_intensity(&args.intensity)?;
    let intensity = run_intensity.intensity;
    let mut warnings: Vec<String> = intensity.warnings.clone();
    let workloads = names
        .iter()
        .map(|n| criterion::workload(n, t.get(*n), e.get(*n), intensity.value))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (side, map, other) in [("time", t, e), ("energy", e, t)] {
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !map.contains_key(**n) && other.contains_key(**n))
            .map(|n| n.as_str())
            .collect();
        if !(missing.is_empty() || (side == "time" && time.is_none())) {
            warnings.push(format!("no {side} samples for {}", missing.join(", ")));
        }
    }
    if energy.is_none() {
        warnings.push(
            "imported from criterion without energy samples (--energy-dir): energy and emissions are 0 and compare \
             reports them inconclusive; README \"Gate your own service\" shows how to add harness::criterion::Energy"
                .to_string(),
        );
    } else {
        warnings.push(
            "energy from criterion benches measured with harness::criterion::Energy (RAPL machine energy, or the \
             CodeCarbon model estimate of this process's CPU time: the bench printed which)"
                .to_string(),
        );
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let git = runner::git::git_info(&cwd);
    let now = jiff::Timestamp::now();
    let run_id = crate::record::store::unique_run_id(now, &runner::git::short_sha(&git));
    let result = RunResult {
        schema_version: SCHEMA_VERSION,
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: run_id.clone(),
        started_at: now.to_string(),
        finished_at: Some(now.to_string()),
        complete: true,
        git,
        machine: runner::machine::machine_info(&["criterion"]),
        meters: vec![MeterInfo {
            source: "criterion".to_string(),
            available: energy.is_some(),
            used: energy.is_some(),
            components: vec!["criterion_energy".to_string()],
            // No path here: compare refuses runs whose meter settings or target differ, and the base and head
            // imports come from different directories.
            detail: if energy.is_some() {
                "energy samples from criterion benches measured with harness::criterion::Energy"
                    .to_string()
            } else {
                "no energy samples imported".to_string()
            },
            resolution_j: None,
        }],
        intensity: IntensityInfo::from(&intensity),
        config: BenchConfig {
            workloads: names.iter().map(|n| n.to_string()).collect(),
            duration_s: None,
            ops: None,
            warmup_s: 0.0,
            repetitions: workloads
                .iter()
                .map(|w| w.repetitions.len())
                .max()
                .unwrap_or(0) as u32,
            concurrency: 1,
            rate_ops_per_s: None,
            target: "criterion".to_string(),
            meter: "criterion".to_string(),
            attribution: "criterion-measurement".to_string(),
            build_profile: None,
        },
        idle: None,
        warnings,
        workloads,
        ab: None,
        sci: None,
    };
    let store = RunStore::new(args.out.clone(), &run_id);
    store.save(&result)?;
    println!(
        "imported {} criterion benchmark(s) into {}",
        result.workloads.len(),
        store.path().display()
    );
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    Ok(ExitCode::SUCCESS)
}
