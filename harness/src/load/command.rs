//! `cmd:COMMAND ARGS` and `cmd-run:COMMAND ARGS`: measure any program. One op runs the command once, to the end.
//!
//! The text after `cmd:` is split into words as a POSIX shell would (quotes and backslashes, by the `shlex` crate),
//! but no shell runs it: the first word is the program (looked up on `PATH` when it has no `/`), the rest its
//! arguments. For pipes, redirections or globs ask for a shell explicitly: `cmd:sh -c 'make -j2 2>/dev/null'`.
//! The command's stdin and stdout are null; its stderr is kept for the error message. A non-zero exit status (or a
//! signal) is a failed op of kind `exit_<code>` (`signal_<n>`).
//!
//! Energy is charged to the child processes by their CPU time: the run's attribution is `children-cpu-share`
//! ([`energy::cputime::ProcessRef::Children`], the `wait4` rusage of every reaped child, grandchildren it waited for
//! included). A daemon the command leaves running is not counted.
//!
//! `cmd:` repeats the command for the repetition's `--duration` or `--ops` (one at a time unless `--concurrency`
//! says otherwise); `cmd-run:` is the whole-run form for long jobs: each repetition runs the command exactly once,
//! like hyperfine's runs.

use super::{OpError, OpFuture, Workload};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// How much of a failed command's stderr its error message quotes.
const STDERR_QUOTED_CHARS: usize = 300;

/// A parsed `cmd:` or `cmd-run:` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// The spec as written (`cmd:python3 bench.py`): the workload name.
    pub name: String,
    /// Program and arguments, split.
    pub argv: Vec<String>,
    /// `cmd-run:`: one op per repetition.
    pub whole_run: bool,
}

/// Split `text` (after `cmd:`), refusing what no command could be.
pub fn parse(spec: &str, text: &str, whole_run: bool) -> Result<CommandSpec, String> {
    let argv = shlex::split(text).ok_or_else(|| {
        "unbalanced quotes or a trailing backslash; quote arguments as in a POSIX shell".to_string()
    })?;
    if argv.is_empty() {
        return Err("no command given, e.g. cmd:python3 bench.py".to_string());
    }
    Ok(CommandSpec {
        name: spec.to_string(),
        argv,
        whole_run,
    })
}

/// The program's path: as given when it holds a `/`, else the first executable of that name on `PATH`.
pub fn resolve(program: &str, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let p = PathBuf::from(program);
        return executable(&p).then_some(p);
    }
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(program))
        .find(|p| executable(p))
}

/// Runs the command once per op.
#[derive(Debug)]
pub struct Command {
    name: String,
    program: PathBuf,
    args: Vec<String>,
}

impl Command {
    /// Check that the program exists; the error names it and the fix.
    pub fn new(spec: &CommandSpec) -> anyhow::Result<Self> {
        let program = &spec.argv[0];
        let path = resolve(program, std::env::var_os("PATH").as_deref()).ok_or_else(|| {
            anyhow::anyhow!(
                "--workload {}: command not found: `{program}` ({}); check the spelling, install it, or give its \
                 full path",
                spec.name,
                if program.contains('/') {
                    "no executable file there"
                } else {
                    "not on PATH"
                }
            )
        })?;
        Ok(Self {
            name: spec.name.clone(),
            program: path,
            args: spec.argv[1..].to_vec(),
        })
    }
}

impl Workload for Command {
    fn name(&self) -> &str {
        &self.name
    }

    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let output = tokio::process::Command::new(&self.program)
                .args(&self.args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .output()
                .await
                .map_err(|e| {
                    OpError::new("spawn", format!("starting {}: {e}", self.program.display()))
                })?;
            if output.status.success() {
                return Ok(());
            }
            let kind = match (output.status.code(), signal(&output.status)) {
                (Some(code), _) => format!("exit_{code}"),
                (None, Some(sig)) => format!("signal_{sig}"),
                (None, None) => "exit_unknown".to_string(),
            };
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: String = stderr
                .trim()
                .chars()
                .rev()
                .take(STDERR_QUOTED_CHARS)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            Err(OpError::new(
                kind,
                format!("{} ended with {}: {tail}", self.name, output.status),
            ))
        })
    }
}

fn signal(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell_without_running_one() {
        let c = parse(
            "cmd:x",
            r#"python3 -c 'print("a b")' "two words" \$HOME"#,
            false,
        )
        .expect("splits");
        assert_eq!(
            c.argv,
            ["python3", "-c", r#"print("a b")"#, "two words", "$HOME"]
        );
        assert!(
            parse("cmd:", "", false)
                .expect_err("empty")
                .contains("no command")
        );
        assert!(
            parse("cmd:", "echo 'open", false)
                .expect_err("quote")
                .contains("unbalanced")
        );
    }

    #[test]
    fn programs_are_found_on_path_or_refused() {
        let path = std::env::var_os("PATH");
        assert!(resolve("sh", path.as_deref()).is_some());
        assert!(resolve("/bin/sh", None).is_some());
        assert!(resolve("no-such-program-here", path.as_deref()).is_none());
        let spec = parse(
            "cmd:no-such-program-here",
            "no-such-program-here --x",
            false,
        )
        .expect("parses");
        let e = Command::new(&spec).expect_err("not found").to_string();
        assert!(
            e.contains("command not found: `no-such-program-here`") && e.contains("PATH"),
            "{e}"
        );
    }

    #[test]
    fn a_failing_command_is_a_failed_op_with_its_status_and_stderr() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let ok = Command::new(&parse("cmd:true", "true", false).expect("parses")).expect("found");
        assert_eq!(rt.block_on(ok.op()), Ok(()));
        let spec = parse("cmd:sh", "sh -c 'echo broken >&2; exit 3'", false).expect("parses");
        let e = rt
            .block_on(Command::new(&spec).expect("found").op())
            .expect_err("exit 3");
        assert_eq!(e.kind, "exit_3");
        assert!(e.message.contains("broken"), "{}", e.message);
    }
}
