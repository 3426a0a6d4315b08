//! The only place that writes results. Each write is atomic (a temp file in the destination directory, flushed, then
//! renamed over the target), so a reader or a crash never sees half a file.
//!
//! `harness bench` rewrites its run file after every workload ([`RunStore::save`]), so an interrupted run keeps what it
//! measured, marked `complete: false`. Default location: `bench-results/runs/<run_id>.json` under the working directory.

use super::schema::{RunResult, SCHEMA_VERSION};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Directory of run files, relative to the working directory.
pub const DEFAULT_RUNS_DIR: &str = "bench-results/runs";

/// What went wrong reading or writing a result file; every variant names the path.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot write {path}: {source} (check the directory exists and is writable, or pass --out FILE)"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a result file: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path} has schema_version {found}; this harness reads version {expected} (re-run `harness bench`)"
    )]
    Version {
        path: PathBuf,
        found: u64,
        expected: u32,
    },
}

/// Where one run's result file lives.
#[derive(Debug, Clone)]
pub struct RunStore {
    path: PathBuf,
}

impl RunStore {
    /// Store at `out` when given, else at `bench-results/runs/<run_id>.json`.
    pub fn new(out: Option<PathBuf>, run_id: &str) -> Self {
        let path =
            out.unwrap_or_else(|| Path::new(DEFAULT_RUNS_DIR).join(format!("{run_id}.json")));
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write `run` atomically, creating the parent directory if needed.
    pub fn save(&self, run: &RunResult) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec_pretty(run).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        bytes.push(b'\n');
        write_atomic(&self.path, &bytes)
    }
}

/// Write `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let err = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".harness-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Read a result file, refusing other schema versions with both numbers in the message.
pub fn load(path: &Path) -> Result<RunResult, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| StoreError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    let found = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    if found != u64::from(SCHEMA_VERSION) {
        return Err(StoreError::Version {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
        });
    }
    serde_json::from_value(value).map_err(|source| StoreError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically_and_replaces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/run.json");
        write_atomic(&path, b"one").expect("first write");
        write_atomic(&path, b"two").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "temp files left behind: {leftovers:?}"
        );
    }

    #[test]
    fn default_path_uses_the_run_id() {
        let store = RunStore::new(None, "20260101T000000Z-abc1234");
        assert_eq!(
            store.path(),
            Path::new("bench-results/runs/20260101T000000Z-abc1234.json")
        );
    }

    #[test]
    fn load_refuses_other_versions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.json");
        std::fs::write(&path, r#"{"schema_version": 99}"#).expect("write");
        let err = load(&path).expect_err("wrong version");
        assert!(
            err.to_string().contains("99") && err.to_string().contains('1'),
            "{err}"
        );
    }
}
