//! Open-loop driver: ops are scheduled at a constant rate R (op i at `start + i/R`), whatever the workload's speed,
//! and each op's latency is measured **from its scheduled start**, not from when it actually began. When the workload
//! falls behind, ops queue and the queueing delay is part of their latency: coordinated omission is corrected, as in
//! wrk2 (Gil Tene, "How NOT to measure latency"; github.com/giltene/wrk2).
//!
//! `max_in_flight` workers claim op numbers from one atomic counter; a worker sleeps until its op's scheduled time, or
//! starts it at once when late. With [`Bound::Duration`] only ops scheduled before the deadline run; with
//! [`Bound::Ops`] exactly that many.

use super::recorder::{Recorded, Recorder};
use super::{Bound, Workload};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Run `workload` at `rate_ops_per_s` (> 0) with at most `max_in_flight` (≥ 1) ops at once until `bound`.
pub async fn run(
    workload: Arc<dyn Workload>,
    rate_ops_per_s: f64,
    max_in_flight: u32,
    bound: Bound,
) -> Recorded {
    let start = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::with_capacity(max_in_flight as usize);
    for _ in 0..max_in_flight.max(1) {
        let workload = Arc::clone(&workload);
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move {
            worker(workload.as_ref(), &next, start, rate_ops_per_s, bound).await
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

/// When op `i` is due.
pub fn scheduled_offset(i: u64, rate_ops_per_s: f64) -> Duration {
    Duration::from_secs_f64(i as f64 / rate_ops_per_s)
}

async fn worker(
    workload: &dyn Workload,
    next: &AtomicU64,
    start: Instant,
    rate: f64,
    bound: Bound,
) -> Recorder {
    let mut rec = Recorder::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let offset = scheduled_offset(i, rate);
        let go = match bound {
            Bound::Duration(d) => offset < d,
            Bound::Ops(n) => i < n,
        };
        if !go || workload.stopped() {
            return rec;
        }
        let scheduled = start + offset;
        tokio::time::sleep_until(scheduled.into()).await;
        let outcome = workload.op().await;
        match outcome {
            Ok(()) => rec.record_ok(scheduled.elapsed()),
            Err(e) => rec.record_err(&e),
        }
    }
}
