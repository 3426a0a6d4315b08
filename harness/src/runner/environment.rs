//! The environment of one repetition: what else the machine was doing while it ran, so `compare` can tell a code
//! change from a neighbour ([`crate::compare`]'s environment guard).
//!
//! | field | read from | meaning |
//! |---|---|---|
//! | `other_cpu_cores` | `<proc>/stat` `cpu` line, minus the measured process's own CPU time | CPU-seconds per second other processes used (1.0 = one core busy all the time) |
//! | `own_cpu_cores` | `clock_gettime` of the measured process | the same for the measured process |
//! | `steal_fraction` | `<proc>/stat` `steal` column | share of the machine's CPU time the hypervisor gave to other guests |
//! | `load_avg_1m` | `<proc>/loadavg` at the end | run-queue length, for the reader |
//! | `cpu_freq_mhz` | `<sys cpu>/cpu*/cpufreq/scaling_cur_freq` at the end | mean current frequency, where cpufreq is exposed (not in most VMs) |
//! | `memory_pressure` | `<proc>/pressure/memory` `some total=` | share of the repetition during which some task stalled on memory (PSI, Linux ≥ 4.20) |
//! | `cpu_pressure` | `<proc>/pressure/cpu` `some total=` | share of the repetition during which some runnable task waited for a CPU: contention that still shows when the machine is already saturated and other processes' CPU use cannot grow |
//! | `own_run_share` | `<proc>/<pid>/task/*/schedstat` (run time, run-queue wait; ns) | share of the time the measured process's threads were runnable that they ran: `run / (run + wait)` over the threads alive at both ends of the repetition (a thread that exits mid-repetition takes its counts with it) |
//!
//! Why `own_run_share`: on a saturated machine every machine-wide figure saturates too (PSI cpu `some` sits at
//! 95–100 % and other processes' CPU use at "all but our share" whatever is added), so a CPU hog during one side only
//! left them unchanged while the workload got a quarter less CPU and its p95 latency rose 24–85 % (issue 16's
//! baseline+step A/A run, bench-results/README.md). The workload's own wait for a CPU moves exactly with that, and
//! not with the code under test (a change that only adds work runs longer but waits in the same proportion).
//!
//! Roots are injectable ([`EnvRoots`]) so tests use fixture trees. Nothing here fails a run: a file that cannot be
//! read leaves its field absent.

use crate::record::schema::Environment;
use energy::cputime::DEFAULT_PROC_ROOT;
use energy::units::Seconds;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where Linux exposes per-CPU frequency (`cpuN/cpufreq/scaling_cur_freq`).
pub const DEFAULT_SYS_CPU_ROOT: &str = "/sys/devices/system/cpu";
/// USER_HZ: `/proc/stat` counts in 1/100 s.
const TICKS_PER_S: f64 = 100.0;

/// Where the environment is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRoots {
    pub proc_root: PathBuf,
    pub sys_cpu_root: PathBuf,
}

impl Default for EnvRoots {
    fn default() -> Self {
        Self {
            proc_root: PathBuf::from(DEFAULT_PROC_ROOT),
            sys_cpu_root: PathBuf::from(DEFAULT_SYS_CPU_ROOT),
        }
    }
}

/// Machine CPU time split as the environment needs it, in seconds summed over CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct StatTimes {
    /// user + nice + system + irq + softirq (steal excluded).
    busy: f64,
    steal: f64,
    /// Every column: busy + steal + idle + iowait.
    total: f64,
}

fn parse_stat(text: &str) -> Option<StatTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let mut f = [0f64; 8];
    for (slot, v) in f.iter_mut().zip(line.split_whitespace().skip(1)) {
        *slot = v.parse::<u64>().ok()? as f64 / TICKS_PER_S;
    }
    let busy = f[0] + f[1] + f[2] + f[5] + f[6];
    Some(StatTimes {
        busy,
        steal: f[7],
        total: busy + f[7] + f[3] + f[4],
    })
}

/// `some ... total=<µs>` of a PSI file, in seconds.
fn parse_psi_some_total(text: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with("some "))?;
    let total = line
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("total="))?;
    Some(total.parse::<u64>().ok()? as f64 / 1e6)
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Run time and run-queue wait of one thread: the first two fields of `schedstat`, in seconds.
fn parse_schedstat(text: &str) -> Option<(f64, f64)> {
    let mut f = text.split_whitespace();
    let run = f.next()?.parse::<u64>().ok()? as f64 / 1e9;
    let wait = f.next()?.parse::<u64>().ok()? as f64 / 1e9;
    Some((run, wait))
}

/// Per-thread (run, wait) seconds of process `pid` (`None`: this process), keyed by thread id.
fn thread_schedstats(proc_root: &Path, pid: Option<u32>) -> Option<Vec<(u64, f64, f64)>> {
    let dir = match pid {
        Some(p) => proc_root.join(p.to_string()),
        None => proc_root.join("self"),
    }
    .join("task");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let Some(tid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        if let Some((run, wait)) =
            read(&entry.path().join("schedstat")).and_then(|t| parse_schedstat(&t))
        {
            out.push((tid, run, wait));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `run / (run + wait)` over the threads present in both readings; `None` when nothing ran or waited.
fn run_share(start: &[(u64, f64, f64)], end: &[(u64, f64, f64)]) -> Option<f64> {
    let (mut run, mut wait) = (0.0, 0.0);
    for &(tid, r1, w1) in end {
        // A thread born during the repetition counts from zero.
        let (r0, w0) = start
            .iter()
            .find(|t| t.0 == tid)
            .map_or((0.0, 0.0), |t| (t.1, t.2));
        run += (r1 - r0).max(0.0);
        wait += (w1 - w0).max(0.0);
    }
    (run + wait > 0.0).then(|| run / (run + wait))
}

fn load_avg_1m(proc_root: &Path) -> Option<f64> {
    read(&proc_root.join("loadavg"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Mean `scaling_cur_freq` (kHz) over `cpuN` directories, in MHz.
fn cpu_freq_mhz(sys_cpu_root: &Path) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0u32;
    for entry in std::fs::read_dir(sys_cpu_root).ok()?.flatten() {
        let name = entry.file_name();
        let is_cpu = name
            .to_str()
            .and_then(|s| s.strip_prefix("cpu"))
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()));
        if !is_cpu {
            continue;
        }
        let khz = read(&entry.path().join("cpufreq/scaling_cur_freq"))
            .and_then(|t| t.trim().parse::<f64>().ok());
        if let Some(khz) = khz {
            sum += khz / 1000.0;
            n += 1;
        }
    }
    (n > 0).then(|| sum / f64::from(n))
}

/// The environment counters at the start of a repetition.
#[derive(Debug, Clone)]
pub struct EnvProbe {
    /// The measured process (`None`: this one), for its threads' scheduler statistics.
    pid: Option<u32>,
    threads: Option<Vec<(u64, f64, f64)>>,
    stat: Option<StatTimes>,
    psi_memory: Option<f64>,
    psi_cpu: Option<f64>,
    own_cpu: Seconds,
    started: Instant,
}

/// `some total=` of `<proc>/pressure/<resource>`, in seconds.
fn psi(proc_root: &Path, resource: &str) -> Option<f64> {
    read(&proc_root.join("pressure").join(resource)).and_then(|t| parse_psi_some_total(&t))
}

impl EnvProbe {
    /// Read the counters now; `own_cpu` is the measured process's CPU time now, `pid` that process (`None`: this
    /// one).
    pub fn start(roots: &EnvRoots, own_cpu: Seconds, pid: Option<u32>) -> Self {
        Self {
            pid,
            threads: thread_schedstats(&roots.proc_root, pid),
            stat: read(&roots.proc_root.join("stat")).and_then(|t| parse_stat(&t)),
            psi_memory: psi(&roots.proc_root, "memory"),
            psi_cpu: psi(&roots.proc_root, "cpu"),
            own_cpu,
            started: Instant::now(),
        }
    }

    /// The environment since [`EnvProbe::start`]; `own_cpu` is the measured process's CPU time now.
    pub fn finish(self, roots: &EnvRoots, own_cpu: Seconds) -> Environment {
        let wall = self.started.elapsed().as_secs_f64();
        let stat_end = read(&roots.proc_root.join("stat")).and_then(|t| parse_stat(&t));
        let own_run_share = self
            .threads
            .as_deref()
            .zip(thread_schedstats(&roots.proc_root, self.pid).as_deref())
            .and_then(|(a, b)| run_share(a, b));
        let mut env = environment(
            Counters {
                stat: self.stat,
                psi_memory: self.psi_memory,
                psi_cpu: self.psi_cpu,
                own_cpu: self.own_cpu,
            },
            Counters {
                stat: stat_end,
                psi_memory: psi(&roots.proc_root, "memory"),
                psi_cpu: psi(&roots.proc_root, "cpu"),
                own_cpu,
            },
            wall,
            load_avg_1m(&roots.proc_root),
            cpu_freq_mhz(&roots.sys_cpu_root),
        );
        env.own_run_share = own_run_share;
        env
    }
}

/// Counters read at one instant.
#[derive(Debug, Clone, Copy)]
struct Counters {
    stat: Option<StatTimes>,
    psi_memory: Option<f64>,
    psi_cpu: Option<f64>,
    own_cpu: Seconds,
}

/// The environment between two readings `wall` seconds apart (pure).
fn environment(
    start: Counters,
    end: Counters,
    wall: f64,
    load_avg_1m: Option<f64>,
    cpu_freq_mhz: Option<f64>,
) -> Environment {
    let wall = wall.max(1e-9);
    let own = (end.own_cpu.0 - start.own_cpu.0).max(0.0);
    let (other, steal) = match (start.stat, end.stat) {
        (Some(a), Some(b)) => {
            let total = b.total - a.total;
            let steal = (total > 0.0).then(|| ((b.steal - a.steal) / total).clamp(0.0, 1.0));
            // /proc/stat counts 10 ms ticks, the process clock nanoseconds: never report below zero.
            (Some(((b.busy - a.busy - own) / wall).max(0.0)), steal)
        }
        _ => (None, None),
    };
    let share =
        |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| ((b - a) / wall).clamp(0.0, 1.0));
    let memory_pressure = share(start.psi_memory, end.psi_memory);
    let cpu_pressure = share(start.psi_cpu, end.psi_cpu);
    Environment {
        other_cpu_cores: other,
        own_cpu_cores: own / wall,
        steal_fraction: steal,
        load_avg_1m,
        cpu_freq_mhz,
        memory_pressure,
        cpu_pressure,
        own_run_share: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    #[test]
    fn other_processes_cpu_is_busy_time_minus_our_own() {
        // 10 s window: the machine was busy 15 s (user 1200 + system 300 ticks), steal 1 s, we used 4 s.
        let at = |busy_ticks: u64, steal: u64, idle: u64| {
            parse_stat(&format!("cpu  {busy_ticks} 0 0 {idle} 0 0 0 {steal} 0 0\n"))
        };
        let start = Counters {
            stat: at(1000, 0, 5000),
            psi_memory: Some(1.0),
            psi_cpu: Some(10.0),
            own_cpu: Seconds(2.0),
        };
        let end = Counters {
            stat: at(2500, 100, 5400),
            psi_memory: Some(1.5),
            psi_cpu: Some(17.5),
            own_cpu: Seconds(6.0),
        };
        let e = environment(start, end, 10.0, Some(1.7), None);
        // other = (15 − 4) / 10 = 1.1 cores; steal 1 of (15 + 1 + 4) = 5 %; memory stalled 0.5 s of 10.
        assert!(
            (e.other_cpu_cores.expect("other") - 1.1).abs() < 1e-9,
            "{e:?}"
        );
        assert!((e.own_cpu_cores - 0.4).abs() < 1e-9);
        assert!((e.steal_fraction.expect("steal") - 0.05).abs() < 1e-9);
        assert!((e.memory_pressure.expect("psi") - 0.05).abs() < 1e-9);
        // Some task waited for a CPU 7.5 s of the 10.
        assert!((e.cpu_pressure.expect("psi cpu") - 0.75).abs() < 1e-9);
        assert_eq!((e.load_avg_1m, e.cpu_freq_mhz), (Some(1.7), None));
    }

    #[test]
    fn reads_a_fixture_tree_and_leaves_absent_files_absent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roots = EnvRoots {
            proc_root: dir.path().join("proc"),
            sys_cpu_root: dir.path().join("sys"),
        };
        write(
            &roots.proc_root,
            "stat",
            "cpu  100 0 0 100 0 0 0 0 0 0\ncpu0 1\n",
        );
        write(&roots.proc_root, "loadavg", "2.50 1.00 0.50 3/200 999\n");
        let psi_cpu = |us: u64| {
            format!(
                "some avg10=1.00 avg60=1.00 avg300=1.00 total={us}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
            )
        };
        write(&roots.proc_root, "pressure/cpu", &psi_cpu(1_000_000));
        write(
            &roots.sys_cpu_root,
            "cpu0/cpufreq/scaling_cur_freq",
            "2000000\n",
        );
        write(
            &roots.sys_cpu_root,
            "cpu1/cpufreq/scaling_cur_freq",
            "3000000\n",
        );
        write(&roots.sys_cpu_root, "cpufreq/boost", "1\n");
        // Process 42: thread 42 lives throughout, thread 43 exits, thread 44 is born during the repetition.
        write(
            &roots.proc_root,
            "42/task/42/schedstat",
            "1000000000 500000000 10\n",
        );
        write(
            &roots.proc_root,
            "42/task/43/schedstat",
            "5000000000 5000000000 10\n",
        );
        let probe = EnvProbe::start(&roots, Seconds(0.0), Some(42));
        write(
            &roots.proc_root,
            "stat",
            "cpu  200 0 0 100 0 0 0 0 0 0\ncpu0 1\n",
        );
        // A whole second of CPU waiting appears at once: more than the window lasted, so the share saturates at 1.
        write(&roots.proc_root, "pressure/cpu", &psi_cpu(1_000_000_000));
        fs::remove_dir_all(roots.proc_root.join("42/task/43")).expect("thread 43 exits");
        write(
            &roots.proc_root,
            "42/task/42/schedstat",
            "4000000000 1500000000 20\n",
        );
        write(
            &roots.proc_root,
            "42/task/44/schedstat",
            "1000000000 1000000000 5\n",
        );
        let e = probe.finish(&roots, Seconds(0.0));
        // Ran 3 s + 1 s, waited 1 s + 1 s: 4 of 6 s runnable.
        assert!(
            (e.own_run_share.expect("schedstat read") - 4.0 / 6.0).abs() < 1e-9,
            "{e:?}"
        );
        assert!(e.other_cpu_cores.expect("stat read") > 0.0);
        assert_eq!(e.load_avg_1m, Some(2.5));
        assert_eq!(e.cpu_freq_mhz, Some(2500.0));
        assert_eq!(e.memory_pressure, None, "no pressure/memory in the fixture");
        assert_eq!(
            e.cpu_pressure,
            Some(1.0),
            "read from the fixture's pressure/cpu"
        );
    }

    #[test]
    fn this_process_reports_its_run_share() {
        // A real reading of /proc/self: a thread that spins alone on an idle-enough machine ran most of the time it
        // was runnable; the figure is a share whatever the machine does.
        let roots = EnvRoots::default();
        if !Path::new("/proc/self/task").exists() {
            eprintln!("skipped: no /proc/self/task here");
            return;
        }
        let probe = EnvProbe::start(&roots, Seconds(0.0), None);
        let t = Instant::now();
        let mut x = 0u64;
        while t.elapsed().as_millis() < 50 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let e = probe.finish(&roots, Seconds(0.0));
        let share = e.own_run_share.expect("schedstat is readable on Linux");
        assert!(share > 0.0 && share <= 1.0, "{share}");
    }

    #[test]
    fn psi_total_is_parsed_in_seconds() {
        let text = "some avg10=0.00 avg60=0.00 avg300=0.00 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n";
        assert_eq!(parse_psi_some_total(text), Some(2.5));
        assert_eq!(parse_psi_some_total("garbage"), None);
    }
}
