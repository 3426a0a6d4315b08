//! Closed-loop driver: `concurrency` workers on the tokio runtime, each starting its next op as soon as the previous one
//! ends. Latency is the op's own duration. Throughput is what the workload sustains at that concurrency.
//!
//! With [`Bound::Ops`] the workers claim op numbers from one atomic counter, so exactly that many ops run; with
//! [`Bound::Duration`] no op starts after the deadline (ops in flight finish and count; wall time includes them).

use super::recorder::{Recorded, Recorder};
use super::{Bound, Workload};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Run `workload` with `concurrency` (≥ 1) workers until `bound`.
pub async fn run(workload: Arc<dyn Workload>, concurrency: u32, bound: Bound) -> Recorded {
    let start = Instant::now();
    let claimed = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::with_capacity(concurrency as usize);
    for _ in 0..concurrency.max(1) {
        let workload = Arc::clone(&workload);
        let claimed = Arc::clone(&claimed);
        workers.push(tokio::spawn(async move {
            worker(workload.as_ref(), &claimed, start, bound).await
        }));
    }
    let mut merged = Recorder::new();
    for w in workers {
        match w.await {
            Ok(r) => merged.merge(&r),
            Err(join) => merged.record_err(&super::OpError::new("panic", join.to_string())),
        }
    }
    Recorded {
        recorder: merged,
        wall: start.elapsed(),
    }
}

async fn worker(
    workload: &dyn Workload,
    claimed: &AtomicU64,
    start: Instant,
    bound: Bound,
) -> Recorder {
    let mut rec = Recorder::new();
    loop {
        let go = match bound {
            Bound::Duration(d) => start.elapsed() < d,
            Bound::Ops(n) => claimed.fetch_add(1, Ordering::Relaxed) < n,
        };
        if !go || workload.stopped() {
            return rec;
        }
        let t = Instant::now();
        let outcome = workload.op().await;
        match outcome {
            Ok(()) => rec.record_ok(t.elapsed()),
            Err(e) => rec.record_err(&e),
        }
    }
}
