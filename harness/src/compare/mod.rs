//! Verdicts: compare a candidate run against a base run, metric by metric, with statistics from [`crate::stats`].
//!
//! For every workload present in both runs and each [`Metric`], the per-repetition samples of both sides go through
//! Welch's t-test on logarithms ([`crate::stats::welch`]), giving the relative change, its `1 − alpha` interval and a
//! p-value. The p-values of all metrics of the comparison are adjusted together with Holm–Bonferroni
//! ([`crate::stats::holm`]) so a clean change with many metrics stays quiet. Then, with the noise band `±threshold`
//! (symmetric in log space: a ratio outside `[1/(1+t), 1+t]`):
//!
//! | adjusted p < alpha? | interval (oriented so "worse" is positive) | verdict |
//! |---|---|---|
//! | no | any | Unchanged (no change detected) |
//! | yes | wholly above the band | Regressed |
//! | yes | wholly below the band | Improved |
//! | yes | wholly inside the band | Unchanged (change within noise) |
//! | yes | straddles a band edge | Inconclusive |
//!
//! Runs of `--meter instructions` (every repetition of both sides counted) are not tested statistically: their
//! instruction counts are deterministic, so [`decide_counted`] compares the means against the `instructions` band
//! (default 0.5 %) for `instructions_per_op` and the energy estimate from it; latency and throughput under Valgrind
//! are not compared, and the environment guard does not apply (a neighbour cannot change a count).
//!
//! Inconclusive is also the verdict when a metric cannot be tested (fewer than two repetitions, a zero or non-finite
//! value) and, for energy and emissions, when the runs come from different machines or meter sources (the machine
//! guard) unless cross-machine comparison is allowed. Throughput is higher-is-better; every other metric lower-is-better.
//!
//! | file | what |
//! |---|---|
//! | [`metric`] | [`Metric`]: the compared metrics, their units, direction and threshold group |
//! | [`thresholds`] | the settings parsed once: noise band per group ([`Thresholds`]) and significance level ([`Alpha`]) |
//! | [`guard`] | what makes runs not comparable (machine, meter sources) and the loud warnings |
//! | [`verdict`] | the test per metric, the Holm adjustment, and the verdict table above |
//! | `mod.rs` | [`compare`]: the whole comparison, and the types the exporters render |

pub mod environment;
mod guard;
mod metric;
pub mod settings;
mod thresholds;
mod verdict;

pub use metric::{EnergyBasis, Metric, MetricGroup};
pub use thresholds::{
    Alpha, DEFAULT_ALPHA, DEFAULT_INSTRUCTIONS_THRESHOLD, DEFAULT_THRESHOLD,
    PAIRED_DEFAULT_THRESHOLD, TAIL_LATENCY_DEFAULT_THRESHOLD, Thresholds,
};
pub use verdict::{
    Change, MetricComparison, TestMethod, Verdict, decide, decide_counted, display_mean, overall,
};

use crate::record::schema::{RunResult, WorkloadResult};
use serde::Serialize;

/// How to compare: validated once by the command.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompareSettings {
    /// Family-wise significance level; intervals are at confidence `1 − alpha`.
    pub alpha: Alpha,
    pub thresholds: Thresholds,
    /// Give energy and emissions verdicts even when machines or meter sources differ.
    pub allow_cross_machine: bool,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            alpha: DEFAULT_ALPHA,
            thresholds: Thresholds::default(),
            allow_cross_machine: false,
        }
    }
}

/// One workload present in both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadComparison {
    pub name: String,
    pub verdict: Verdict,
    /// Which energy the energy and emissions metrics compared.
    pub energy_basis: EnergyBasis,
    /// Welch (independent runs) or paired (interleaved `harness ab` pairs).
    pub method: TestMethod,
    pub metrics: Vec<MetricComparison>,
}

/// What identifies one side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The path or baseline name given on the command line.
    pub label: String,
    pub run_id: String,
    pub git_commit: Option<String>,
    pub machine_fingerprint: String,
    pub hostname: String,
    /// Meter sources whose numbers the run used.
    pub meter_sources: Vec<String>,
    pub intensity_source: String,
    pub intensity_g_per_kwh: f64,
}

/// The whole comparison: what the exporters render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub base: Side,
    pub candidate: Side,
    pub settings: CompareSettings,
    pub verdict: Verdict,
    /// True when machine fingerprints or meter sources differ.
    pub cross_machine: bool,
    pub workloads: Vec<WorkloadComparison>,
    /// Workloads present in the base only: listed, not compared.
    pub only_in_base: Vec<String>,
    pub only_in_candidate: Vec<String>,
    /// Loud warnings (machine guard, fakes, incomplete runs); every exporter shows them.
    pub warnings: Vec<String>,
}

impl Comparison {
    pub fn has_regression(&self) -> bool {
        self.verdict == Verdict::Regressed
    }

    /// Number of metric verdicts of each kind, in the order regressed, improved, unchanged, inconclusive.
    pub fn counts(&self) -> [usize; 4] {
        let mut c = [0; 4];
        for m in self.workloads.iter().flat_map(|w| &w.metrics) {
            c[m.verdict as usize] += 1;
        }
        c
    }
}

/// Why two runs cannot be compared at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error(
        "no workload in common: base has [{base}], candidate has [{candidate}] (compare runs of the same --workload)"
    )]
    NothingInCommon { base: String, candidate: String },
}

/// Compare `candidate` against `base`. Pure: no I/O.
pub fn compare(
    base: &RunResult,
    base_label: &str,
    candidate: &RunResult,
    candidate_label: &str,
    settings: CompareSettings,
) -> Result<Comparison, CompareError> {
    let base_side = guard::side(base, base_label);
    let cand_side = guard::side(candidate, candidate_label);
    let names = |r: &RunResult| {
        r.workloads
            .iter()
            .map(|w| w.name.clone())
            .collect::<Vec<_>>()
    };
    let (base_names, cand_names) = (names(base), names(candidate));
    let common: Vec<&String> = base_names
        .iter()
        .filter(|n| cand_names.contains(n))
        .collect();
    if common.is_empty() {
        return Err(CompareError::NothingInCommon {
            base: base_names.join(", "),
            candidate: cand_names.join(", "),
        });
    }
    let mut warnings = Vec::new();
    let machine_differs = guard::machine_guard(
        &base_side,
        &cand_side,
        settings.allow_cross_machine,
        &mut warnings,
    );
    guard::note_run_warnings(base, candidate, &base_side, &cand_side, &mut warnings);

    let (settings_blocks, notes) = settings::settings_guard(base, candidate);
    warnings.extend(notes);
    for b in &settings_blocks {
        warnings.push(format!(
            "SETTINGS: {}: {} verdicts are inconclusive (measure both sides with the same settings)",
            b.reason,
            b.describe_groups()
        ));
    }
    let paired = same_ab_session(base, candidate);
    let mut env_missing = false;
    let mut workloads = Vec::new();
    for name in &common {
        let (Some(b), Some(c)) = (find(base, name), find(candidate, name)) else {
            continue;
        };
        let source_differs = b.energy_source != c.energy_source;
        if source_differs && !machine_differs {
            warnings.push(guard::guard_warning(
                &format!("workload {name}: energy came from meter `{}` in the base and `{}` in the candidate", b.energy_source, c.energy_source),
                settings.allow_cross_machine,
            ));
        }
        let mut blocks = settings_blocks.clone();
        if (machine_differs || source_differs) && !settings.allow_cross_machine {
            blocks.push(guard::Block::new(
                &[MetricGroup::Energy, MetricGroup::Emissions],
                "not comparable across machines or meter sources (machine guard)".into(),
            ));
        }
        // Counts are immune to what else runs: the environment guard does not apply to them.
        let counted = metric::counted(&b.repetitions, &c.repetitions);
        env_missing |= !counted && !environment::recorded(&b.repetitions, &c.repetitions);
        let env_blocks = if counted {
            Vec::new()
        } else {
            environment::environment_guard(&b.repetitions, &c.repetitions)
        };
        for block in env_blocks {
            warnings.push(format!(
                "ENVIRONMENT: workload {name}: {}: {} verdicts are inconclusive",
                block.reason,
                block.describe_groups()
            ));
            blocks.push(block);
        }
        let input = verdict::SideSamples {
            base: &b.repetitions,
            candidate: &c.repetitions,
            basis: EnergyBasis::for_samples(&b.repetitions, &c.repetitions),
            paired: paired && verdict::pairs_of(&b.repetitions, &c.repetitions).is_some(),
            counted,
        };
        let sci_inputs_differ = sci_inputs_differ(base, candidate);
        if sci_inputs_differ {
            warnings.push(format!(
                "SCI: workload {name}: the runs' embodied inputs differ (TE, EL or RS): sci_g_per_op is not compared"
            ));
        }
        let tested: &[Metric] = if counted {
            &Metric::COUNTED
        } else {
            &Metric::ALL
        };
        let metrics = tested
            .iter()
            .filter(|m| m.recorded_in(&b.repetitions) && m.recorded_in(&c.repetitions))
            .filter(|m| !(sci_inputs_differ && **m == Metric::Sci))
            .map(|&m| verdict::test_metric(m, &input, settings, &blocks))
            .collect();
        workloads.push(WorkloadComparison {
            name: (*name).clone(),
            verdict: Verdict::Unchanged,
            energy_basis: input.basis,
            method: if counted {
                TestMethod::Deterministic
            } else if input.paired {
                TestMethod::Paired
            } else {
                TestMethod::Welch
            },
            metrics,
        });
    }
    if env_missing {
        warnings.push(
            "ENVIRONMENT: a run has no environment record (written by an older harness): whether other processes disturbed it is unknown".into(),
        );
    }
    if workloads
        .iter()
        .any(|w| w.energy_basis == EnergyBasis::Gross)
    {
        warnings.push(
            "ENERGY: a run has no attributable energy (written by an older harness): energy and emissions compare the gross share, which grows when other processes slow the workload down".into(),
        );
    }
    verdict::adjust_and_decide(&mut workloads, settings);
    let verdict = overall(workloads.iter().map(|w| w.verdict));
    Ok(Comparison {
        base: base_side,
        candidate: cand_side,
        settings,
        verdict,
        cross_machine: machine_differs,
        workloads,
        only_in_base: base_names
            .iter()
            .filter(|n| !cand_names.contains(n))
            .cloned()
            .collect(),
        only_in_candidate: cand_names
            .iter()
            .filter(|n| !base_names.contains(n))
            .cloned()
            .collect(),
        warnings,
    })
}

/// Both runs carry SCI inputs and their TE, EL or RS differ: their SCI figures measure different machines' shares.
fn sci_inputs_differ(base: &RunResult, cand: &RunResult) -> bool {
    match (&base.sci, &cand.sci) {
        (Some(b), Some(c)) => {
            (b.embodied_total_kg, b.lifetime_years, b.resource_share)
                != (c.embodied_total_kg, c.lifetime_years, c.resource_share)
        }
        _ => false,
    }
}

/// Both runs are the two sides of one `harness ab` session (so their repetitions can be paired).
fn same_ab_session(base: &RunResult, cand: &RunResult) -> bool {
    match (&base.ab, &cand.ab) {
        (Some(b), Some(c)) => b.session == c.session && b.side != c.side,
        _ => false,
    }
}

fn find<'a>(run: &'a RunResult, name: &str) -> Option<&'a WorkloadResult> {
    run.workloads.iter().find(|w| w.name == name)
}
