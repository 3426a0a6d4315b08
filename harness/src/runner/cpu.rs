//! CPU time of this process (all threads, including exited ones), in nanoseconds, from
//! `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`; /proc ticks are only 10 ms precise.

use energy::units::Seconds;

/// CPU seconds this process has used so far, or `None` if the clock cannot be read.
pub fn process_cpu_time() -> Option<Seconds> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_PROCESS_CPUTIME_ID exists on every Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then_some(Seconds(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_with_work() {
        let before = process_cpu_time().expect("clock readable");
        std::hint::black_box(crate::load::spin::spin(20_000_000));
        let after = process_cpu_time().expect("clock readable");
        assert!(after.0 > before.0, "{before:?} -> {after:?}");
    }
}
