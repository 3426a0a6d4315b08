//! Baselines: named result files under `bench-results/baselines/<name>.json`, committed by users.
//!
//! A baseline is an ordinary result file (same schema), so anything that reads a run reads a baseline. `compare` and
//! `report` accept either a path or a baseline name ([`resolve`]): an argument that names an existing file, contains a
//! path separator or ends in `.json` is a path; anything else is a baseline name.

use crate::record::schema::RunResult;
use crate::record::store::{self, StoreError};
use std::path::{Path, PathBuf};

/// Directory of baselines, relative to the working directory.
pub const DEFAULT_BASELINES_DIR: &str = "bench-results/baselines";
/// Baseline used by `harness compare` when only the candidate is given.
pub const DEFAULT_BASELINE: &str = "main";

/// Reading or writing a result or baseline failed; every variant names the path or name and the fix.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Reading, parsing or writing the file failed (the message names the path; schema mismatches name both versions).
    #[error(transparent)]
    Store(#[from] StoreError),
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
    #[error("cannot list {dir}: {source}")]
    List {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// Read a result file, refusing other schema versions with the found and expected numbers ([`store::load`]).
pub fn load_run(path: &Path) -> Result<RunResult, BaselineError> {
    Ok(store::load(path)?)
}

/// Load a run given on the command line as a path or a baseline name in `dir` ([`resolve`], then [`load_run`]).
pub fn load(arg: &str, dir: &Path) -> Result<RunResult, BaselineError> {
    load_run(&resolve(arg, dir)?)
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
    store::RunStore::new(Some(target.clone()), &run.run_id).save(&run)?;
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
