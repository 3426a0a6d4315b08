//! SCI per operation: the Green Software Foundation's Software Carbon Intensity (SCI 1.1, published as ISO/IEC
//! 21031:2024), computed per repetition and per workload. Pure: no I/O.
//!
//! **SCI = (E × I + M) per R**, with
//! * E × I: the operational emissions, energy × grid intensity. E is the attributable energy (what `compare` gates on;
//!   the gross share for result files without it), I the intensity applied to the repetition (the run's reading, or
//!   the intensity over the repetition's time when the zone's history covered it).
//! * **M = TE × (TiR / EL) × RS**: the embodied emissions of the hardware, shared by time and by the share of the
//!   machine used. TE: total embodied emissions of the machine; EL: its expected lifetime (default 4 years, of 365
//!   days); TiR: the time reserved, here each repetition's measured wall time; RS: the resource share (default
//!   threads used ÷ host threads, see [`crate::commands::bench`]'s plan, else 1).
//! * R, the functional unit: **one successful operation** of the workload ([`FUNCTIONAL_UNIT`]).
//!
//! Per workload the parts are ratios of totals over the repetitions (as every per-op figure of the run):
//! `embodied_g_per_op = Σ M_rep ÷ Σ ops`, `operational_g_per_op = Σ E_rep × I_rep ÷ Σ ops`, SCI their sum.
//! Worked example (the GSF's): TE 1,000 kg, EL 4 years, TiR 1 hour, RS 1 → M = 1e6 g × 1 / 35,040 = 28.539 g.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Embodied`] (TE, EL, RS) and the per-repetition and per-workload SCI fields |
//! | [`plan`] | the SCI flags validated into TE, EL, RS and the result file's record of them |
//! | [`archetype`] | the `--machine` table (generic server, laptop, GitHub-hosted runner), its sources and licences |
//! | [`bounds`] | `{min, max}` bands for model-meter (estimated) energy and emissions |
//! | [`history`] | the grid intensity over each repetition's time, from a zone's intensity history |

pub mod archetype;
pub mod bounds;
pub mod history;
pub mod plan;

use crate::record::schema::{Bounds, RepetitionSample, WorkloadResult, WorkloadSci};
use energy::units::{GramsCo2e, GramsPerKwh, Joules, Seconds};

/// The functional unit R, as the result file and the outputs state it.
pub const FUNCTIONAL_UNIT: &str = "one successful operation of the workload (R = 1 op)";
/// Hours in a year of 365 days: EL in years × this = EL in hours (the GSF example's 4 years = 35,040 h).
pub const HOURS_PER_YEAR: f64 = 365.0 * 24.0;
/// The default expected lifetime EL, in years.
pub const DEFAULT_LIFETIME_YEARS: f64 = 4.0;

/// Why embodied inputs were refused; each names the flag and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SciError {
    #[error(
        "--embodied-kg {0}: give the machine's total embodied emissions in kg CO2eq, a number ≥ 0, e.g. --embodied-kg 1000"
    )]
    Total(f64),
    #[error(
        "--lifetime-years {0}: give the machine's expected lifetime in years, a positive number, e.g. --lifetime-years 4"
    )]
    Lifetime(f64),
    #[error(
        "--resource-share {0}: give the share of the machine the workload uses, a number in (0, 1], e.g. --resource-share 0.25"
    )]
    Share(f64),
}

/// The embodied-carbon inputs TE, EL and RS, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Embodied {
    /// TE: the machine's total embodied emissions.
    pub total: GramsCo2e,
    /// EL: expected lifetime, in years of [`HOURS_PER_YEAR`].
    pub lifetime_years: f64,
    /// RS: the share of the machine in use, in (0, 1].
    pub share: f64,
}

impl Embodied {
    /// TE in kg CO2eq (≥ 0), EL in years (> 0), RS in (0, 1].
    pub fn new(total_kg: f64, lifetime_years: f64, share: f64) -> Result<Self, SciError> {
        if !(total_kg.is_finite() && total_kg >= 0.0) {
            return Err(SciError::Total(total_kg));
        }
        if !(lifetime_years.is_finite() && lifetime_years > 0.0) {
            return Err(SciError::Lifetime(lifetime_years));
        }
        if !(share.is_finite() && share > 0.0 && share <= 1.0) {
            return Err(SciError::Share(share));
        }
        Ok(Self {
            total: GramsCo2e(total_kg * 1000.0),
            lifetime_years,
            share,
        })
    }

    /// EL in seconds.
    pub fn lifetime(&self) -> Seconds {
        Seconds(self.lifetime_years * HOURS_PER_YEAR * 3600.0)
    }

    /// M = TE × (TiR / EL) × RS for a time reserved `tir`.
    pub fn over(&self, tir: Seconds) -> GramsCo2e {
        GramsCo2e(self.total.0 * (tir.0 / self.lifetime().0) * self.share)
    }
}

/// SCI and its two parts, per functional unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SciPerOp {
    /// E × I per op.
    pub operational: GramsCo2e,
    /// M per op.
    pub embodied: GramsCo2e,
}

impl SciPerOp {
    /// (E × I + M) / R for `ops` functional units; zero (not infinity) without a successful op.
    pub fn new(energy: Joules, intensity: GramsPerKwh, embodied: GramsCo2e, ops: u64) -> Self {
        let per = |g: f64| if ops == 0 { 0.0 } else { g / ops as f64 };
        Self {
            operational: GramsCo2e(per(energy.to_kwh().emissions(intensity).0)),
            embodied: GramsCo2e(per(embodied.0)),
        }
    }

    /// SCI = operational + embodied, per op.
    pub fn sci(&self) -> GramsCo2e {
        self.operational + self.embodied
    }
}

/// The energy E of a repetition that SCI uses: the attributable energy, else the gross share.
pub fn energy_of(rep: &RepetitionSample) -> Joules {
    Joules(rep.attributable.map_or(rep.energy_j_total, |a| a.energy_j))
}

/// The intensity applied to a repetition: its own (history) or the run's.
pub fn intensity_of(rep: &RepetitionSample, run: GramsPerKwh) -> GramsPerKwh {
    rep.sci.intensity_g_per_kwh.map_or(run, GramsPerKwh)
}

/// Fills a repetition's `sci_g_per_op` and `embodied_g_per_op` from its energy, intensity and wall time.
pub fn annotate_repetition(rep: &mut RepetitionSample, embodied: &Embodied, run: GramsPerKwh) {
    let sci = SciPerOp::new(
        energy_of(rep),
        intensity_of(rep, run),
        embodied.over(Seconds(rep.wall_s)),
        rep.ops,
    );
    rep.sci.sci_g_per_op = Some(sci.sci().0);
    rep.sci.embodied_g_per_op = Some(sci.embodied.0);
}

/// The workload's SCI over its repetitions (ratios of totals), repetitions annotated too.
pub fn annotate_workload(w: &mut WorkloadResult, embodied: &Embodied, run: GramsPerKwh) {
    let mut operational = GramsCo2e(0.0);
    let mut embodied_g = GramsCo2e(0.0);
    for rep in &mut w.repetitions {
        annotate_repetition(rep, embodied, run);
        operational += energy_of(rep).to_kwh().emissions(intensity_of(rep, run));
        embodied_g += embodied.over(Seconds(rep.wall_s));
    }
    let ops: u64 = w.repetitions.iter().map(|r| r.ops).sum();
    let per = |g: GramsCo2e| if ops == 0 { 0.0 } else { g.0 / ops as f64 };
    w.sci.operational_g_per_op = Some(per(operational));
    w.sci.embodied_g_per_op = Some(per(embodied_g));
    w.sci.sci_g_per_op = Some(per(operational) + per(embodied_g));
}

/// One workload's SCI fields from several runs' (`harness ab` merges single-repetition runs): each field weighted by
/// the runs' ops, present only when every run has it.
pub fn merge_workloads(parts: &[&WorkloadResult]) -> WorkloadSci {
    let ops: u64 = parts.iter().map(|w| w.ops).sum();
    let weighted = |get: &dyn Fn(&WorkloadSci) -> Option<f64>| -> Option<f64> {
        let total = parts
            .iter()
            .map(|w| get(&w.sci).map(|v| v * w.ops as f64))
            .sum::<Option<f64>>()?;
        Some(if ops == 0 { 0.0 } else { total / ops as f64 })
    };
    let band = |get: &dyn Fn(&WorkloadSci) -> Option<Bounds>| -> Option<Bounds> {
        Some(Bounds {
            min: weighted(&|s| get(s).map(|b| b.min))?,
            max: weighted(&|s| get(s).map(|b| b.max))?,
        })
    };
    WorkloadSci {
        sci_g_per_op: weighted(&|s| s.sci_g_per_op),
        embodied_g_per_op: weighted(&|s| s.embodied_g_per_op),
        operational_g_per_op: weighted(&|s| s.operational_g_per_op),
        energy_j_per_op_bounds: band(&|s| s.energy_j_per_op_bounds),
        emissions_g_per_op_bounds: band(&|s| s.emissions_g_per_op_bounds),
        sci_g_per_op_bounds: band(&|s| s.sci_g_per_op_bounds),
    }
}

#[cfg(test)]
mod tests;
