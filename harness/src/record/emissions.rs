//! The one place CodeCarbon-format `emissions.csv` rows are built ([`row`]) and appended ([`append_row`]): `harness
//! bench` (one row per finished workload, [`workload_row`], built from the result file so the two always agree),
//! `harness train` (one row for the training) and `harness monitor` (one row with the totals). The bytes are
//! [`super::csv`]'s; energy is split into CodeCarbon's CPU/GPU/RAM families by [`FamilyEnergy`], next to the
//! component type in the energy crate.
//!
//! Per bench row: `project_name` is `--project-name` (default `carbon_harness`, as on the pushed `codecarbon_*`
//! gauges), `run_id` the bench run id (the result file's name), `experiment_id` the workload; `duration` the summed
//! wall time of the measured repetitions; `cpu_energy` / `ram_energy` / `gpu_energy` the gross energy attributed to
//! the workload over those repetitions (so `energy_consumed` × 3.6e6 = the sum of the repetitions'
//! `energy_j_total`); `emissions` that energy at the run's intensity. Warm-up and idle baseline are not in any row.

use super::csv::{self, EmissionsRow, HEADER};
use super::schema::{RunResult, WorkloadResult};
use anyhow::Context as _;
use energy::meter::Family;
pub use energy::meter::FamilyEnergy;
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

/// The host columns of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// Kernel release, for the `os` column ([`os_column`]).
    pub kernel: String,
    pub cpu_count: u32,
    pub cpu_model: String,
    pub ram_total_gb: f64,
    /// Unknown (empty column) when no GPU meter reported one.
    pub gpu_count: Option<u32>,
}

/// Everything a row says besides its energy and duration.
#[derive(Debug, Clone, PartialEq)]
pub struct RowContext {
    pub project_name: String,
    pub run_id: String,
    pub experiment_id: Option<String>,
    /// What produced the row, e.g. `carbon-harness 0.1.0 (rapl,model)`.
    pub producer: String,
    /// `machine` or `process`.
    pub tracking_mode: &'static str,
    pub intensity: GramsPerKwh,
    /// The intensity's zone; a country in CodeCarbon's table fills `country_name` and `country_iso_code`.
    pub zone: Option<String>,
    pub host: Host,
}

/// The one row builder: `energy` over `duration`, emissions at `ctx.intensity`, stamped now.
pub fn row(ctx: RowContext, energy: FamilyEnergy, duration: Seconds) -> EmissionsRow {
    let country = ctx
        .zone
        .as_deref()
        .and_then(energy::carbon::table::intensity);
    EmissionsRow {
        timestamp: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S")
            .to_string(),
        project_name: ctx.project_name,
        run_id: ctx.run_id,
        experiment_id: ctx.experiment_id,
        duration,
        emissions: energy.total().to_kwh().emissions(ctx.intensity),
        cpu_energy: energy.cpu,
        gpu_energy: energy.gpu,
        ram_energy: energy.ram,
        country_name: country.as_ref().map(|c| c.name.clone()),
        country_iso_code: country.map(|c| c.iso3),
        os: os_column(&ctx.host.kernel),
        producer: ctx.producer,
        cpu_count: ctx.host.cpu_count,
        cpu_model: ctx.host.cpu_model,
        gpu_count: ctx.host.gpu_count,
        gpu_model: None,
        ram_total_gb: ctx.host.ram_total_gb,
        tracking_mode: ctx.tracking_mode.to_string(),
        cpu_utilization_percent: None,
        ram_used_gb: None,
    }
}

/// The one append: creates `path`'s folder if needed and appends `row` ([`csv::append`]); errors name `flag` and
/// the file.
pub fn append_row(path: &Path, row: &EmissionsRow, flag: &str) -> anyhow::Result<()> {
    let hint = if flag == "--emissions-csv" {
        "pass another file, or --no-emissions-csv"
    } else {
        "pass another file"
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "{flag} {}: cannot create {} ({hint})",
                path.display(),
                dir.display()
            )
        })?;
    }
    csv::append(path, row).with_context(|| format!("{flag} {} ({hint})", path.display()))
}

/// The row for workload `wl` of `run`.
pub fn workload_row(run: &RunResult, wl: &WorkloadResult, project_name: &str) -> EmissionsRow {
    let mut energy = FamilyEnergy::default();
    for (name, j) in wl.repetitions.iter().flat_map(|r| &r.energy_j) {
        energy.add(Family::of_name(name), Joules(*j));
    }
    let duration = Seconds(wl.repetitions.iter().map(|r| r.wall_s).sum());
    let gpu = run
        .meters
        .iter()
        .filter(|m| m.used && m.components.iter().any(|c| c.starts_with("gpu")))
        .count();
    let ctx = RowContext {
        project_name: project_name.to_string(),
        run_id: run.run_id.clone(),
        experiment_id: Some(wl.name.clone()),
        producer: format!(
            "carbon-harness {} ({})",
            run.harness_version, wl.energy_source
        ),
        tracking_mode: tracking_mode(&run.config.attribution),
        intensity: GramsPerKwh(run.intensity.intensity_g_per_kwh),
        zone: run.intensity.zone.clone(),
        host: Host {
            kernel: run.machine.kernel.clone(),
            cpu_count: run.machine.logical_cpus,
            cpu_model: run.machine.cpu_model.clone(),
            ram_total_gb: run.machine.ram_bytes as f64 / f64::from(1u32 << 30),
            gpu_count: (gpu > 0).then(|| u32::try_from(gpu).unwrap_or(u32::MAX)),
        },
    };
    row(ctx, energy, duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_go_to_their_codecarbon_family() {
        let components: std::collections::BTreeMap<String, f64> = [
            ("cpu_package", 1.0),
            ("cpu_model", 2.0),
            ("dram", 4.0),
            ("ram_model", 8.0),
            ("gpu", 16.0),
        ]
        .map(|(n, j)| (n.to_string(), j))
        .into();
        let e = FamilyEnergy::of_named(&components);
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
