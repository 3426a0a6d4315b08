//! `--meter instructions`: count what the measured ops execute, under Valgrind's Callgrind, instead of timing them.
//!
//! How: `harness bench --meter instructions …` re-runs itself ([`run_under_callgrind`]) as
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=F --dump-after=F …` where `F` is
//! [`harness_counted_ops`], the one function that runs a repetition's ops, one after the other on the calling thread.
//! Callgrind then counts only inside `F` (per thread: the sampler, the tokio workers and the in-process mock upstreams
//! are never counted) and writes one profile each time `F` returns, which the child reads back at once
//! ([`Counter::take`]): its `Ir` (instructions executed) and, with the cache simulation, the L1 and last-level misses
//! of a fixed reference cache ([`REFERENCE_CACHE`], the same on every machine).
//!
//! The counts are deterministic: the same binary and workload give the same instructions per op on a busy or an idle
//! machine (bench-results/README.md has the measurements). Wall-clock figures of such a run (latency, throughput,
//! `wall_s`) are Valgrind's, 20–100× slower than native, and marked `wall_clock_meaningful: false`.
//!
//! The energy figures of such a run are an **estimate** from the counts ([`estimate_j`]): instructions ×
//! [`JOULES_PER_INSTRUCTION`] + last-level misses × [`JOULES_PER_LL_MISS`]; the module constants say where each
//! coefficient comes from. `compare` gates the count, not the estimate's absolute value.

use super::environment::{EnvProbe, EnvRoots};
use super::{Measured, Schedule, repetition_done};
use crate::load::failfast::{FAIL_FAST_OPS, FailFast};
use crate::load::recorder::{Recorded, Recorder};
use crate::load::{Bound, OpError, Workload, drive};
use crate::record::schema::{
    AttributableEnergy, CacheMissCounts, CacheMisses, InstructionCounts, RepetitionSample,
    WorkloadResult,
};
use anyhow::{Context as _, bail};
use energy::units::{GramsPerKwh, Joules, Seconds};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Instant;

/// Set in the re-run child's environment: the Callgrind output file base (`<dir>/callgrind.out`); its dumps are
/// `<base>.1`, `<base>.2`, … in the order the repetitions ran.
pub const CHILD_ENV: &str = "HARNESS_CALLGRIND_OUT";

/// The fully qualified name of [`harness_counted_ops`] as Callgrind demangles it (`--toggle-collect`,
/// `--dump-after`). A test runs the meter under Valgrind, so renaming the function or its module fails it.
pub const COUNTED_FUNCTION: &str = "harness::runner::counted::harness_counted_ops";

/// The cache Callgrind simulates (size, associativity, line size in bytes), the same on every machine so that miss
/// counts compare across runners: 32 KiB 8-way L1 instruction and data caches and an 8 MiB 16-way last level, a
/// common x86-64 desktop/server configuration.
pub const REFERENCE_CACHE: [&str; 3] = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"];

/// Energy per instruction, joules: calibrated on the development VM (AMD EPYC, 2 vCPUs) by running `spin:100000`
/// under the model meter (CodeCarbon's TDP model, attributable energy per op) and under this meter (instructions per
/// op) with the same release binary, and dividing; bench-results/README.md has the commands and numbers. It folds the
/// machine's static power share into the per-instruction cost, so it is a rough figure for *this kind of machine*.
pub const JOULES_PER_INSTRUCTION: f64 = 1.4e-9;

/// Energy per last-level cache miss (one 64-byte line from DRAM), joules: 15 nJ, the middle of the 10–20 nJ per line
/// that Horowitz ("Computing's energy problem", ISSCC 2014: 1.3–2.6 nJ per 64-bit DRAM access, 8 accesses per line)
/// gives. `spin` has no misses, so it cannot calibrate this one; it is a literature value.
pub const JOULES_PER_LL_MISS: f64 = 15e-9;

/// Component name of the estimate in `energy_j`.
pub const ESTIMATE_COMPONENT: &str = "instructions_estimate";

/// How to install Valgrind, for the messages.
pub const INSTALL_HINT: &str = "install Valgrind (Debian/Ubuntu: `sudo apt-get install -y valgrind`; Fedora: `sudo dnf install valgrind`; macOS has none: use a Linux runner)";

/// The energy estimate from counts: instructions × [`JOULES_PER_INSTRUCTION`] + LL misses × [`JOULES_PER_LL_MISS`].
pub fn estimate_j(counts: &InstructionCounts) -> Joules {
    let misses = counts.cache_misses.map_or(0, |m| m.ll);
    Joules(counts.instructions as f64 * JOULES_PER_INSTRUCTION + misses as f64 * JOULES_PER_LL_MISS)
}

/// `valgrind --version` when Valgrind can be run, else the reason with [`INSTALL_HINT`].
pub fn valgrind_version() -> Result<String, String> {
    match Command::new("valgrind").arg("--version").output() {
        Ok(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        Ok(out) => Err(format!(
            "`valgrind --version` failed ({}); {INSTALL_HINT}",
            out.status
        )),
        Err(e) => Err(format!("Valgrind is not installed ({e}); {INSTALL_HINT}")),
    }
}

/// The Callgrind output base when this process is the re-run child.
pub fn child_output() -> Option<PathBuf> {
    std::env::var_os(CHILD_ENV).map(PathBuf::from)
}

/// Where Valgrind's own messages go (not the harness's stderr: its cache auto-detection warns on every run).
fn log_path(out_base: &Path) -> PathBuf {
    out_base.with_file_name("valgrind.log")
}

/// The lines of Valgrind's log worth showing: all of them, but its cache auto-detection notes (the reference cache
/// replaces what it detected).
fn valgrind_messages(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            !(l.contains("warning: L3 cache found")
                || l.contains("warning: specified LL cache")
                || l.contains("warning: simulated LL cache")
                || l.contains("warning: L2 cache found"))
        })
        .collect()
}

/// The Valgrind command line (before the harness's own argv) for a child writing its dumps to `out_base`.
pub fn valgrind_args(out_base: &Path, cache_sim: bool) -> Vec<String> {
    let mut args = vec![
        "--tool=callgrind".to_string(),
        "-q".to_string(),
        "--collect-atstart=no".to_string(),
        format!("--toggle-collect={COUNTED_FUNCTION}"),
        format!("--dump-after={COUNTED_FUNCTION}"),
        format!("--callgrind-out-file={}", out_base.display()),
        format!("--log-file={}", log_path(out_base).display()),
    ];
    if cache_sim {
        args.push("--cache-sim=yes".to_string());
        args.extend(REFERENCE_CACHE.iter().map(|s| s.to_string()));
    }
    args
}

/// Re-run this very command line under Callgrind and return its exit code. Exit 2 (an error) when Valgrind is
/// missing. The child knows it is the child by [`CHILD_ENV`]; `RAYON_NUM_THREADS=1` keeps the model's matrix
/// products on the counted thread.
pub fn run_under_callgrind(cache_sim: bool) -> anyhow::Result<ExitCode> {
    let version = valgrind_version().map_err(|e| anyhow::anyhow!("--meter instructions: {e}"))?;
    let exe =
        std::env::current_exe().context("--meter instructions: locating the harness binary")?;
    let dir =
        tempfile::tempdir().context("--meter instructions: creating a temporary directory")?;
    let base = dir.path().join("callgrind.out");
    eprintln!(
        "--meter instructions: re-running under {version} (Callgrind); wall-clock figures are not meaningful"
    );
    let status = Command::new("valgrind")
        .args(valgrind_args(&base, cache_sim))
        .arg(&exe)
        .args(std::env::args_os().skip(1))
        .env(CHILD_ENV, &base)
        .env("RAYON_NUM_THREADS", "1")
        .status()
        .context("--meter instructions: starting valgrind")?;
    let log = std::fs::read_to_string(log_path(&base)).unwrap_or_default();
    for line in valgrind_messages(&log) {
        eprintln!("valgrind: {line}");
    }
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(crate::EXIT_HARNESS_ERROR)),
        None => {
            eprintln!("--meter instructions: valgrind was killed by a signal ({status})");
            ExitCode::from(crate::EXIT_HARNESS_ERROR)
        }
    })
}

/// Runs up to `ops` ops of `workload` one after the other on this thread, pushing each outcome to `outcomes`
/// (allocated by the caller for `ops`): the only code Callgrind counts (its name is [`COUNTED_FUNCTION`]). Nothing
/// else happens inside: no clock read, no histogram (whose resizing depends on the latencies), so the count is the
/// ops' own plus a constant few dozen instructions per op for the loop and `block_on`.
#[inline(never)]
pub fn harness_counted_ops(
    workload: &dyn Workload,
    ops: u64,
    rt: &tokio::runtime::Handle,
    outcomes: &mut Vec<Result<(), OpError>>,
) {
    for _ in 0..ops {
        if workload.stopped() {
            break;
        }
        outcomes.push(rt.block_on(workload.op()));
    }
}

/// Runs one counted repetition: [`harness_counted_ops`] timed from outside. Under Valgrind the per-op latency means
/// nothing, so each successful op is recorded at the repetition's mean op time.
fn counted_repetition(workload: &dyn Workload, ops: u64, rt: &tokio::runtime::Handle) -> Recorded {
    let mut outcomes = Vec::with_capacity(usize::try_from(ops).unwrap_or(usize::MAX).min(1 << 20));
    let start = Instant::now();
    tokio::task::block_in_place(|| harness_counted_ops(workload, ops, rt, &mut outcomes));
    let wall = start.elapsed();
    let mean = wall / u32::try_from(outcomes.len().max(1)).unwrap_or(u32::MAX);
    let mut recorder = Recorder::new();
    for outcome in &outcomes {
        match outcome {
            Ok(()) => recorder.record_ok(mean),
            Err(e) => recorder.record_err(e),
        }
    }
    Recorded { recorder, wall }
}

/// Reads the child's Callgrind dumps in order.
#[derive(Debug)]
pub struct Counter {
    base: PathBuf,
    next: u32,
}

impl Counter {
    pub fn new(base: PathBuf) -> Self {
        Self { base, next: 1 }
    }

    /// The counts of the next dump (the repetition that just ran); the file is removed once read.
    pub fn take(&mut self) -> anyhow::Result<InstructionCounts> {
        let path = PathBuf::from(format!("{}.{}", self.base.display(), self.next));
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "--meter instructions: no Callgrind profile at {} (is this process running under \
                 `valgrind --tool=callgrind --dump-after={COUNTED_FUNCTION}`? run `harness bench --meter instructions` \
                 without setting {CHILD_ENV})",
                path.display()
            )
        })?;
        let counts = parse_profile(&text).with_context(|| format!("reading {}", path.display()))?;
        let _ = std::fs::remove_file(&path);
        self.next += 1;
        Ok(counts)
    }
}

/// The totals of one Callgrind profile: its `events:` line names the columns of its `summary:` (or `totals:`) line;
/// trailing zero columns may be left out.
pub fn parse_profile(text: &str) -> anyhow::Result<InstructionCounts> {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::split_whitespace)
    };
    let Some(events) = field("events:") else {
        bail!("no `events:` line: not a Callgrind profile");
    };
    let events: Vec<&str> = events.collect();
    let Some(values) = field("summary:").or_else(|| field("totals:")) else {
        bail!("no `summary:` line: not a complete Callgrind profile");
    };
    let values: Vec<u64> = values
        .map(|v| {
            v.parse::<u64>()
                .with_context(|| format!("`{v}` is not a count"))
        })
        .collect::<anyhow::Result<_>>()?;
    let get = |name: &str| -> Option<u64> {
        let i = events.iter().position(|e| *e == name)?;
        Some(values.get(i).copied().unwrap_or(0))
    };
    let Some(instructions) = get("Ir") else {
        bail!("no `Ir` event: Callgrind did not count instructions");
    };
    let sum = |names: &[&str]| -> Option<u64> { names.iter().map(|n| get(n)).sum() };
    let cache_misses = match (
        sum(&["I1mr", "D1mr", "D1mw"]),
        sum(&["ILmr", "DLmr", "DLmw"]),
    ) {
        (Some(l1), Some(ll)) => Some(CacheMissCounts { l1, ll }),
        _ => None,
    };
    Ok(InstructionCounts {
        instructions,
        cache_misses,
    })
}

/// Warm up (not counted), then run `schedule.repetitions` counted repetitions of `schedule.bound` ops each.
pub async fn measure_workload(
    workload: Arc<dyn Workload>,
    schedule: &Schedule,
    counter: &mut Counter,
    intensity: GramsPerKwh,
    on_step: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Measured> {
    let Bound::Ops(ops) = schedule.bound else {
        bail!(
            "--meter instructions runs a fixed number of ops per repetition: give --ops, not --duration"
        );
    };
    if !schedule.warmup.is_zero() {
        drive(
            Arc::clone(&workload),
            schedule.shape,
            Bound::Duration(schedule.warmup),
        )
        .await;
        on_step("warm-up done");
    }
    let watched = Arc::new(FailFast::new(Arc::clone(&workload), FAIL_FAST_OPS));
    let rt = tokio::runtime::Handle::current();
    let env_roots = EnvRoots::default();
    let mut merged = Recorder::new();
    let mut samples = Vec::with_capacity(schedule.repetitions as usize);
    let mut stopped_early = None;
    for index in 0..schedule.repetitions {
        let own = || {
            energy::cputime::ProcessRef::Current
                .cpu_time()
                .map_err(|e| anyhow::anyhow!("reading this process's CPU time: {e}"))
        };
        let env = EnvProbe::start(&env_roots, own()?, None);
        let cpu0 = own()?;
        let recorded = counted_repetition(watched.as_ref(), ops, &rt);
        let counts = counter.take()?;
        let cpu = Seconds(own()?.0 - cpu0.0);
        let environment = env.finish(&env_roots, own()?);
        samples.push(sample(
            index,
            &recorded,
            &counts,
            cpu,
            environment,
            intensity,
        ));
        merged.merge(&recorded.recorder);
        stopped_early = repetition_done(&*workload, &watched, index, schedule.repetitions, on_step);
        if stopped_early.is_some() {
            break;
        }
    }
    let result = aggregate(workload.name(), &samples, &merged, intensity)?;
    Ok(Measured {
        result,
        first_errors: merged.first_errors().to_vec(),
        stopped_early,
    })
}

fn per_op(total: f64, ops: u64) -> f64 {
    if ops == 0 { 0.0 } else { total / ops as f64 }
}

/// One counted repetition: the counts, and the energy estimate from them in every energy field.
pub fn sample(
    index: u32,
    recorded: &Recorded,
    counts: &InstructionCounts,
    cpu: Seconds,
    environment: crate::record::schema::Environment,
    intensity: GramsPerKwh,
) -> RepetitionSample {
    let rec = &recorded.recorder;
    let ops = rec.ops();
    let wall_s = recorded.wall.as_secs_f64();
    let j = estimate_j(counts).0;
    let j_per_op = per_op(j, ops);
    let g_per_op = Joules(j_per_op).to_kwh().emissions(intensity).0;
    RepetitionSample {
        index,
        ops,
        errors: rec.errors(),
        wall_s,
        cpu_s: cpu.0,
        energy_j: [(ESTIMATE_COMPONENT.to_string(), j)].into(),
        energy_j_total: j,
        energy_j_net: j,
        energy_j_per_op: j_per_op,
        energy_j_per_op_net: j_per_op,
        emissions_g_per_op: g_per_op,
        throughput_ops_per_s: if wall_s > 0.0 {
            ops as f64 / wall_s
        } else {
            0.0
        },
        latency_s: rec.latency_summary(),
        attributable: Some(AttributableEnergy {
            energy_j: j,
            dynamic_j: j,
            static_j: 0.0,
            static_power_w: 0.0,
            energy_j_per_op: j_per_op,
            emissions_g_per_op: g_per_op,
        }),
        environment: Some(environment),
        pair: None,
        sci: Default::default(),
        instructions_per_op: Some(per_op(counts.instructions as f64, ops)),
        counts: Some(*counts),
    }
}

/// The counted figures of a workload over its repetitions (ratios of totals), when every repetition has counts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub instructions_per_op: Option<f64>,
    pub cache_misses_per_op: Option<CacheMisses>,
}

impl Totals {
    pub fn of(samples: &[RepetitionSample]) -> Self {
        let ops: u64 = samples.iter().map(|s| s.ops).sum();
        let counts: Option<Vec<InstructionCounts>> = samples.iter().map(|s| s.counts).collect();
        let Some(counts) = counts.filter(|c| !c.is_empty()) else {
            return Self::default();
        };
        let instructions: u64 = counts.iter().map(|c| c.instructions).sum();
        let misses: Option<Vec<CacheMissCounts>> = counts.iter().map(|c| c.cache_misses).collect();
        Self {
            instructions_per_op: Some(per_op(instructions as f64, ops)),
            cache_misses_per_op: misses.map(|m| CacheMisses {
                l1: per_op(m.iter().map(|x| x.l1 as f64).sum(), ops),
                ll: per_op(m.iter().map(|x| x.ll as f64).sum(), ops),
            }),
        }
    }
}

/// The workload's aggregate: as [`super::aggregate`], plus the counted figures, wall clock marked not meaningful.
pub fn aggregate(
    name: &str,
    samples: &[RepetitionSample],
    merged: &Recorder,
    intensity: GramsPerKwh,
) -> anyhow::Result<WorkloadResult> {
    let mut w = super::aggregate(name, samples, merged, "instructions", intensity)?;
    let totals = Totals::of(samples);
    w.instructions_per_op = totals.instructions_per_op;
    w.cache_misses_per_op = totals.cache_misses_per_op;
    w.wall_clock_meaningful = Some(false);
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_with_the_cache_simulation_gives_instructions_and_misses() {
        let text = "# callgrind format\nversion: 1\nevents: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n\
                    summary: 500034 7 6 4 10 2 3 1\ntotals: 1 1 1\n";
        let c = parse_profile(text).expect("parses");
        assert_eq!(c.instructions, 500_034);
        // Trailing zero columns are left out by Callgrind: DLmw absent = 0.
        assert_eq!(c.cache_misses, Some(CacheMissCounts { l1: 16, ll: 4 }));
    }

    #[test]
    fn a_profile_without_the_cache_simulation_has_no_misses() {
        let c = parse_profile("events: Ir\nsummary: 5000122\n").expect("parses");
        assert_eq!((c.instructions, c.cache_misses), (5_000_122, None));
        let c = parse_profile("events: Ir\ntotals: 42\n").expect("totals line");
        assert_eq!(c.instructions, 42);
    }

    #[test]
    fn a_broken_profile_is_an_error_naming_what_is_missing() {
        let e = parse_profile("hello").expect_err("no events");
        assert!(e.to_string().contains("events:"), "{e}");
        let e = parse_profile("events: Ir\n").expect_err("no summary");
        assert!(e.to_string().contains("summary:"), "{e}");
        let e = parse_profile("events: Dr\nsummary: 1\n").expect_err("no Ir");
        assert!(e.to_string().contains("Ir"), "{e}");
        let e = parse_profile("events: Ir\nsummary: x\n").expect_err("not a number");
        assert!(format!("{e:#}").contains("`x`"), "{e:#}");
    }

    #[test]
    fn the_estimate_weighs_instructions_and_last_level_misses() {
        let plain = InstructionCounts {
            instructions: 1_000_000,
            cache_misses: None,
        };
        assert!((estimate_j(&plain).0 - 1e6 * JOULES_PER_INSTRUCTION).abs() < 1e-18);
        let missing = InstructionCounts {
            instructions: 1_000_000,
            cache_misses: Some(CacheMissCounts { l1: 50, ll: 10 }),
        };
        let extra = estimate_j(&missing).0 - estimate_j(&plain).0;
        assert!((extra - 10.0 * JOULES_PER_LL_MISS).abs() < 1e-18, "{extra}");
    }

    #[test]
    fn a_missing_dump_names_the_way_to_run_the_meter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = Counter::new(dir.path().join("callgrind.out"));
        let e = c.take().expect_err("no dump");
        assert!(
            format!("{e:#}").contains("harness bench --meter instructions"),
            "{e:#}"
        );
        std::fs::write(
            dir.path().join("callgrind.out.1"),
            "events: Ir\nsummary: 9\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("callgrind.out.2"),
            "events: Ir\nsummary: 11\n",
        )
        .expect("write");
        assert_eq!(c.take().expect("1").instructions, 9);
        assert_eq!(c.take().expect("2").instructions, 11);
        assert!(!dir.path().join("callgrind.out.1").exists());
    }

    #[test]
    fn valgrinds_cache_detection_notes_are_hidden_and_everything_else_shown() {
        let log = "==1== warning: L3 cache found, using its data for the LL simulation.\n\
                   ==1== warning: specified LL cache: line_size 64  assoc 1  total_size 335,544,320\n\
                   ==1== warning: simulated LL cache: line_size 64  assoc 1  total_size 268,435,456\n\n\
                   ==1== Invalid read of size 8\n";
        assert_eq!(valgrind_messages(log), ["==1== Invalid read of size 8"]);
    }

    #[test]
    fn the_valgrind_command_counts_only_the_counted_function() {
        let args = valgrind_args(Path::new("/tmp/x/callgrind.out"), true);
        assert!(args.contains(&format!("--toggle-collect={COUNTED_FUNCTION}")));
        assert!(args.contains(&format!("--dump-after={COUNTED_FUNCTION}")));
        assert!(args.contains(&"--collect-atstart=no".to_string()));
        assert!(args.contains(&"--cache-sim=yes".to_string()));
        assert!(!valgrind_args(Path::new("x"), false).contains(&"--cache-sim=yes".to_string()));
        // The constant is the function's real path.
        assert!(COUNTED_FUNCTION.starts_with(module_path!().trim_end_matches("::tests")));
        assert!(COUNTED_FUNCTION.ends_with("::harness_counted_ops"));
    }
}
