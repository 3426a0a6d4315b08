//! The command-line options of `harness bench` (clap derive only; `--help` text, see [`super`]).
#![allow(rustdoc::invalid_html_tags)]

use super::PushFlags;
use super::measure::MeasureArgs;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

pub(super) const BENCH_EXAMPLES: &str = "Examples:
  harness bench                                   # every workload, defaults, table on stdout
  harness bench --workload spin:1000000 --duration 2s --repetitions 10
  harness bench --workload spin:1000000 --rate 200 --concurrency 4   # open loop at 200 ops/s
  harness bench --format json --out run.json
  harness bench --live --zone FR                  # the real Electricity Maps API (ELECTRICITY_MAP_API_KEY)
  harness bench --machine github-runner           # SCI per op with a GitHub-hosted runner's embodied carbon
  harness bench --embodied-kg 350 --lifetime-years 5 --resource-share 0.5
  harness bench --meter rapl --powercap-root /host/sys/class/powercap   # RAPL through a bind mount
  harness bench --target http://127.0.0.1:8001 --server-pid 4242   # end to end against `workloads serve`
  harness bench --target http://127.0.0.1:8080 --workload get:/,get:/health   # any other HTTP server
  harness bench --meter instructions --workload spin:100000 --ops 20   # instructions per op under Valgrind
  harness bench --target http://127.0.0.1:8080 --workload post:/orders --body @order.json \
                --header 'Authorization: Bearer ${API_TOKEN}'   # the token is read from the environment
  harness bench --target http://127.0.0.1:8080 --scenario scenario.toml   # named requests, each a workload
  harness bench --target http://127.0.0.1:8000 --start 'python3 app.py' --health-url http://127.0.0.1:8000/health \
                --scenario scenario.toml   # start the service, measure it (energy charged to it), stop it
  harness bench --workload spin:1000000 --push http://127.0.0.1:9091 --remote-write http://127.0.0.1:9090/api/v1/write
Exit codes: 0 ok; 2 the harness failed (bad option, I/O, a workload's error rate above --max-error-rate).";

/// Output format of the summary printed on stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A terminal table.
    #[default]
    Table,
    /// The whole result file as JSON.
    Json,
    /// A Markdown table.
    Markdown,
}

/// Options of `harness bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Workloads to run, comma-separated or repeated: intensity, predict, chat, spin:N, get:/PATH, post:/PATH,
    /// put:/PATH, patch:/PATH, delete:/PATH (with --target: that request on any server). Default: the three app
    /// workloads.
    #[arg(long = "workload", short = 'w', value_name = "SPEC")]
    pub workloads: Vec<String>,
    /// Length of each measured repetition (e.g. 3s, 500ms). Default 3s unless --ops is given.
    #[arg(long, value_parser = humantime::parse_duration, conflicts_with = "ops")]
    pub duration: Option<Duration>,
    /// Operations per measured repetition, instead of --duration.
    #[arg(long)]
    pub ops: Option<u64>,
    /// Warm-up before the measured repetitions of each workload (not recorded).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1s")]
    pub warmup: Duration,
    /// Measured repetitions per workload; each is one sample for the statistics (at least 2 for `compare`).
    #[arg(long, short = 'k', default_value_t = 5)]
    pub repetitions: u32,
    /// Closed loop: concurrent workers (default: logical CPUs). With --rate: the most ops in flight (default 64).
    #[arg(long, short = 'c')]
    pub concurrency: Option<u32>,
    /// Open loop at this many ops/s; latency is measured from each op's scheduled start (wrk2-style).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Idle-baseline measurement before the workloads (0s to skip; net energy then equals gross).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1s")]
    pub idle: Duration,
    /// Drive a running `workloads serve` over HTTP at this base URL instead of running the workloads in-process.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Body of the post:/put:/patch:/delete: workloads: the text itself, or @FILE to send a file's bytes.
    /// Content-Type defaults to application/json when the body parses as JSON.
    #[arg(long, value_name = "STRING|@FILE", requires = "target")]
    pub body: Option<String>,
    /// Header sent by the get:/post:/... workloads, `NAME: VALUE` (repeatable). `${VAR}` in VALUE is read from the
    /// environment when the run starts and recorded as `${VAR}`, never its value.
    #[arg(
        long = "header",
        short = 'H',
        value_name = "NAME: VALUE",
        requires = "target"
    )]
    pub headers: Vec<String>,
    /// TOML file of named HTTP requests (method, path, headers, body, expect_status), each measured as a workload
    /// (README: "Gate your own service").
    #[arg(long, value_name = "FILE", requires = "target")]
    pub scenario: Option<PathBuf>,
    /// With --target: give up on one request after this long (counted as an error of kind `timeout`).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10s", requires = "target")]
    pub request_timeout: Duration,
    /// With --target: charge energy to this server process by its CPU share (else the whole machine minus idle).
    #[arg(long, value_name = "PID", requires = "target")]
    pub server_pid: Option<u32>,
    /// Start the service under test with this shell command (run in the current directory, in the foreground)
    /// before measuring, wait until --health-url answers, charge the energy to its server process, stop it at the
    /// end (README: "Gate your own service").
    #[arg(
        long,
        value_name = "COMMAND",
        requires = "target",
        conflicts_with = "server_pid"
    )]
    pub start: Option<String>,
    /// With --start: polled until it answers 2xx (default: --target).
    #[arg(long, value_name = "URL", requires = "start")]
    pub health_url: Option<String>,
    /// With --start: the longest wait for --health-url to answer 2xx (default 60s).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, requires = "start")]
    pub health_timeout: Option<Duration>,
    /// With --start: the shell command that stops the service (SERVICE_PID holds the server's pid). Default: SIGTERM
    /// to the service's process group; SIGKILL 10 s later either way.
    #[arg(long, value_name = "COMMAND", requires = "start")]
    pub stop: Option<String>,
    /// With --start: append the service's stdout and stderr to this file (default: a temporary file, quoted when
    /// the service fails to start).
    #[arg(long, value_name = "FILE", requires = "start")]
    pub service_log: Option<PathBuf>,
    /// Fail (exit 2) when a workload's failed ops exceed this share of its attempts (0.01 = 1 %).
    #[arg(long, default_value_t = 0.01)]
    pub max_error_rate: f64,
    /// Result file (default: bench-results/runs/<UTC timestamp>-<short sha>.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Append one CodeCarbon-format row per finished workload to this emissions.csv.
    #[arg(long, value_name = "FILE", default_value = crate::record::emissions::DEFAULT_EMISSIONS_CSV)]
    pub emissions_csv: PathBuf,
    /// Do not append to any emissions.csv.
    #[arg(long, conflicts_with = "emissions_csv")]
    pub no_emissions_csv: bool,
    /// Summary format on stdout.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// After the result file is written, push the run's metrics to this Pushgateway (see `harness push --help`).
    #[arg(long, value_name = "URL")]
    pub push: Option<String>,
    /// With --meter instructions: do not simulate the caches (faster; no L1/last-level miss counts, and the energy
    /// estimate counts instructions only).
    #[arg(long)]
    pub no_cache_sim: bool,
    #[command(flatten)]
    pub push_flags: PushFlags,
    #[command(flatten)]
    pub measure: MeasureArgs,
    #[command(flatten)]
    pub embodied: super::EmbodiedArgs,
}
