//! Exact CPU time: of this process (`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, ns, all threads including exited
//! ones), of another running process (`clock_getcpuclockid(pid)`), and of the whole machine (`/proc/stat`, root
//! injectable).
//!
//! Not sysinfo or `/proc/pid/stat`: those count 10 ms ticks, too coarse for a per-request share.

use crate::units::Seconds;
use std::fs;
use std::io;
use std::path::Path;

/// Where Linux exposes `stat`, `cpuinfo`, `meminfo`.
pub const DEFAULT_PROC_ROOT: &str = "/proc";

/// CPU time consumed by this process so far (user + system, all threads).
pub fn process_cpu_time() -> io::Result<Seconds> {
    clock_seconds(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// CPU time consumed so far by another running process. Fails once the process has exited (or is not ours to see).
pub fn pid_cpu_time(pid: u32) -> io::Result<Seconds> {
    let pid = libc::pid_t::try_from(pid)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `clock` is a valid out-pointer for the duration of the call.
    let rc = unsafe { libc::clock_getcpuclockid(pid, &mut clock) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    clock_seconds(clock)
}

fn clock_seconds(clock: libc::clockid_t) -> io::Result<Seconds> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer for the duration of the call.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Seconds(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9))
}

/// Machine-wide CPU time from the first `cpu` line of `/proc/stat`, summed over all CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MachineCpuTimes {
    /// user + nice + system + irq + softirq + steal (guest time is already inside user/nice).
    pub busy: Seconds,
    /// busy + idle + iowait.
    pub total: Seconds,
}

impl MachineCpuTimes {
    /// Busy fraction (0..=1) between `earlier` and `self`; 0 when no time passed.
    pub fn load_since(&self, earlier: &MachineCpuTimes) -> f64 {
        let total = self.total.0 - earlier.total.0;
        if total <= 0.0 {
            0.0
        } else {
            ((self.busy.0 - earlier.busy.0) / total).clamp(0.0, 1.0)
        }
    }
}

/// Reads `<proc_root>/stat`.
pub fn machine_cpu_times(proc_root: &Path) -> io::Result<MachineCpuTimes> {
    let path = proc_root.join("stat");
    let text = fs::read_to_string(&path)?;
    parse_proc_stat(&text).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no parsable `cpu` line", path.display()),
        )
    })
}

/// Parses the aggregate `cpu` line of `/proc/stat` (USER_HZ = 100 ticks per second on Linux).
pub fn parse_proc_stat(text: &str) -> Option<MachineCpuTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse::<f64>().ok())
        .collect::<Option<_>>()?;
    let get = |i: usize| f.get(i).copied().unwrap_or(0.0);
    let (idle, iowait) = (get(3), get(4));
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    const HZ: f64 = 100.0;
    Some(MachineCpuTimes {
        busy: Seconds(busy / HZ),
        total: Seconds((busy + idle + iowait) / HZ),
    })
}

/// Whose CPU time a process-mode measurement follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessRef {
    /// This process.
    Current,
    /// Another running process.
    Pid(u32),
}

impl ProcessRef {
    pub fn cpu_time(self) -> io::Result<Seconds> {
        match self {
            Self::Current => process_cpu_time(),
            Self::Pid(pid) => pid_cpu_time(pid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_cpu_time_is_nanosecond_precise_and_grows() {
        let a = process_cpu_time().expect("clock");
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let b = process_cpu_time().expect("clock");
        assert!(b > a);
        // Not a multiple of a 10 ms tick, which is what /proc/pid/stat would give.
        assert!(((b.0 - a.0) * 100.0).fract() != 0.0);
    }

    #[test]
    fn pid_clock_reads_self() {
        let me = pid_cpu_time(std::process::id()).expect("own pid");
        assert!(me.0 > 0.0);
    }

    #[test]
    fn proc_stat_line_is_parsed() {
        let t = parse_proc_stat("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n").expect("parse");
        assert_eq!(t.busy, Seconds(1.5));
        assert_eq!(t.total, Seconds(10.0));
        let later = parse_proc_stat("cpu  200 0 50 850 50 0 0 0 0 0\n").expect("parse");
        assert!((later.load_since(&t) - 100.0 / 150.0).abs() < 1e-12);
        assert!(parse_proc_stat("intr 1 2 3").is_none());
    }
}
