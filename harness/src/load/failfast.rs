//! Stop a workload that cannot work: [`FailFast`] wraps a workload and watches its first [`FAIL_FAST_OPS`] ops. When
//! they all fail with the same error kind (every request a 404 or a 502, nothing listening), the drivers stop it
//! ([`Workload::stopped`]) instead of measuring thousands of identical failures; one success or a second error kind
//! ends the watch, after which the wrapper costs one atomic load per op.

use super::{OpError, OpFuture, ShutdownFuture, Workload};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How many first ops must all fail the same way to stop a workload.
pub const FAIL_FAST_OPS: u64 = 50;

/// A workload that stops itself when its first `limit` ops all fail with one error kind.
#[derive(Debug)]
pub struct FailFast {
    inner: Arc<dyn Workload>,
    limit: u64,
    watching: AtomicBool,
    tripped: AtomicBool,
    state: Mutex<Watch>,
}

#[derive(Debug, Default)]
struct Watch {
    failed: u64,
    first: Option<OpError>,
}

impl FailFast {
    pub fn new(inner: Arc<dyn Workload>, limit: u64) -> Self {
        Self {
            inner,
            limit: limit.max(1),
            watching: AtomicBool::new(true),
            tripped: AtomicBool::new(false),
            state: Mutex::new(Watch::default()),
        }
    }

    /// Why the workload was stopped (`its first 50 ops all failed with http_404: …`), if it was.
    pub fn tripped_by(&self) -> Option<String> {
        if !self.tripped.load(Ordering::Acquire) {
            return None;
        }
        let state = self.state.lock().ok()?;
        let first = state.first.as_ref()?;
        Some(format!(
            "its first {} ops all failed with {}: {}",
            self.limit, first.kind, first.message
        ))
    }

    fn observe(&self, outcome: &Result<(), OpError>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !self.watching.load(Ordering::Acquire) {
            return;
        }
        match outcome {
            Ok(()) => self.watching.store(false, Ordering::Release),
            Err(e) => {
                let same = state.first.get_or_insert_with(|| e.clone()).kind == e.kind;
                if !same {
                    self.watching.store(false, Ordering::Release);
                    return;
                }
                state.failed += 1;
                if state.failed >= self.limit {
                    self.tripped.store(true, Ordering::Release);
                    self.watching.store(false, Ordering::Release);
                }
            }
        }
    }
}

impl Workload for FailFast {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn op(&self) -> OpFuture<'_> {
        Box::pin(async move {
            let outcome = self.inner.op().await;
            if self.watching.load(Ordering::Relaxed) {
                self.observe(&outcome);
            }
            outcome
        })
    }

    fn stopped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    fn shutdown(&self) -> ShutdownFuture {
        self.inner.shutdown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// Fails with `kinds[i % len]` (`ok` succeeds).
    #[derive(Debug)]
    struct Scripted {
        kinds: Vec<&'static str>,
        n: AtomicU64,
    }

    impl Workload for Scripted {
        fn name(&self) -> &str {
            "scripted"
        }
        fn op(&self) -> OpFuture<'_> {
            let i = self.n.fetch_add(1, Ordering::Relaxed) as usize;
            let kind = self.kinds[i % self.kinds.len()];
            Box::pin(async move {
                if kind == "ok" {
                    Ok(())
                } else {
                    Err(OpError::new(kind, "GET /x: not here"))
                }
            })
        }
    }

    fn run(kinds: Vec<&'static str>, ops: usize) -> FailFast {
        let f = FailFast::new(
            Arc::new(Scripted {
                kinds,
                n: AtomicU64::new(0),
            }),
            5,
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        for _ in 0..ops {
            let _ = rt.block_on(f.op());
        }
        f
    }

    #[test]
    fn the_same_failure_for_the_first_n_ops_stops_the_workload() {
        let f = run(vec!["http_404"], 4);
        assert!(!f.stopped());
        let f = run(vec!["http_404"], 5);
        assert!(f.stopped());
        let why = f.tripped_by().expect("why");
        assert!(
            why.contains("first 5 ops all failed with http_404: GET /x: not here"),
            "{why}"
        );
    }

    #[test]
    fn a_success_or_a_second_kind_ends_the_watch() {
        assert!(!run(vec!["http_404", "http_404", "ok"], 50).stopped());
        assert!(!run(vec!["http_404", "timeout"], 50).stopped());
        assert_eq!(run(vec!["ok"], 50).tripped_by(), None);
    }
}
