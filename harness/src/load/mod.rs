//! Load generation: the [`Workload`] trait, the drivers that put a workload under load, and what they record.
//!
//! A workload is one kind of operation (`op`) that can run many times concurrently. Its mock upstreams (the mock grid,
//! the mock LLM) are started when the workload is built ([`spec::WorkloadSpec::start`]) and stopped by
//! [`Workload::shutdown`]. The drivers call `op` in a loop and record each outcome in a [`recorder::Recorder`].
//!
//! | module | what |
//! |---|---|
//! | [`spec`] | parse `--workload` specs (`intensity`, `predict`, `chat`, `spin:N`) and start them |
//! | [`http`] | `--target`: one op is one request (GET by default) against a running `workloads serve` or any server |
//! | [`request`] | one HTTP request as described: method, path, headers (`${VAR}` from the environment), body, expected status |
//! | [`scenario`] | `--scenario FILE`: named requests in TOML, each a workload |
//! | [`command`] | `cmd:COMMAND ARGS`: one run of any program per op (`cmd-run:` one per repetition), charged by the children's CPU time |
//! | [`spin`] | `spin:N`: N iterations of a fixed CPU-bound loop, the calibration workload |
//! | [`intensity`] | `intensity`: one uncached Electricity Maps fetch per op, from the in-process mock grid (or `--live`) |
//! | [`predict`] | `predict`: the embedded `tiny` classifier, loaded once |
//! | [`recorder`] | per-worker HDR latency histogram (µs), op and error counts |
//! | [`chat`] | `chat`: the workloads chat client against an in-process mock LLM |
//! | [`failfast`] | stop a workload whose first ops all fail the same way |
//! | [`closed`] | closed loop: N workers, each starts its next op when the previous one ends |
//! | [`open`] | open loop at R ops/s; latency from the scheduled start (coordinated omission corrected, as in wrk2) |

pub mod chat;
pub mod closed;
pub mod command;
pub mod failfast;
pub mod http;
pub mod intensity;
pub mod open;
pub mod predict;
pub mod recorder;
pub mod request;
pub mod scenario;
pub mod spec;
pub mod spin;

use std::fmt;
use std::future::Future;

/// The sentence the `predict` and `chat` workloads send (the workshop's example).
pub const SAMPLE_TEXT: &str = "driving 10 hours";
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The future of one operation. Boxed so that `Workload` stays object-safe (a run holds `Arc<dyn Workload>`).
pub type OpFuture<'a> = Pin<Box<dyn Future<Output = Result<(), OpError>> + Send + 'a>>;

/// The future returned by [`Workload::shutdown`].
pub type ShutdownFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One kind of operation the harness measures.
///
/// Lifecycle: built and started by [`spec::WorkloadSpec::start`] (mock upstreams bound on 127.0.0.1:0, models loaded),
/// then `op` is called concurrently from many tasks, then `shutdown` stops whatever the start began.
pub trait Workload: Send + Sync + fmt::Debug {
    /// The workload spec as the user wrote it (`spin:1000000`, `intensity`...); also its name in results.
    fn name(&self) -> &str;
    /// Perform one operation. An `Err` counts as a failed op of the error's kind; it never stops the run.
    fn op(&self) -> OpFuture<'_>;
    /// True once the workload asks the drivers to start no more ops ([`failfast::FailFast`]). The default never.
    fn stopped(&self) -> bool {
        false
    }
    /// Stop the mock upstreams started for this workload. The default does nothing.
    fn shutdown(&self) -> ShutdownFuture {
        Box::pin(async {})
    }
}

/// A failed operation: a short machine-readable `kind` (`timeout`, `http_503`, `connect`...) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    pub kind: String,
    pub message: String,
}

impl OpError {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// When a driver stops: after a wall-clock duration or after a number of operations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Duration(Duration),
    Ops(u64),
}

/// How load is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoadShape {
    /// `concurrency` workers, each starting its next op as soon as the previous one ends.
    Closed { concurrency: u32 },
    /// Ops scheduled at `rate_ops_per_s`, at most `max_in_flight` at once; latency counts from the scheduled start.
    Open {
        rate_ops_per_s: f64,
        max_in_flight: u32,
    },
}

/// Run `workload` under `shape` until `bound`, returning everything recorded.
pub async fn drive(
    workload: Arc<dyn Workload>,
    shape: LoadShape,
    bound: Bound,
) -> recorder::Recorded {
    match shape {
        LoadShape::Closed { concurrency } => closed::run(workload, concurrency, bound).await,
        LoadShape::Open {
            rate_ops_per_s,
            max_in_flight,
        } => open::run(workload, rate_ops_per_s, max_in_flight, bound).await,
    }
}
