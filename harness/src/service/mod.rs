//! The user's service under test, started and stopped by the harness (`harness bench --start CMD --health-url URL`).
//!
//! A same-runner A/B of a service needs, for every repetition of each side, a fresh server from that side's checkout:
//! start it, wait until it answers, measure it with its energy charged to its own process, stop it. `harness ab`
//! runs one `harness bench --repetitions 1` per side and repetition in that side's directory, so `bench` owns the
//! lifecycle and `ab` only passes `--start` along.
//!
//! | step | what |
//! |---|---|
//! | start | `sh -c CMD` in the current directory, in its own process group, stdin closed, stdout and stderr appended to a log file (never a pipe: a server that outlives its parent must not hold the harness's output open) |
//! | health | `GET URL` every 100 ms until it answers 2xx; the command exiting first, or no 2xx within the timeout, is an error quoting the URL, the last answer and the log's last lines |
//! | pid | the process doing the work: down from the started shell while there is exactly one child ([`proc_tree`]) |
//! | stop | the stop command (with `SERVICE_PID` set) if given, else (or when it fails) SIGTERM to the process group; after the grace period SIGKILL to the group; the started process is always reaped |
//!
//! Dropping a [`RunningService`] stops it the same way, so an error or an interrupted run never leaves a server behind.

pub mod proc_tree;

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How often the health URL is polled.
const POLL_EVERY: Duration = Duration::from_millis(100);
/// How long one health request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the service gets to exit after the stop command or SIGTERM, before SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(10);
/// How many lines of the service's log an error quotes.
const LOG_TAIL_LINES: usize = 20;

/// The validated service options.
#[derive(Debug, Clone)]
pub struct ServicePlan {
    /// The start command, run with `sh -c`.
    pub start: String,
    /// The stop command, run with `sh -c` and `SERVICE_PID` set; `None`: SIGTERM to the process group.
    pub stop: Option<String>,
    /// Polled until it answers 2xx.
    pub health: reqwest::Url,
    /// The longest wait for the first 2xx.
    pub health_timeout: Duration,
    /// Where the service's stdout and stderr go (`None`: a temporary file, quoted in errors).
    pub log: Option<PathBuf>,
}

/// The default of `--health-timeout`.
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(60);

/// The service flags as given (`harness bench --start …`), before validation.
#[derive(Debug, Clone, Default)]
pub struct ServiceFlags<'a> {
    pub start: Option<&'a str>,
    pub stop: Option<&'a str>,
    pub health_url: Option<&'a str>,
    pub health_timeout: Option<Duration>,
    pub log: Option<&'a Path>,
    /// `--target`, the default health URL.
    pub target: Option<&'a str>,
}

impl ServicePlan {
    /// Validate the flags: `None` without `--start`; errors name the flag and the fix.
    pub fn from_flags(flags: &ServiceFlags<'_>) -> anyhow::Result<Option<Self>> {
        let Some(start) = flags.start else {
            return Ok(None);
        };
        if start.trim().is_empty() {
            anyhow::bail!(
                "--start is empty; give the shell command that runs your service in the foreground, e.g. \
                 --start 'python3 app.py --port 8000'"
            );
        }
        let (flag, url) = match (flags.health_url, flags.target) {
            (Some(u), _) => ("--health-url", u),
            (None, Some(t)) => ("--target", t),
            (None, None) => anyhow::bail!(
                "--start needs --target (the service's base URL) and optionally --health-url, e.g. --target \
                 http://127.0.0.1:8000 --health-url http://127.0.0.1:8000/health"
            ),
        };
        let health = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{flag} `{url}` is not an http(s) URL the health check can poll; give one such as \
                     http://127.0.0.1:8000/health"
                )
            })?;
        let health_timeout = flags.health_timeout.unwrap_or(DEFAULT_HEALTH_TIMEOUT);
        if health_timeout.is_zero() {
            anyhow::bail!("--health-timeout must be greater than 0 (e.g. --health-timeout 60s)");
        }
        if flags.stop.is_some_and(|s| s.trim().is_empty()) {
            anyhow::bail!(
                "--stop is empty; leave it out (the service then gets SIGTERM) or give a shell command, e.g. \
                 --stop 'kill $SERVICE_PID'"
            );
        }
        Ok(Some(Self {
            start: start.to_string(),
            stop: flags.stop.map(str::to_string),
            health,
            health_timeout,
            log: flags.log.map(Path::to_path_buf),
        }))
    }
}

/// Why the service could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("--start: cannot run `{command}` with sh: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("--service-log {path}: cannot open it for appending: {source}")]
    Log {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "--start `{command}` exited ({status}) before {url} answered; the start command must keep the service \
         running in the foreground (no trailing `&`, no daemon mode). Its last output:\n{log_tail}"
    )]
    ExitedEarly {
        command: String,
        status: String,
        url: String,
        log_tail: String,
    },
    #[error(
        "--health-url {url}: no 2xx answer within {waited} of starting `{command}` (last attempt: {last}). Check \
         that the start command listens on that host and port and that the path answers 200, or raise \
         --health-timeout. The service's last output:\n{log_tail}"
    )]
    Unhealthy {
        url: String,
        command: String,
        /// The --health-timeout, as given.
        waited: String,
        last: String,
        log_tail: String,
    },
    #[error("--stop `{command}`: {detail}")]
    Stop { command: String, detail: String },
}

/// A started, healthy service.
#[derive(Debug)]
pub struct RunningService {
    child: Option<Child>,
    /// The process group (the started shell's pid).
    group: i32,
    server_pid: u32,
    stop: Option<String>,
    dir: PathBuf,
    log_path: PathBuf,
    /// Keeps a temporary log alive as long as the service.
    _temp_log: Option<tempfile::TempPath>,
}

impl ServicePlan {
    /// Start the service in `dir`, wait until it is healthy, find its server process.
    pub fn start(&self, dir: &Path) -> Result<RunningService, ServiceError> {
        let (log_file, log_path, temp) = self.open_log()?;
        let err_file = log_file.try_clone().map_err(|source| ServiceError::Log {
            path: log_path.display().to_string(),
            source,
        })?;
        let child = Command::new("sh")
            .arg("-c")
            .arg(&self.start)
            .current_dir(dir)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|source| ServiceError::Spawn {
                command: self.start.clone(),
                source,
            })?;
        let group = i32::try_from(child.id()).unwrap_or(i32::MAX);
        let mut service = RunningService {
            server_pid: child.id(),
            child: Some(child),
            group,
            stop: self.stop.clone(),
            dir: dir.to_path_buf(),
            log_path,
            _temp_log: temp,
        };
        let began = Instant::now();
        self.wait_healthy(&mut service)?;
        service.server_pid = proc_tree::server_process(
            Path::new(proc_tree::DEFAULT_PROC_ROOT),
            service.group.unsigned_abs(),
        );
        eprintln!(
            "service: `{}` answers {} after {:.1} s (server pid {}, log {})",
            self.start,
            self.health,
            began.elapsed().as_secs_f64(),
            service.server_pid,
            service.log_path.display()
        );
        Ok(service)
    }

    fn open_log(&self) -> Result<(File, PathBuf, Option<tempfile::TempPath>), ServiceError> {
        let log_err = |path: &Path, source| ServiceError::Log {
            path: path.display().to_string(),
            source,
        };
        match &self.log {
            Some(path) => {
                let file = File::options()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| log_err(path, e))?;
                Ok((file, path.clone(), None))
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("harness-service-")
                    .suffix(".log")
                    .tempfile()
                    .map_err(|e| log_err(Path::new("(temporary file)"), e))?;
                let (file, path) = temp.into_parts();
                Ok((file, path.to_path_buf(), Some(path)))
            }
        }
    }

    /// Poll the health URL until a 2xx; fail early when the start command exits.
    fn wait_healthy(&self, service: &mut RunningService) -> Result<(), ServiceError> {
        // Straight to the service, as the load generator's plain-HTTP client goes: never through an HTTP_PROXY.
        let client = reqwest::blocking::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .no_proxy()
            .build()
            .map_err(|e| self.unhealthy(service, e.to_string()))?;
        let began = Instant::now();
        loop {
            if let Some(status) = service.exited() {
                return Err(ServiceError::ExitedEarly {
                    command: self.start.clone(),
                    status: status.to_string(),
                    url: self.health.to_string(),
                    log_tail: log_tail(&service.log_path),
                });
            }
            let last = match client.get(self.health.clone()).send() {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => format!("HTTP {}", r.status()),
                Err(e) => crate::describe(&anyhow::Error::new(e)),
            };
            if began.elapsed() >= self.health_timeout {
                return Err(self.unhealthy(service, last));
            }
            std::thread::sleep(POLL_EVERY);
        }
    }

    fn unhealthy(&self, service: &RunningService, last: String) -> ServiceError {
        ServiceError::Unhealthy {
            url: self.health.to_string(),
            command: self.start.clone(),
            waited: humantime::format_duration(self.health_timeout).to_string(),
            last,
            log_tail: log_tail(&service.log_path),
        }
    }
}

impl RunningService {
    /// The process doing the work (what `--server-pid` would name).
    pub fn server_pid(&self) -> u32 {
        self.server_pid
    }

    /// The log of the service's stdout and stderr.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The started process's exit status, if it has exited.
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// Stop the service: the stop command (SIGTERM when there is none, or when it fails), then SIGKILL to the
    /// process group after [`STOP_GRACE`]. A stop command that fails is an error (the service is still stopped).
    pub fn stop(mut self) -> Result<(), ServiceError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), ServiceError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let mut outcome = Ok(());
        if let Some(cmd) = &self.stop {
            outcome = self.run_stop_command(cmd);
        }
        if self.stop.is_none() || outcome.is_err() {
            signal_group(self.group, libc::SIGTERM);
        }
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline && !self.gone(&mut child) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !self.gone(&mut child) {
            signal_group(self.group, libc::SIGKILL);
        }
        let _ = child.wait();
        outcome
    }

    /// True when the started process has exited (reaped) and nothing is left in its process group.
    fn gone(&self, child: &mut Child) -> bool {
        if child.try_wait().ok().flatten().is_none() {
            return false;
        }
        proc_tree::group_members(
            Path::new(proc_tree::DEFAULT_PROC_ROOT),
            self.group.unsigned_abs(),
        )
        .is_empty()
    }

    fn run_stop_command(&self, cmd: &str) -> Result<(), ServiceError> {
        let err = |detail: String| ServiceError::Stop {
            command: cmd.to_string(),
            detail,
        };
        let mut stop = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(&self.dir)
            .env("SERVICE_PID", self.server_pid.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| err(format!("cannot run it with sh: {e}")))?;
        let deadline = Instant::now() + STOP_GRACE;
        loop {
            match stop.try_wait() {
                Ok(Some(s)) if s.success() => return Ok(()),
                Ok(Some(s)) => {
                    return Err(err(format!(
                        "exited {s}; the service was sent SIGTERM instead"
                    )));
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = stop.kill();
                    let _ = stop.wait();
                    return Err(err(format!(
                        "still running after {STOP_GRACE:?}; it was killed and the service sent SIGTERM"
                    )));
                }
            }
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            eprintln!("warning: {e}");
        }
    }
}

fn signal_group(group: i32, signal: i32) {
    // SAFETY: sending a signal to our own child's process group; no memory is involved.
    unsafe {
        libc::kill(-group, signal);
    }
}

/// The last lines of the service's log, indented, or a note that it printed nothing.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return format!("  (nothing; log {})", path.display());
    }
    let from = lines.len().saturating_sub(LOG_TAIL_LINES);
    lines[from..]
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
