//! CodeCarbon 3.3.2-compatible `emissions.csv`: the exact header, CodeCarbon's units (kWh, kg, W, kg/s), one row
//! appended per measured run so CodeCarbon's carbonboard can read our file next to its own.
//!
//! Fields we cannot know (region, cloud, coordinates, Python version) are left empty, never invented.
//! `codecarbon_version` says what produced the row (`carbon-harness <version> (<meter sources>)`) and
//! `tracking_mode` is `machine` or `process` as in CodeCarbon. The file is rewritten atomically (temp file +
//! rename, the file keeping its mode); an existing file with another header is refused, naming the file.
//!
//! Concurrent appenders (two `harness bench` in one directory, a bench next to a `monitor`) take an advisory
//! `flock(2)` on the file's directory for the read-modify-rename, so no row is lost. The lock is on the directory, not
//! the file, because the rename replaces the file's inode; writers that do not lock (CodeCarbon itself) are not
//! serialised.

use crate::units::{GramsCo2e, Joules, Seconds, Watts};
use std::fs;
use std::io::Write;
use std::path::Path;

/// CodeCarbon 3.3.2's header, byte for byte.
pub const HEADER: &str = "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,ram_utilization_percent,ram_used_gb,on_cloud,pue,wue";

/// One row, in our units; converted to CodeCarbon's on output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmissionsRow {
    /// `YYYY-MM-DDTHH:MM:SS`, UTC.
    pub timestamp: String,
    pub project_name: String,
    pub run_id: String,
    pub experiment_id: Option<String>,
    pub duration: Seconds,
    pub emissions: GramsCo2e,
    pub cpu_energy: Joules,
    pub gpu_energy: Joules,
    pub ram_energy: Joules,
    pub country_name: Option<String>,
    pub country_iso_code: Option<String>,
    pub os: String,
    /// What produced the row, e.g. `carbon-harness 0.1.0 (rapl,model)`.
    pub producer: String,
    pub cpu_count: u32,
    pub cpu_model: String,
    /// Unknown (empty) when no GPU meter reported it.
    pub gpu_count: Option<u32>,
    pub gpu_model: Option<String>,
    /// Total RAM in GiB.
    pub ram_total_gb: f64,
    /// `machine` or `process`.
    pub tracking_mode: String,
    pub cpu_utilization_percent: Option<f64>,
    pub ram_used_gb: Option<f64>,
}

fn kwh(j: Joules) -> f64 {
    j.to_kwh().0
}

fn mean_power(j: Joules, d: Seconds) -> Watts {
    Watts(if d.0 > 0.0 { j.0 / d.0 } else { 0.0 })
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl EmissionsRow {
    /// The row as one CSV line (no newline), columns in [`HEADER`] order.
    pub fn to_line(&self) -> String {
        let d = self.duration;
        let total = self.cpu_energy + self.gpu_energy + self.ram_energy;
        let kg = self.emissions.0 / 1000.0;
        let rate = if d.0 > 0.0 { kg / d.0 } else { 0.0 };
        let fields: Vec<String> = vec![
            quote(&self.timestamp),
            quote(&self.project_name),
            quote(&self.run_id),
            quote(&opt(&self.experiment_id)),
            d.0.to_string(),
            kg.to_string(),
            rate.to_string(),
            mean_power(self.cpu_energy, d).0.to_string(),
            mean_power(self.gpu_energy, d).0.to_string(),
            mean_power(self.ram_energy, d).0.to_string(),
            kwh(self.cpu_energy).to_string(),
            kwh(self.gpu_energy).to_string(),
            kwh(self.ram_energy).to_string(),
            kwh(total).to_string(),
            "0.0".into(), // water: wue is 0 L/kWh, as CodeCarbon's default
            quote(&opt(&self.country_name)),
            quote(&opt(&self.country_iso_code)),
            String::new(), // region
            String::new(), // cloud_provider
            String::new(), // cloud_region
            quote(&self.os),
            String::new(), // python_version: not Python
            quote(&self.producer),
            self.cpu_count.to_string(),
            quote(&self.cpu_model),
            opt(&self.gpu_count),
            quote(&opt(&self.gpu_model)),
            String::new(), // longitude
            String::new(), // latitude
            self.ram_total_gb.to_string(),
            quote(&self.tracking_mode),
            opt(&self.cpu_utilization_percent),
            String::new(), // gpu_utilization_percent: not sampled
            String::new(), // ram_utilization_percent: not sampled
            opt(&self.ram_used_gb),
            "N".into(), // on_cloud: cloud detection is not done; CodeCarbon writes N off-cloud
            "1.0".into(),
            "0.0".into(),
        ];
        fields.join(",")
    }
}

/// Errors writing the CSV, each naming the file.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(
        "{path}: has a different header than CodeCarbon 3.3.2's; write to another file with --csv"
    )]
    HeaderMismatch { path: String },
    #[error("{path}: {err}")]
    Io { path: String, err: std::io::Error },
}

/// Appends `row` to `path` (creating it with the header), atomically: the new content is written to a temp file
/// in the same directory and renamed over the old one.
pub fn append(path: &Path, row: &EmissionsRow) -> Result<(), CsvError> {
    let shown = path.display().to_string();
    let io = |err| CsvError::Io {
        path: shown.clone(),
        err,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let _lock = DirLock::exclusive(dir).map_err(io)?;
    let mut content = match fs::read_to_string(path) {
        Ok(s) if s.trim().is_empty() => String::new(),
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    if content.is_empty() {
        content = format!("{HEADER}\n");
    } else if content.lines().next() != Some(HEADER) {
        return Err(CsvError::HeaderMismatch { path: shown });
    } else if !content.ends_with('\n') {
        content.push('\n');
    }
    content.push_str(&row.to_line());
    content.push('\n');
    let mut tmp = super::store::temp_file_like(path, dir).map_err(io)?;
    tmp.write_all(content.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// An exclusive advisory `flock(2)` on a directory, released when dropped (closing the descriptor releases it).
struct DirLock {
    /// Held only for its descriptor: closing it releases the lock.
    _dir: fs::File,
}

impl DirLock {
    fn exclusive(dir: &Path) -> std::io::Result<Self> {
        use std::os::fd::AsRawFd as _;
        let file = fs::File::open(dir)?;
        loop {
            // SAFETY: flock on a descriptor we own; it only blocks until the lock is free.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(Self { _dir: file });
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> EmissionsRow {
        EmissionsRow {
            timestamp: "2026-11-28T11:13:01".into(),
            project_name: "demo, \"quoted\"".into(),
            run_id: "r1".into(),
            duration: Seconds(10.0),
            emissions: GramsCo2e(2.0),
            cpu_energy: Joules(3600.0),
            ram_energy: Joules(200.0),
            country_name: Some("France".into()),
            country_iso_code: Some("FRA".into()),
            os: "Linux".into(),
            producer: "carbon-harness 0.1.0 (model)".into(),
            cpu_count: 2,
            cpu_model: "AMD EPYC".into(),
            ram_total_gb: 23.5,
            tracking_mode: "machine".into(),
            ..EmissionsRow::default()
        }
    }

    #[test]
    fn header_is_codecarbons() {
        let golden: serde_json::Value =
            serde_json::from_str(include_str!("../../../energy/tests/golden/codecarbon.json"))
                .expect("golden");
        assert_eq!(
            HEADER,
            golden["emissions_csv_header"].as_str().expect("header")
        );
        let sample = include_str!("../../../energy/tests/golden/codecarbon-emissions-sample.csv");
        assert_eq!(sample.lines().next(), Some(HEADER));
    }

    #[test]
    fn row_units_and_columns() {
        let line = row().to_line();
        let header: Vec<&str> = HEADER.split(',').collect();
        // The quoted project name holds one comma.
        assert_eq!(line.split(',').count(), header.len() + 1, "{line}");
        assert!(
            line.starts_with(
                "2026-11-28T11:13:01,\"demo, \"\"quoted\"\"\",r1,,10,0.002,0.0002,360,0,20,0.001,0,"
            ),
            "{line}"
        );
        assert!(line.ends_with(",23.5,machine,,,,,N,1.0,0.0"), "{line}");
    }

    #[test]
    fn appends_with_one_header_and_refuses_a_foreign_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("emissions.csv");
        append(&path, &row()).expect("first");
        append(&path, &row()).expect("second");
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 3);
        assert_eq!(text.matches(HEADER).count(), 1);
        let other = dir.path().join("other.csv");
        assert!(
            fs::read_dir(dir.path()).expect("list").all(|e| !e
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")),
            "no temp file left"
        );
        fs::write(&other, "a,b\n1,2\n").expect("write");
        let e = append(&other, &row()).expect_err("foreign header");
        assert!(
            e.to_string().contains("other.csv") && e.to_string().contains("--csv"),
            "{e}"
        );
    }

    /// Issue #15: concurrent appends were read-modify-rename without a lock and lost rows (119 of 120 kept).
    #[test]
    fn concurrent_appends_keep_every_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("emissions.csv");
        let threads: Vec<_> = (0..6)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..30 {
                        let mut r = row();
                        r.run_id = format!("t{t}-{i}");
                        append(&path, &r).expect("append");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("writer");
        }
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 1 + 6 * 30, "every row kept");
        for t in 0..6 {
            for i in 0..30 {
                assert!(text.contains(&format!(",t{t}-{i},")), "row t{t}-{i}");
            }
        }
    }
}
