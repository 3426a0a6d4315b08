//! `spin:N`: the calibration workload. One op is N iterations of a fixed CPU-bound loop (a xorshift64 step): no I/O,
//! no allocation, the same instructions every time, so its cost is exactly proportional to N.
//!
//! Why it exists: `spin:1000000` against `spin:1050000` is a real, known 5 % regression in both time and energy,
//! which is how `compare` is validated (issue 7). The iteration count and the result go through
//! [`std::hint::black_box`], so the optimiser can neither precompute the loop nor drop it.

use super::{OpFuture, Workload};
use std::hint::black_box;

/// Largest accepted N (about 10 s per op on a slow core): a typo like `spin:10000000000000` is refused.
pub const MAX_ITERATIONS: u64 = 10_000_000_000;

/// The spin workload with its iteration count.
#[derive(Debug, Clone)]
pub struct Spin {
    name: String,
    iterations: u64,
}

impl Spin {
    pub fn new(iterations: u64) -> Self {
        Self {
            name: format!("spin:{iterations}"),
            iterations,
        }
    }

    pub fn iterations(&self) -> u64 {
        self.iterations
    }
}

/// N xorshift64 steps from a fixed seed. Each step depends on the previous one, so it cannot be vectorised or skipped.
#[inline(never)]
pub fn spin(iterations: u64) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..black_box(iterations) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    black_box(x)
}

impl Workload for Spin {
    fn name(&self) -> &str {
        &self.name
    }

    fn op(&self) -> OpFuture<'_> {
        let n = self.iterations;
        Box::pin(async move {
            black_box(spin(n));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_depends_on_n() {
        assert_eq!(spin(1000), spin(1000));
        assert_ne!(spin(1000), spin(1001));
        assert_eq!(spin(0), 0x9E37_79B9_7F4A_7C15);
    }

    #[test]
    fn name_carries_the_parameter() {
        assert_eq!(Spin::new(1_000_000).name(), "spin:1000000");
    }
}
