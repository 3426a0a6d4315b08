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
        "{path} has {found}; this harness reads schema_version {expected} (re-run `harness bench`)"
    )]
    Version {
        path: PathBuf,
        /// What was found, in words: `schema_version 2`, `no schema_version`, `schema_version "1" (a string)`.
        found: String,
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

/// A run id unique per process: `<UTC time to the millisecond>Z-<short sha>-<pid>`, e.g.
/// `20260101T120000.123Z-abc1234-4711`. Two benches started in the same second (or millisecond) in one directory get
/// different ids, so neither overwrites the other's `runs/<run_id>.json` (issue #15).
pub fn unique_run_id(now: jiff::Timestamp, sha: &str) -> String {
    format!(
        "{}.{:03}Z-{sha}-{}",
        now.strftime("%Y%m%dT%H%M%S"),
        now.subsec_millisecond(),
        std::process::id()
    )
}

/// Write `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
///
/// The file gets the mode an ordinary `open(O_CREAT, 0666)` would give (0644 under the usual umask 022), and a file
/// that already exists keeps its mode: the temp file would otherwise be 0600 (issue #15).
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
    let mut tmp = temp_file_like(path, dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// A temp file in `dir` to be renamed over `target`: created with mode 0666 minus the umask (the kernel applies it),
/// then given `target`'s own mode when `target` exists.
pub fn temp_file_like(target: &Path, dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::Builder::new()
        .prefix(".harness-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    if let Ok(meta) = std::fs::metadata(target) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    Ok(tmp)
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
    let version = value.get("schema_version");
    if version.and_then(serde_json::Value::as_u64) != Some(u64::from(SCHEMA_VERSION)) {
        return Err(StoreError::Version {
            path: path.to_path_buf(),
            found: describe_version(version),
            expected: SCHEMA_VERSION,
        });
    }
    serde_json::from_value(value).map_err(|source| StoreError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// What a file's `schema_version` is, in words (it used to be reported as 0 whatever it was).
fn describe_version(v: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match v {
        None => "no schema_version".to_string(),
        Some(Value::Number(n)) if n.is_u64() => format!("schema_version {n}"),
        Some(Value::Number(n)) if n.is_i64() => format!("schema_version {n} (negative)"),
        Some(Value::Number(n)) => format!("schema_version {n} (not a whole number)"),
        Some(Value::String(s)) => {
            let shown: String = s.chars().take(40).collect();
            format!("schema_version {shown:?} (a string, not a number)")
        }
        Some(Value::Null) => "schema_version null".to_string(),
        Some(Value::Bool(b)) => format!("schema_version {b} (a boolean, not a number)"),
        Some(Value::Array(_)) => "schema_version as a list, not a number".to_string(),
        Some(Value::Object(_)) => "schema_version as an object, not a number".to_string(),
    }
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

    /// The umask of this process, read without changing it for long (tests only: `umask(2)` is process-wide).
    fn current_umask() -> u32 {
        // SAFETY: umask only swaps the process's file-creation mask; it is set back at once.
        unsafe {
            let old = libc::umask(0o022);
            libc::umask(old);
            old
        }
    }

    #[test]
    fn new_files_follow_the_umask_and_existing_files_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("run.json");
        write_atomic(&path, b"one").expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o666 & !current_umask(), "new file");
        let shared = dir.path().join("emissions.csv");
        std::fs::write(&shared, b"x").expect("write");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_atomic(&shared, b"y").expect("rewrite");
        assert_eq!(mode(&shared), 0o644, "existing 0644 file stays 0644");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomic(&shared, b"z").expect("rewrite");
        assert_eq!(mode(&shared), 0o640, "existing 0640 file stays 0640");
    }

    #[test]
    fn run_ids_differ_between_processes_in_the_same_millisecond() {
        let now = jiff::Timestamp::from_second(1_767_225_600).expect("time");
        let id = unique_run_id(now, "abc1234");
        assert_eq!(
            id,
            format!("20260101T000000.000Z-abc1234-{}", std::process::id())
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
        // Issue #15: these were all reported as "schema_version 0".
        for (json, says) in [
            (
                r#"{"schema_version": "1"}"#,
                r#"schema_version "1" (a string"#,
            ),
            (
                r#"{"schema_version": 1.5}"#,
                "schema_version 1.5 (not a whole number)",
            ),
            (r#"{"run_id": "x"}"#, "no schema_version"),
            (r#"{"schema_version": -1}"#, "schema_version -1 (negative)"),
        ] {
            std::fs::write(&path, json).expect("write");
            let err = load(&path).expect_err("refused").to_string();
            assert!(
                err.contains(says) && !err.contains("version 0"),
                "{json}: {err}"
            );
        }
    }
}
