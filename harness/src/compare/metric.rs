//! [`Metric`]: what `compare` tests per workload, with its unit, direction and noise-threshold group.

use crate::record::schema::RepetitionSample;
use serde::Serialize;

/// A compared metric; the serialized name ends in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    #[serde(rename = "energy_j_per_op")]
    EnergyPerOp,
    #[serde(rename = "emissions_g_per_op")]
    EmissionsPerOp,
    #[serde(rename = "latency_p50_s")]
    LatencyP50,
    #[serde(rename = "latency_p95_s")]
    LatencyP95,
    #[serde(rename = "latency_p99_s")]
    LatencyP99,
    #[serde(rename = "throughput_ops_per_s")]
    Throughput,
    /// SCI per op (ISO/IEC 21031): operational plus embodied emissions per successful op.
    #[serde(rename = "sci_g_per_op")]
    Sci,
    /// `--meter instructions`: instructions executed per op (a count, deterministic).
    #[serde(rename = "instructions_per_op")]
    InstructionsPerOp,
}

/// Ops each repetition must have beyond a latency quantile for the quantile to be tested
/// ([`Metric::min_ops_per_repetition`]).
pub const TAIL_SAMPLES: f64 = 5.0;

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 7] = [
        Metric::EnergyPerOp,
        Metric::EmissionsPerOp,
        Metric::Sci,
        Metric::LatencyP50,
        Metric::LatencyP95,
        Metric::LatencyP99,
        Metric::Throughput,
    ];

    /// What `compare` tests for workloads measured with `--meter instructions` (both sides counted): the count and
    /// the energy estimate from it, all deterministic; the wall clock under Valgrind means nothing.
    pub const COUNTED: [Metric; 3] = [
        Metric::InstructionsPerOp,
        Metric::EnergyPerOp,
        Metric::EmissionsPerOp,
    ];

    /// Machine name, ending in the unit (`energy_j_per_op`).
    pub fn key(self) -> &'static str {
        match self {
            Metric::EnergyPerOp => "energy_j_per_op",
            Metric::EmissionsPerOp => "emissions_g_per_op",
            Metric::LatencyP50 => "latency_p50_s",
            Metric::LatencyP95 => "latency_p95_s",
            Metric::LatencyP99 => "latency_p99_s",
            Metric::Throughput => "throughput_ops_per_s",
            Metric::Sci => "sci_g_per_op",
            Metric::InstructionsPerOp => "instructions_per_op",
        }
    }

    /// Human label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Metric::EnergyPerOp => "energy / op",
            Metric::EmissionsPerOp => "emissions / op",
            Metric::LatencyP50 => "latency p50",
            Metric::LatencyP95 => "latency p95",
            Metric::LatencyP99 => "latency p99",
            Metric::Throughput => "throughput",
            Metric::Sci => "SCI / op",
            Metric::InstructionsPerOp => "instructions / op",
        }
    }

    /// Base SI unit of the values: `J`, `gCO2e`, `s`, `ops/s`, `instr` (instructions).
    pub fn unit(self) -> &'static str {
        match self {
            Metric::EnergyPerOp => "J",
            Metric::EmissionsPerOp | Metric::Sci => "gCO2e",
            Metric::LatencyP50 | Metric::LatencyP95 | Metric::LatencyP99 => "s",
            Metric::Throughput => "ops/s",
            Metric::InstructionsPerOp => "instr",
        }
    }

    /// The quantile a latency metric estimates per repetition (`None` for the others).
    pub fn quantile(self) -> Option<f64> {
        match self {
            Metric::LatencyP50 => Some(0.50),
            Metric::LatencyP95 => Some(0.95),
            Metric::LatencyP99 => Some(0.99),
            _ => None,
        }
    }

    /// Fewest ops a repetition needs for this metric to be tested: a latency quantile `q` needs
    /// [`TAIL_SAMPLES`] ops beyond it, `TAIL_SAMPLES / (1 − q)` in all (p50: 10, p95: 100, p99: 500); others need
    /// none. A p99 "measured" from 25 ops is their maximum, quantised by the scheduler's time slices on a busy
    /// machine (17.7, 21.7, 25.7 ms in issue 16's A/A runs), and a t-test on such values sees changes that are not
    /// there: one false regression in 20 A/A pairs before this rule.
    pub fn min_ops_per_repetition(self) -> u64 {
        self.quantile()
            .map_or(0, |q| (TAIL_SAMPLES / (1.0 - q)).round() as u64)
    }

    /// The `--threshold` key that sets this metric's noise band.
    pub fn group(self) -> MetricGroup {
        match self {
            Metric::EnergyPerOp => MetricGroup::Energy,
            Metric::EmissionsPerOp | Metric::Sci => MetricGroup::Emissions,
            Metric::LatencyP50 | Metric::LatencyP95 | Metric::LatencyP99 => MetricGroup::Latency,
            Metric::Throughput => MetricGroup::Throughput,
            Metric::InstructionsPerOp => MetricGroup::Instructions,
        }
    }

    pub fn higher_is_better(self) -> bool {
        self == Metric::Throughput
    }

    /// Energy and emissions are only comparable on the same machine with the same meter.
    pub fn needs_same_machine(self) -> bool {
        matches!(
            self,
            Metric::EnergyPerOp | Metric::EmissionsPerOp | Metric::Sci
        )
    }

    /// Whether every repetition of `reps` has this metric: SCI is absent from files written before it existed (and
    /// is then left out of the comparison rather than judged inconclusive).
    pub fn recorded_in(self, reps: &[RepetitionSample]) -> bool {
        match self {
            Metric::Sci => reps.iter().all(|r| r.sci.sci_g_per_op.is_some()),
            _ => true,
        }
    }

    /// This metric's value in one repetition: energy and emissions are the attributable figures when the repetition
    /// has them (see [`EnergyBasis`]).
    pub fn of(self, rep: &RepetitionSample) -> f64 {
        let basis = if rep.attributable.is_some() {
            EnergyBasis::Attributable
        } else {
            EnergyBasis::Gross
        };
        self.value(rep, basis)
    }

    /// This metric's value in one repetition, energy and emissions on `basis` (gross when the repetition has no
    /// attributable figures).
    pub fn value(self, rep: &RepetitionSample, basis: EnergyBasis) -> f64 {
        let attributable = match basis {
            EnergyBasis::Attributable => rep.attributable,
            EnergyBasis::Gross => None,
        };
        match self {
            Metric::EnergyPerOp => attributable.map_or(rep.energy_j_per_op, |a| a.energy_j_per_op),
            Metric::EmissionsPerOp => {
                attributable.map_or(rep.emissions_g_per_op, |a| a.emissions_g_per_op)
            }
            Metric::LatencyP50 => rep.latency_s.p50,
            Metric::LatencyP95 => rep.latency_s.p95,
            Metric::LatencyP99 => rep.latency_s.p99,
            Metric::Throughput => rep.throughput_ops_per_s,
            Metric::Sci => rep.sci.sci_g_per_op.unwrap_or(f64::NAN),
            Metric::InstructionsPerOp => rep.instructions_per_op.unwrap_or(f64::NAN),
        }
    }
}

/// Which energy the energy and emissions metrics compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnergyBasis {
    /// `repetitions[].attributable`: what the workload causes plus its CPU-time share of the static power, which a
    /// neighbour cannot move. The default whenever both runs have it.
    Attributable,
    /// `repetitions[].energy_j_per_op`: the gross share (CodeCarbon-style, idle included, grows with wall time).
    /// Used only for result files written before attributable energy existed.
    Gross,
}

impl EnergyBasis {
    /// Attributable when every repetition of both sides has the attributable figures.
    pub fn for_samples(base: &[RepetitionSample], cand: &[RepetitionSample]) -> Self {
        if base.iter().chain(cand).all(|r| r.attributable.is_some()) {
            Self::Attributable
        } else {
            Self::Gross
        }
    }
}

/// True when every repetition of both sides was counted (`--meter instructions`): then `compare` tests
/// [`Metric::COUNTED`] with the deterministic rule.
pub fn counted(base: &[RepetitionSample], cand: &[RepetitionSample]) -> bool {
    !base.is_empty()
        && !cand.is_empty()
        && base
            .iter()
            .chain(cand)
            .all(|r| r.instructions_per_op.is_some())
}

/// Groups of metrics sharing one noise threshold (`--threshold energy=3%,latency=5%`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricGroup {
    Energy,
    Emissions,
    Latency,
    Throughput,
    /// `instructions_per_op`, and under `--meter instructions` the energy estimate from it.
    Instructions,
}
