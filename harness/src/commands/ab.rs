//! `harness ab`: measure the base and head builds on this machine, interleaved, then compare them.
//!
//! The plan is validated once ([`AbPlan::from_args`]); then [`crate::ab::order::schedule`] gives the A B, B A, …
//! order, each step runs one build's `harness bench --repetitions 1` ([`crate::ab::spawn`]), and each side's runs are
//! merged ([`crate::ab::merge`]) into `base.json` and `head.json` in the output directory, next to the
//! per-repetition files in `reps/`. Before anything runs, [`crate::ab::provenance`] checks that each binary was built
//! from the commit checked out in its directory (exit 2 when not). Finally the head is compared with the base exactly as `harness compare` does
//! ([`crate::compare::compare`]); `compare.json` is written next to the runs and the chosen format is printed.

use crate::ab::Side;
use crate::ab::merge::{mark_pairs, merge_runs};
use crate::ab::order::schedule;
use crate::ab::provenance;
use crate::ab::spawn::Build;
use crate::cli::{AbArgs, CompareFormat};
use crate::compare::{self, CompareSettings};
use crate::record::schema::RunResult;
use crate::record::store;
use anyhow::{Context, bail};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `bench` options that `ab` sets itself and therefore refuses after `--`.
const RESERVED_BENCH_OPTIONS: [&str; 4] = ["--repetitions", "-k", "--out", "--format"];

/// A validated `harness ab` invocation.
#[derive(Debug, Clone)]
pub struct AbPlan {
    pub base: Build,
    pub head: Build,
    /// True with --base-bin/--head-bin: each side is its own build of the harness, checked to run its checkout's
    /// code ([`provenance`]). False: this harness measures the code in each side's directory.
    pub builds_under_test: bool,
    pub repetitions: u32,
    /// Options given to every `bench` invocation of both sides.
    pub bench_args: Vec<String>,
    pub out_dir: PathBuf,
    pub format: CompareFormat,
    pub settings: CompareSettings,
}

impl AbPlan {
    /// Check the arguments once: binaries exist, enough repetitions, no reserved `bench` option.
    pub fn from_args(args: AbArgs) -> anyhow::Result<Self> {
        if args.repetitions < 2 {
            bail!(
                "--repetitions must be at least 2 (compare needs two samples per side), got {}",
                args.repetitions
            );
        }
        if let Some(bad) = args.bench_args.iter().find(|a| is_reserved(a)) {
            bail!(
                "`{bad}` after `--` is set by `harness ab` itself; use `harness ab --repetitions` / `--out-dir`"
            );
        }
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let base_dir = args.base_dir.as_deref().unwrap_or(&cwd);
        let head_dir = args.head_dir.as_deref().unwrap_or(&cwd);
        let (base, head, builds_under_test) = match (&args.base_bin, &args.head_bin) {
            (Some(b), Some(h)) => (
                build(Side::Base, b, base_dir)?,
                build(Side::Head, h, head_dir)?,
                true,
            ),
            (None, None) => {
                let me = std::env::current_exe()
                    .context("cannot find this harness binary to run both sides with")?;
                (
                    build(Side::Base, &me, base_dir)?,
                    build(Side::Head, &me, head_dir)?,
                    false,
                )
            }
            _ => bail!(
                "give both --base-bin and --head-bin (the harness itself is the code under test), or neither (this \
                 harness measures the code in --base-dir and --head-dir)"
            ),
        };
        let bench_args = bench_args(&args);
        let out_dir = args.out_dir.unwrap_or_else(default_out_dir);
        Ok(Self {
            base,
            head,
            builds_under_test,
            repetitions: args.repetitions,
            bench_args,
            out_dir,
            format: args.format,
            settings: CompareSettings {
                alpha: args.alpha,
                thresholds: args.threshold,
                allow_cross_machine: false,
            },
        })
    }
}

fn is_reserved(arg: &str) -> bool {
    RESERVED_BENCH_OPTIONS
        .iter()
        .any(|r| arg == *r || arg.starts_with(&format!("{r}=")))
}

fn bench_args(args: &AbArgs) -> Vec<String> {
    let mut out = Vec::new();
    for w in &args.workloads {
        out.extend(["--workload".to_string(), w.clone()]);
    }
    if let Some(d) = args.duration {
        out.extend([
            "--duration".to_string(),
            humantime::format_duration(d).to_string(),
        ]);
    }
    if let Some(m) = &args.meter {
        out.extend(["--meter".to_string(), m.clone()]);
    }
    if let Some(i) = &args.intensity {
        out.extend(["--intensity".to_string(), i.clone()]);
    }
    out.extend(args.bench_args.iter().cloned());
    out
}

fn build(side: Side, bin: &Path, dir: &Path) -> anyhow::Result<Build> {
    let bin = if bin.is_dir() {
        bin.join("harness")
    } else {
        bin.to_path_buf()
    };
    if !bin.is_file() {
        bail!(
            "--{side}-bin: no harness binary at {} (give the binary or the directory holding it)",
            bin.display()
        );
    }
    if !dir.is_dir() {
        bail!("--{side}-dir: {} is not a directory", dir.display());
    }
    // Absolute paths: each side runs in its own directory.
    let bin =
        std::path::absolute(&bin).with_context(|| format!("--{side}-bin: {}", bin.display()))?;
    Ok(Build {
        side,
        bin,
        dir: dir.to_path_buf(),
    })
}

fn default_out_dir() -> PathBuf {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    PathBuf::from("bench-results/ab").join(stamp)
}

/// Both sides' merged runs, written as `base.json` and `head.json` under `out_dir`.
#[derive(Debug, Clone)]
pub struct AbRuns {
    pub base: RunResult,
    pub head: RunResult,
}

/// Run the interleaved schedule and merge each side.
pub fn measure(plan: &AbPlan) -> anyhow::Result<AbRuns> {
    let reps_dir = plan.out_dir.join("reps");
    std::fs::create_dir_all(&reps_dir)
        .with_context(|| format!("--out-dir: cannot create {}", reps_dir.display()))?;
    let reps_dir =
        std::path::absolute(&reps_dir).with_context(|| reps_dir.display().to_string())?;
    let (mut base_runs, mut head_runs) = (Vec::new(), Vec::new());
    let steps = schedule(plan.repetitions);
    for (n, (rep, side)) in steps.iter().enumerate() {
        let (build, runs) = match side {
            Side::Base => (&plan.base, &mut base_runs),
            Side::Head => (&plan.head, &mut head_runs),
        };
        let out = reps_dir.join(format!("{side}-{rep:02}.json"));
        eprintln!(
            "ab: step {}/{}: repetition {}/{} of the {side} build",
            n + 1,
            steps.len(),
            rep + 1,
            plan.repetitions
        );
        runs.push(build.run_repetition(*rep, &plan.bench_args, &out)?);
    }
    let what = if plan.builds_under_test {
        "build"
    } else {
        "checkout"
    };
    let note = |side: Side| {
        format!(
            "`harness ab`: {} single-repetition `harness bench` runs of the {side} {what}, interleaved with the other \
             side on this machine (A B, B A, …) and merged",
            plan.repetitions
        )
    };
    let mut base = merge_runs(&base_runs, &note(Side::Base))
        .context("merging the base build's repetitions")?;
    let mut head = merge_runs(&head_runs, &note(Side::Head))
        .context("merging the head build's repetitions")?;
    let session = format!("{}@{}", base.run_id, base.started_at);
    mark_pairs(&mut base, &session, Side::Base);
    mark_pairs(&mut head, &session, Side::Head);
    let base_path = plan.out_dir.join("base.json");
    let head_path = plan.out_dir.join("head.json");
    write_json_atomic(&base_path, &base)?;
    write_json_atomic(&head_path, &head)?;
    Ok(AbRuns { base, head })
}

/// Write `run` as pretty JSON, atomically.
fn write_json_atomic(path: &Path, run: &RunResult) -> anyhow::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(run)
        .with_context(|| format!("cannot serialise {}", path.display()))?;
    bytes.push(b'\n');
    store::write_atomic(path, &bytes)?;
    Ok(())
}

/// Run `harness ab`: measure, merge, compare; exit 1 when the head regressed.
pub fn run(args: AbArgs) -> anyhow::Result<ExitCode> {
    let plan = AbPlan::from_args(args)?;
    if plan.builds_under_test {
        let base = provenance::inspect(&plan.base);
        let head = provenance::inspect(&plan.head);
        for w in provenance::check(&base, &head)? {
            eprintln!("warning: {w}");
        }
    }
    let runs = measure(&plan)?;
    let comparison = compare::compare(&runs.base, "base", &runs.head, "head", plan.settings)
        .context("comparing the head build with the base build")?;
    let json =
        crate::export::render_comparison(&comparison, &runs.head, CompareFormat::Json, false)?;
    store::write_atomic(&plan.out_dir.join("compare.json"), &json)?;
    let colour = plan.format == CompareFormat::Table && crate::export::use_colour();
    let bytes = crate::export::render_comparison(&comparison, &runs.head, plan.format, colour)?;
    std::io::stdout()
        .write_all(&bytes)
        .context("cannot write to stdout")?;
    for w in &comparison.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "ab: overall {} (results in {}: base.json, head.json, compare.json)",
        comparison.verdict,
        plan.out_dir.display()
    );
    let code = if comparison.has_regression() {
        crate::EXIT_REGRESSION
    } else {
        crate::EXIT_OK
    };
    Ok(ExitCode::from(code))
}
