//! Exact CPU time: of this process (`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, ns, all threads including exited
//! ones), of another running process (`clock_getcpuclockid(pid)`), and of the whole machine (`/proc/stat`, root
//! injectable).
//!
//! Not sysinfo or `/proc/pid/stat`: those count 10 ms ticks, too coarse for a per-request share.

use crate::units::Seconds;
use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

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
    machine_cpu_times_from(&mut ProcFile::new(proc_root.join("stat")))
}

/// A `/proc` file kept open and re-read in place (`pread` from offset 0): one syscall per read instead of
/// open/fstat/read/read/close. procfs regenerates a file's content on every read from offset 0, so the text is always
/// current. This is what a 10 Hz sampler pays per tick: on this 2-core VM, reading `/proc/stat` this way costs
/// ~30–40 µs of CPU on the cold path vs ~70–85 µs with `fs::read_to_string` (wake-up excluded). A fixture file rewritten
/// in place (`fs::write`) is seen too; one replaced by rename is not (the open handle keeps the old file).
#[derive(Debug)]
pub struct ProcFile {
    path: PathBuf,
    file: Option<fs::File>,
    buf: Vec<u8>,
}

impl ProcFile {
    /// Does not open the file yet: the first [`ProcFile::read`] does.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: None,
            buf: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's whole current text. After an error the file is reopened on the next read.
    pub fn read(&mut self) -> io::Result<&str> {
        let result = self.read_in_place();
        if result.is_err() {
            self.file = None;
        }
        let len = result?;
        std::str::from_utf8(&self.buf[..len]).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: not UTF-8: {e}", self.path.display()),
            )
        })
    }

    fn read_in_place(&mut self) -> io::Result<usize> {
        if self.file.is_none() {
            self.file = Some(fs::File::open(&self.path)?);
        }
        let Self { file, buf, .. } = self;
        let file = file
            .as_ref()
            .ok_or_else(|| io::Error::other("file not open"))?;
        let mut len = 0;
        loop {
            if len == buf.len() {
                buf.resize((buf.len() * 2).max(4096), 0);
            }
            let n = file.read_at(&mut buf[len..], len as u64)?;
            len += n;
            // A short read is the end: procfs fills the buffer while content remains, as regular files do.
            if n == 0 || len < buf.len() {
                return Ok(len);
            }
        }
    }
}

/// Machine CPU times from a kept-open `<proc_root>/stat` (see [`ProcFile`]).
pub fn machine_cpu_times_from(stat: &mut ProcFile) -> io::Result<MachineCpuTimes> {
    let text = stat.read()?;
    parse_proc_stat(text).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no parsable `cpu` line", stat.path().display()),
        )
    })
}

/// Parses the aggregate `cpu` line of `/proc/stat` (USER_HZ = 100 ticks per second on Linux).
pub fn parse_proc_stat(text: &str) -> Option<MachineCpuTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    // user nice system idle iowait irq softirq steal (guest, guest_nice are inside user, nice); older kernels have
    // fewer columns. No allocation: a sampler parses this every tick.
    let mut f = [0u64; 8];
    for (slot, v) in f.iter_mut().zip(line.split_whitespace().skip(1)) {
        *slot = v.parse::<u64>().ok()?;
    }
    let get = |i: usize| f[i] as f64;
    let (idle, iowait) = (get(3), get(4));
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    const HZ: f64 = 100.0;
    Some(MachineCpuTimes {
        busy: Seconds(busy / HZ),
        total: Seconds((busy + idle + iowait) / HZ),
    })
}

/// Logical CPUs counted in `<proc_root>/stat` (its `cpuN` lines): the CPUs whose time the `cpu` line sums, so the
/// machine's capacity over a window of `T` seconds is `logical_cpus × T` CPU-seconds.
pub fn logical_cpus(proc_root: &Path) -> io::Result<u32> {
    let path = proc_root.join("stat");
    let text = fs::read_to_string(&path)?;
    let n = count_cpu_lines(&text);
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no `cpuN` line", path.display()),
        ));
    }
    Ok(n)
}

fn count_cpu_lines(text: &str) -> u32 {
    let per_cpu = |l: &&str| {
        l.strip_prefix("cpu")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    text.lines().filter(per_cpu).count() as u32
}

/// Whose CPU time a process-mode measurement follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessRef {
    /// This process.
    Current,
    /// Another running process.
    Pid(u32),
    /// Every child process this process has waited for (`getrusage(RUSAGE_CHILDREN)`: the `wait4` rusage of each
    /// reaped child, which includes the grandchildren it waited for), µs resolution. What a command workload charges.
    Children,
}

impl ProcessRef {
    pub fn cpu_time(self) -> io::Result<Seconds> {
        match self {
            Self::Current => process_cpu_time(),
            Self::Pid(pid) => pid_cpu_time(pid),
            Self::Children => children_cpu_time(),
        }
    }
}

/// User + system CPU time of every child process reaped so far (and of the descendants they reaped).
pub fn children_cpu_time() -> io::Result<Seconds> {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid out-pointer for the duration of the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Ok(Seconds(tv(usage.ru_utime) + tv(usage.ru_stime)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_file_rereads_current_content_with_one_handle() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("stat");
        fs::write(&path, "cpu  100 0 100 800 0 0 0 0 0 0\n").expect("write");
        let mut f = ProcFile::new(path.clone());
        let a = machine_cpu_times_from(&mut f).expect("first");
        assert_eq!(a.busy, Seconds(2.0));
        // Rewritten in place, longer and then shorter: the same handle sees each version whole.
        let long = format!("cpu  300 0 100 800 0 0 0 0 0 0\n{}\n", "x".repeat(10_000));
        fs::write(&path, &long).expect("write");
        assert_eq!(f.read().expect("long").len(), long.len());
        fs::write(&path, "cpu  500 0 100 800 0 0 0 0 0 0\n").expect("write");
        let b = machine_cpu_times_from(&mut f).expect("after rewrite");
        assert_eq!(b.busy, Seconds(6.0));
    }

    #[test]
    fn proc_file_errors_name_the_path_and_recover() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("stat");
        let mut f = ProcFile::new(path.clone());
        assert!(f.read().is_err(), "missing file");
        fs::write(&path, "intr 1 2 3\n").expect("write");
        let e = machine_cpu_times_from(&mut f).expect_err("no cpu line");
        assert!(e.to_string().contains("no parsable `cpu` line"), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        fs::write(&path, "cpu  1 0 0 1 0 0 0 0 0 0\n").expect("write");
        assert!(
            machine_cpu_times_from(&mut f).is_ok(),
            "reads again once the file is good"
        );
    }

    #[test]
    fn kept_open_proc_stat_is_fresh() {
        // Real procfs: the same handle must see the machine's CPU time advance (regenerated on each read).
        let mut f = ProcFile::new(PathBuf::from("/proc/stat"));
        let a = machine_cpu_times_from(&mut f).expect("proc stat");
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed() < std::time::Duration::from_millis(300) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        let b = machine_cpu_times_from(&mut f).expect("proc stat");
        assert!(
            b.busy.0 - a.busy.0 >= 0.1,
            "busy {a:?} -> {b:?} after 300 ms of spinning"
        );
    }

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
    fn children_time_grows_once_a_busy_child_is_reaped() {
        let before = children_cpu_time().expect("rusage");
        let status = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
            .status()
            .expect("sh runs");
        assert!(status.success());
        let after = ProcessRef::Children.cpu_time().expect("rusage");
        assert!(after.0 > before.0, "{before:?} -> {after:?}");
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

    #[test]
    fn logical_cpus_counts_the_per_cpu_lines() {
        assert_eq!(count_cpu_lines("cpu  1 2\ncpu0 1\ncpu1 2\nintr 5\n"), 2);
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("stat"), "cpu  1 2 3\n").expect("write");
        let e = logical_cpus(dir.path()).expect_err("no cpuN");
        assert!(e.to_string().contains("no `cpuN` line"), "{e}");
    }
}
