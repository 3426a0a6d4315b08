//! The load drivers against deliberately slow and failing fake workloads: the open loop charges queueing delay to
//! latency (coordinated omission corrected), the closed loop does not; bounds by ops are exact; errors are counted.

use harness::load::{Bound, LoadShape, OpError, OpFuture, Workload, drive};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Each op sleeps `service`; every `fail_every`-th op fails (0: never).
#[derive(Debug)]
struct Slow {
    service: Duration,
    fail_every: u64,
    calls: AtomicU64,
}

impl Slow {
    fn new(service: Duration, fail_every: u64) -> Arc<Self> {
        Arc::new(Self {
            service,
            fail_every,
            calls: AtomicU64::new(0),
        })
    }
}

impl Workload for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
            tokio::time::sleep(self.service).await;
            if self.fail_every > 0 && n.is_multiple_of(self.fail_every) {
                return Err(OpError::new("http_503", format!("op {n} refused")));
            }
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_latency_includes_queueing_delay() {
    // 20 ms of service, scheduled every 5 ms, one op in flight: op i waits about 15 ms × i in the queue.
    let service = Duration::from_millis(20);
    let slow = Slow::new(service, 0);
    let open = LoadShape::Open {
        rate_ops_per_s: 200.0,
        max_in_flight: 1,
    };
    let recorded = drive(slow.clone(), open, Bound::Ops(40)).await;
    let l = recorded.recorder.latency_summary();
    assert_eq!(recorded.recorder.ops(), 40);
    // Without correction every latency would be ~20 ms. With it, the median op has queued ~20 × 15 ms = 300 ms.
    assert!(
        l.p50 > 0.15,
        "open-loop p50 {} s does not include queueing delay",
        l.p50
    );
    assert!(
        l.max > 0.45,
        "open-loop max {} s does not include queueing delay",
        l.max
    );

    let closed = drive(slow, LoadShape::Closed { concurrency: 1 }, Bound::Ops(10)).await;
    let c = closed.recorder.latency_summary();
    assert!(
        c.p50 >= 0.019 && c.p50 < 0.15,
        "closed-loop p50 {} s should be the service time",
        c.p50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_below_capacity_measures_service_time() {
    // 5 ms of service at 50 ops/s with 4 in flight: nothing queues, so latency stays near the service time.
    let slow = Slow::new(Duration::from_millis(5), 0);
    let open = LoadShape::Open {
        rate_ops_per_s: 50.0,
        max_in_flight: 4,
    };
    let recorded = drive(slow, open, Bound::Ops(20)).await;
    let l = recorded.recorder.latency_summary();
    assert!(l.p50 >= 0.004 && l.p50 < 0.1, "p50 {}", l.p50);
    // 20 ops at 50/s are scheduled over 0.38 s: the run cannot finish sooner.
    assert!(
        recorded.wall >= Duration::from_millis(380),
        "wall {:?}",
        recorded.wall
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_bound_is_exact_and_errors_are_counted_by_kind() {
    let slow = Slow::new(Duration::from_millis(1), 4);
    let recorded = drive(slow, LoadShape::Closed { concurrency: 3 }, Bound::Ops(40)).await;
    let r = &recorded.recorder;
    assert_eq!(r.ops() + r.errors(), 40);
    assert_eq!(r.errors(), 10);
    assert_eq!(r.errors_by_kind()["http_503"], 10);
    assert!(
        r.first_errors()[0].starts_with("http_503: op "),
        "{:?}",
        r.first_errors()
    );
    assert_eq!(
        r.histogram().len(),
        30,
        "failed ops must not enter the latency histogram"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_bound_stops_starting_ops_at_the_deadline() {
    let slow = Slow::new(Duration::from_millis(10), 0);
    let recorded = drive(
        slow,
        LoadShape::Closed { concurrency: 2 },
        Bound::Duration(Duration::from_millis(200)),
    )
    .await;
    assert!(recorded.wall >= Duration::from_millis(200));
    // At most 2 workers × (200 ms / 10 ms + 1 op in flight at the deadline).
    assert!(
        recorded.recorder.ops() <= 42,
        "ops {}",
        recorded.recorder.ops()
    );
    assert!(
        recorded.recorder.ops() >= 4,
        "ops {}",
        recorded.recorder.ops()
    );
}
