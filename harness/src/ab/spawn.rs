//! One measured repetition of one build: `BIN bench ARGS… --repetitions 1 --out FILE`, run in the build's source
//! directory (so the result records that checkout's git commit), then the result file read back.

use super::Side;
use crate::record::schema::RunResult;
use crate::record::store;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How much of a failed run's stderr is quoted in the error.
const STDERR_TAIL_CHARS: usize = 2000;

/// One build under test: its `harness` binary and the directory its `bench` runs in.
#[derive(Debug, Clone)]
pub struct Build {
    pub side: Side,
    pub bin: PathBuf,
    pub dir: PathBuf,
}

/// Why a repetition of one build failed.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("{side} build: cannot start `{bin}`: {source}; check --{side}-bin")]
    Start {
        side: Side,
        bin: String,
        source: std::io::Error,
    },
    #[error("{side} build `{bin}` failed on repetition {rep} ({status}):\n{stderr}")]
    Failed {
        side: Side,
        bin: String,
        rep: u32,
        status: String,
        stderr: String,
    },
    #[error("{side} build wrote no readable result file {path}: {detail}")]
    Result {
        side: Side,
        path: String,
        detail: String,
    },
}

impl Build {
    /// The exact command line of one repetition (without the binary).
    pub fn bench_args(bench_args: &[String], out: &Path) -> Vec<String> {
        let mut args = vec!["bench".to_string()];
        args.extend(bench_args.iter().cloned());
        args.extend([
            "--repetitions".to_string(),
            "1".to_string(),
            "--out".to_string(),
        ]);
        args.push(out.display().to_string());
        args
    }

    /// Run repetition `rep` of this build and read its result.
    pub fn run_repetition(
        &self,
        rep: u32,
        bench_args: &[String],
        out: &Path,
    ) -> Result<RunResult, SpawnError> {
        let bin = self.bin.display().to_string();
        let output = Command::new(&self.bin)
            .args(Self::bench_args(bench_args, out))
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|source| SpawnError::Start {
                side: self.side,
                bin: bin.clone(),
                source,
            })?;
        if !output.status.success() {
            let text = String::from_utf8_lossy(&output.stderr);
            let skip = text.chars().count().saturating_sub(STDERR_TAIL_CHARS);
            let stderr = text
                .chars()
                .skip(skip)
                .collect::<String>()
                .trim_end()
                .to_string();
            return Err(SpawnError::Failed {
                side: self.side,
                bin,
                rep,
                status: output.status.to_string(),
                stderr,
            });
        }
        read_result(self.side, out)
    }
}

fn read_result(side: Side, path: &Path) -> Result<RunResult, SpawnError> {
    store::load(path).map_err(|e| SpawnError::Result {
        side,
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_command_line_pins_one_repetition_and_the_output() {
        let args = Build::bench_args(
            &["--workload".into(), "spin:1000".into()],
            Path::new("/tmp/x.json"),
        );
        assert_eq!(
            args,
            [
                "bench",
                "--workload",
                "spin:1000",
                "--repetitions",
                "1",
                "--out",
                "/tmp/x.json"
            ]
        );
    }

    #[test]
    fn failures_name_the_side_and_quote_stderr() {
        let dir = tempfile::tempdir().expect("tempdir");
        let build = Build {
            side: Side::Head,
            bin: PathBuf::from("sh"),
            dir: dir.path().to_path_buf(),
        };
        // `sh bench …` tries to run a script called `bench` in dir: write one that fails like the harness does.
        std::fs::write(
            dir.path().join("bench"),
            "echo 'error: unknown workload `nope`' >&2; exit 2\n",
        )
        .expect("write");
        let err = build
            .run_repetition(3, &[], &dir.path().join("out.json"))
            .expect_err("fails");
        let text = err.to_string();
        assert!(
            text.starts_with("head build `sh` failed on repetition 3"),
            "{text}"
        );
        assert!(text.contains("unknown workload `nope`"), "{text}");
        let missing = Build {
            side: Side::Base,
            bin: dir.path().join("no-such-harness"),
            dir: dir.path().to_path_buf(),
        };
        let err = missing
            .run_repetition(0, &[], &dir.path().join("out.json"))
            .expect_err("missing");
        assert!(err.to_string().contains("check --base-bin"), "{err}");
    }

    #[test]
    fn result_of_another_schema_version_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.json");
        std::fs::write(&path, r#"{"schema_version": 7}"#).expect("write");
        let err = read_result(Side::Base, &path).expect_err("refused");
        assert!(err.to_string().contains("7"), "{err}");
        std::fs::write(&path, "not json").expect("write");
        assert!(read_result(Side::Base, &path).is_err());
    }
}
