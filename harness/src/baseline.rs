//! Baselines: named result files under `bench-results/baselines/<name>.json`, committed by users.
//!
//! A baseline is an ordinary result file (same schema), so anything that reads a run reads a baseline. `compare` and
//! `report` accept either a path or a baseline name ([`resolve`]): an argument that names an existing file, contains a
//! path separator or ends in `.json` is a path; anything else is a baseline name.

use crate::record::schema::{RunResult, SCHEMA_VERSION};
use std::path::{Path, PathBuf};

/// Directory of baselines, relative to the working directory.
pub const DEFAULT_BASELINES_DIR: &str = "bench-results/baselines";
/// Baseline used by `harness compare` when only the candidate is given.
pub const DEFAULT_BASELINE: &str = "main";

/// Reading or writing a result or baseline failed; every variant names the path or name and the fix.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
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
        "{path} has schema_version {found}; this harness reads version {expected} (re-run `harness bench` with this harness)"
    )]
    Version {
        path: PathBuf,
        found: String,
        expected: u32,
    },
    #[error(
        "no baseline named `{name}` in {dir} (save one with `harness baseline save RUN.json --name {name}`, or pass a path)"
    )]
    Missing { name: String, dir: PathBuf },
    #[error(
        "baseline name `{0}` is invalid: use letters, digits, `.`, `_` and `-`, not starting with `.`"
    )]
    BadName(String),
    #[error(
        "{path} is an incomplete run (interrupted or failed); a baseline must be a complete run"
    )]
    Incomplete { path: PathBuf },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot list {dir}: {source}")]
    List {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// Read a result file, refusing other schema versions with the found and expected numbers.
pub fn load_run(path: &Path) -> Result<RunResult, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
        path: path.into(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
            path: path.into(),
            source,
        })?;
    let found = value.get("schema_version");
    if found.and_then(serde_json::Value::as_u64) != Some(u64::from(SCHEMA_VERSION)) {
        let found = found.map_or_else(|| "missing".to_string(), ToString::to_string);
        return Err(BaselineError::Version {
            path: path.into(),
            found,
            expected: SCHEMA_VERSION,
        });
    }
    serde_json::from_value(value).map_err(|source| BaselineError::Parse {
        path: path.into(),
        source,
    })
}

/// Check a baseline name (it becomes a file name).
pub fn validate_name(name: &str) -> Result<(), BaselineError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(BaselineError::BadName(name.to_string()))
    }
}

/// The file of baseline `name` in `dir`.
pub fn path_of(dir: &Path, name: &str) -> Result<PathBuf, BaselineError> {
    validate_name(name)?;
    Ok(dir.join(format!("{name}.json")))
}

/// Turn a command-line argument (path or baseline name) into a path that exists or an error saying what to do.
pub fn resolve(arg: &str, dir: &Path) -> Result<PathBuf, BaselineError> {
    let as_path = Path::new(arg);
    if as_path.exists()
        || arg.contains(std::path::MAIN_SEPARATOR)
        || arg.contains('/')
        || arg.ends_with(".json")
    {
        return Ok(as_path.to_path_buf());
    }
    let path = path_of(dir, arg)?;
    if path.exists() {
        Ok(path)
    } else {
        Err(BaselineError::Missing {
            name: arg.to_string(),
            dir: dir.into(),
        })
    }
}

/// Copy the run at `run_path` into baseline `name` (atomically), after checking it is a complete, current-schema run.
pub fn save(
    run_path: &Path,
    dir: &Path,
    name: &str,
) -> Result<(PathBuf, RunResult), BaselineError> {
    let target = path_of(dir, name)?;
    let run = load_run(run_path)?;
    if !run.complete {
        return Err(BaselineError::Incomplete {
            path: run_path.into(),
        });
    }
    let mut bytes = serde_json::to_vec_pretty(&run).map_err(|e| BaselineError::Write {
        path: target.clone(),
        source: std::io::Error::other(e),
    })?;
    bytes.push(b'\n');
    write_atomic(&target, &bytes)?;
    Ok((target, run))
}

/// Baseline names in `dir`, sorted. A missing directory means no baselines.
pub fn list(dir: &Path) -> Result<Vec<String>, BaselineError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(BaselineError::List {
                dir: dir.into(),
                source,
            });
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .filter(|n| validate_name(n).is_ok())
        .collect();
    names.sort();
    Ok(names)
}

/// Write `bytes` to `path` atomically: a temp file in the same directory, synced, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BaselineError> {
    use std::io::Write as _;
    let err = |source| BaselineError::Write {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_name("main").is_ok());
        assert!(validate_name("release-1.2_x").is_ok());
        for bad in ["", ".hidden", "a/b", "a b", "../x"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolve_tells_paths_from_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            resolve("runs/x.json", dir.path()).expect("path"),
            PathBuf::from("runs/x.json")
        );
        let err = resolve("main", dir.path()).expect_err("missing baseline");
        assert!(
            err.to_string()
                .contains("harness baseline save RUN.json --name main"),
            "{err}"
        );
        std::fs::write(dir.path().join("main.json"), "{}").expect("write");
        assert_eq!(
            resolve("main", dir.path()).expect("found"),
            dir.path().join("main.json")
        );
    }

    #[test]
    fn load_names_found_and_expected_versions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.json");
        std::fs::write(&path, r#"{"schema_version": 7}"#).expect("write");
        let msg = load_run(&path).expect_err("wrong version").to_string();
        assert!(
            msg.contains("schema_version 7")
                && msg.contains("version 1")
                && msg.contains("old.json"),
            "{msg}"
        );
    }

    #[test]
    fn list_of_a_missing_directory_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(list(&dir.path().join("nope")).expect("ok").is_empty());
    }
}
