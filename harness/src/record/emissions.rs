//! The CodeCarbon-format row `harness bench` appends to `emissions.csv` for each finished workload (and the shared
//! bits `harness train` uses for its row), built from the result file so the two always agree.
//!
//! Per row: `project_name` is `--project-name` (default `carbon_harness`, as on the pushed `codecarbon_*` gauges),
//! `run_id` the bench run id (the result file's name), `experiment_id` the workload; `duration` the summed wall time
//! of the measured repetitions; `cpu_energy` / `ram_energy` / `gpu_energy` the gross energy attributed to the
//! workload over those repetitions (so `energy_consumed` × 3.6e6 = the sum of the repetitions' `energy_j_total`);
//! `emissions` that energy at the run's intensity. Warm-up and idle baseline are not in any row.

use super::csv::{EmissionsRow, HEADER};
use super::schema::{RunResult, WorkloadResult};
use energy::units::{GramsPerKwh, Joules, Seconds};
use std::path::Path;

/// Where `harness bench` and `harness train` append rows unless told otherwise.
pub const DEFAULT_EMISSIONS_CSV: &str = "bench-results/emissions.csv";

/// Refuse, before anything is measured, an existing `path` whose first line is not CodeCarbon's header (appending
/// would fail only after the first workload). `flag` names the option in the message.
pub fn check_appendable(path: &Path, flag: &str) -> anyhow::Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(()); // absent (created on the first append) or unreadable (the append names the error)
    };
    match text.lines().next() {
        None | Some(HEADER) => Ok(()),
        Some(_) if text.trim().is_empty() => Ok(()),
        Some(_) => anyhow::bail!(
            "{flag} {}: this file's header is not CodeCarbon 3.3.2's; pass another file or --no-emissions-csv",
            path.display()
        ),
    }
}

/// Energy by CodeCarbon column family.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FamilyEnergy {
    pub cpu: Joules,
    pub gpu: Joules,
    pub ram: Joules,
}

impl FamilyEnergy {
    /// Add `j` joules of the component named `name` (`cpu_package`, `cpu_model`, `dram`, `ram_model`, `gpu`...).
    pub fn add(&mut self, name: &str, j: f64) {
        let slot = if name.starts_with("gpu") {
            &mut self.gpu
        } else if name == "dram" || name.starts_with("ram") {
            &mut self.ram
        } else {
            &mut self.cpu
        };
        *slot += Joules(j);
    }

    pub fn total(&self) -> Joules {
        self.cpu + self.gpu + self.ram
    }
}

/// `Linux-<kernel>-<arch>`, CodeCarbon's `os` column (Python's `platform.platform()`).
pub fn os_column(kernel: &str) -> String {
    let os = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        other => other,
    };
    format!("{os}-{}-{}", kernel.trim(), std::env::consts::ARCH)
}

/// `tracking_mode`: `machine` when the whole machine is charged, else `process`.
pub fn tracking_mode(attribution: &str) -> &'static str {
    if attribution == "machine-minus-idle" {
        "machine"
    } else {
        "process"
    }
}

/// The row for workload `wl` of `run`.
pub fn workload_row(run: &RunResult, wl: &WorkloadResult, project_name: &str) -> EmissionsRow {
    let mut energy = FamilyEnergy::default();
    for rep in &wl.repetitions {
        for (component, j) in &rep.energy_j {
            energy.add(component, *j);
        }
    }
    let duration = Seconds(wl.repetitions.iter().map(|r| r.wall_s).sum());
    let intensity = GramsPerKwh(run.intensity.intensity_g_per_kwh);
    let country = run
        .intensity
        .zone
        .as_deref()
        .and_then(energy::country::intensity);
    let gpu = run
        .meters
        .iter()
        .filter(|m| m.used && m.components.iter().any(|c| c.starts_with("gpu")))
        .count();
    EmissionsRow {
        timestamp: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S")
            .to_string(),
        project_name: project_name.to_string(),
        run_id: run.run_id.clone(),
        experiment_id: Some(wl.name.clone()),
        duration,
        emissions: energy.total().to_kwh().emissions(intensity),
        cpu_energy: energy.cpu,
        gpu_energy: energy.gpu,
        ram_energy: energy.ram,
        country_name: country.as_ref().map(|c| c.name.clone()),
        country_iso_code: country.map(|c| c.iso3),
        os: os_column(&run.machine.kernel),
        producer: format!(
            "carbon-harness {} ({})",
            run.harness_version, wl.energy_source
        ),
        cpu_count: run.machine.logical_cpus,
        cpu_model: run.machine.cpu_model.clone(),
        gpu_count: (gpu > 0).then(|| u32::try_from(gpu).unwrap_or(u32::MAX)),
        gpu_model: None,
        ram_total_gb: run.machine.ram_bytes as f64 / f64::from(1u32 << 30),
        tracking_mode: tracking_mode(&run.config.attribution).to_string(),
        cpu_utilization_percent: None,
        ram_used_gb: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_go_to_their_codecarbon_family() {
        let mut e = FamilyEnergy::default();
        for (name, j) in [
            ("cpu_package", 1.0),
            ("cpu_model", 2.0),
            ("dram", 4.0),
            ("ram_model", 8.0),
            ("gpu", 16.0),
        ] {
            e.add(name, j);
        }
        assert_eq!(
            (e.cpu, e.ram, e.gpu, e.total()),
            (Joules(3.0), Joules(12.0), Joules(16.0), Joules(31.0))
        );
        assert_eq!(tracking_mode("process-cpu-share"), "process");
        assert_eq!(tracking_mode("machine-minus-idle"), "machine");
        assert!(os_column("6.1.0\n").contains("-6.1.0-"));
    }

    #[test]
    fn a_foreign_csv_is_refused_before_the_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("emissions.csv");
        check_appendable(&path, "--emissions-csv").expect("absent is fine");
        std::fs::write(&path, format!("{HEADER}\n")).expect("write");
        check_appendable(&path, "--emissions-csv").expect("CodeCarbon's header is fine");
        std::fs::write(&path, "a,b\n").expect("write");
        let e = check_appendable(&path, "--emissions-csv").expect_err("foreign");
        assert!(
            e.to_string().contains("--emissions-csv") && e.to_string().contains("emissions.csv"),
            "{e}"
        );
    }
}
