//! The result-file schema (version [`SCHEMA_VERSION`]), shared by `bench`, `compare`, `baseline`, `report` and `push`.
//!
//! Field names end in their unit (`_s`, `_j`, `_kwh`, `_g`, `_w`, `_g_per_kwh`, `_bytes`). Raw per-repetition samples are
//! kept because `compare` computes its statistics from them. Every field is documented in `bench-results/README.md`.
//! Bump [`SCHEMA_VERSION`] on any incompatible change; readers reject other versions with both numbers in the message.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the result-file format written by this harness.
pub const SCHEMA_VERSION: u32 = 1;

/// One `harness bench` run: written after each workload, so an interrupted run keeps what it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunResult {
    /// Format version; see [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `harness` crate version that wrote the file.
    pub harness_version: String,
    /// Unique id: `<UTC timestamp>-<short git sha>`.
    pub run_id: String,
    /// RFC 3339 UTC time the run started.
    pub started_at: String,
    /// RFC 3339 UTC time the run finished, absent while running or when interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// False while the run is in progress or when it was interrupted (SIGINT) or failed.
    pub complete: bool,
    pub git: GitInfo,
    pub machine: MachineInfo,
    /// Every meter considered, available or not.
    pub meters: Vec<MeterInfo>,
    pub intensity: IntensityInfo,
    pub config: BenchConfig,
    /// Idle power measured before the workloads, subtracted to give net energy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle: Option<IdleBaseline>,
    /// Human-readable warnings: estimates, fakes or mocks in play, fallbacks.
    pub warnings: Vec<String>,
    pub workloads: Vec<WorkloadResult>,
    /// Set by `harness ab` on its merged runs: which session and side, so `compare` can pair repetitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ab: Option<AbInfo>,
    /// The SCI inputs (functional unit, TE, EL, RS) and their sources. Absent in files written before SCI existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sci: Option<SciInputs>,
}

/// How `harness ab` measured this run: interleaved with the other side of the same session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AbInfo {
    /// Identifies one `harness ab` invocation; the base and head runs of one session share it.
    pub session: String,
    /// `base` or `head`.
    pub side: String,
}

/// Where the measured code came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GitInfo {
    /// Full commit hash, absent outside a git checkout.
    pub commit: Option<String>,
    pub branch: Option<String>,
    /// True when the work tree had uncommitted changes.
    pub dirty: Option<bool>,
}

/// The machine the run was measured on. Energy is only comparable between equal fingerprints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MachineInfo {
    /// Stable hash of cpu model, logical cpus, ram and meter sources: equal fingerprints are comparable.
    pub fingerprint: String,
    pub hostname: String,
    pub cpu_model: String,
    pub logical_cpus: u32,
    pub ram_bytes: u64,
    pub os: String,
    pub kernel: String,
}

/// A meter considered for the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeterInfo {
    /// `rapl`, `nvml`, `model` or `fake`.
    pub source: String,
    /// Whether it was usable on this machine.
    pub available: bool,
    /// Whether the run's energy numbers come from it.
    pub used: bool,
    /// Components it measures: `cpu_package`, `dram`, `gpu`, `ram_model`, `cpu_model`...
    pub components: Vec<String>,
    /// Why it is (un)available, its TDP for the model meter, the fix for a permission error...
    pub detail: String,
    /// Smallest energy step it can report, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_j: Option<f64>,
}

/// The carbon intensity applied to every kWh of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IntensityInfo {
    /// `fixed`, `country`, `electricity-maps` or `mock`.
    pub source: String,
    pub zone: Option<String>,
    pub intensity_g_per_kwh: f64,
}

impl From<&energy::carbon::Intensity> for IntensityInfo {
    fn from(i: &energy::carbon::Intensity) -> Self {
        Self {
            source: i.source.clone(),
            zone: i.zone.clone(),
            intensity_g_per_kwh: i.value.0,
        }
    }
}

/// What was asked for (after defaults were applied).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BenchConfig {
    /// Workload specs as given, e.g. `intensity`, `spin:1000000`.
    pub workloads: Vec<String>,
    /// Length of each measured repetition, when bounded by time.
    pub duration_s: Option<f64>,
    /// Operations per repetition, when bounded by count.
    pub ops: Option<u64>,
    pub warmup_s: f64,
    pub repetitions: u32,
    /// Closed-loop concurrency (workers), or the open loop's maximum in flight.
    pub concurrency: u32,
    /// Open-loop arrival rate; absent for a closed loop.
    pub rate_ops_per_s: Option<f64>,
    /// `in-process` or the base URL of a running `workloads serve`.
    pub target: String,
    /// Meter selection as asked: `auto`, `rapl`, `nvml`, `model`, `fake`.
    pub meter: String,
    /// How a workload's share of the energy is attributed: `process-cpu-share`, `machine-minus-idle`, `server-pid`...
    pub attribution: String,
    /// `release` or `debug`: how the harness (and the in-process workloads) were compiled. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_profile: Option<String>,
}

/// Idle power measured before the workloads ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IdleBaseline {
    pub power_w: f64,
    pub duration_s: f64,
    pub source: String,
}

/// Latency quantiles in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// One workload's aggregate over all repetitions, plus the raw samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadResult {
    /// Workload spec: `intensity`, `predict`, `chat`, `spin:N`.
    pub name: String,
    /// Successful operations over all measured repetitions.
    pub ops: u64,
    /// Failed operations over all measured repetitions.
    pub errors: u64,
    /// Failed operations by kind (`timeout`, `http_503`, ...).
    #[serde(default)]
    pub errors_by_kind: BTreeMap<String, u64>,
    pub throughput_ops_per_s: f64,
    /// Gross energy per successful op (machine or process share, idle included).
    pub energy_j_per_op: f64,
    /// Net energy per op: idle power subtracted.
    pub energy_j_per_op_net: f64,
    pub energy_kwh_per_op: f64,
    /// Gross emissions per op.
    pub emissions_g_per_op: f64,
    pub emissions_g_per_op_net: f64,
    /// Attributable energy per op over all repetitions (ratio of totals; see `repetitions[].attributable`): what
    /// `compare` gates on. Absent in files written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_j_per_op_attributable: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emissions_g_per_op_attributable: Option<f64>,
    /// Meter source the energy came from (`rapl`, `nvml`, `model`, `fake`).
    pub energy_source: String,
    /// Latency over all repetitions (from the merged histogram).
    pub latency_s: LatencySummary,
    /// Merged HDR histogram of latencies in microseconds, V2+deflate serialised, base64.
    pub histogram: String,
    pub repetitions: Vec<RepetitionSample>,
    /// SCI per op and its parts; bounds of estimated energy.
    #[serde(flatten)]
    pub sci: WorkloadSci,
    /// `--meter instructions`: instructions executed per successful op over all repetitions (ratio of totals),
    /// counted by Valgrind's Callgrind on the thread that runs the ops. Deterministic: what `compare` gates on for
    /// such runs. Absent for the energy meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions_per_op: Option<f64>,
    /// `--meter instructions` with the cache simulation: misses per op over all repetitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_misses_per_op: Option<CacheMisses>,
    /// False when the wall-clock figures (latency, throughput, `wall_s`) were measured under Valgrind and mean
    /// nothing about the code's speed (`--meter instructions`). Absent: they are meaningful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_clock_meaningful: Option<bool>,
    /// HTTP workloads with a method, headers or body (`post:/PATH`, scenario requests): what each op sent. Absent
    /// for other workloads and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestInfo>,
}

/// Cache misses per op from Callgrind's cache simulation (`--meter instructions`), of a fixed reference cache
/// (bench-results/README.md), so the numbers are the same on every machine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheMisses {
    /// First-level misses, instruction and data (Callgrind's I1mr + D1mr + D1mw).
    pub l1: f64,
    /// Last-level misses, instruction and data (ILmr + DLmr + DLmw): the ones that reach memory.
    pub ll: f64,
}

/// What `--meter instructions` counted in one repetition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstructionCounts {
    /// Instructions executed by the measured ops (Callgrind's `Ir`), harness loop included.
    pub instructions: u64,
    /// Cache misses (totals, not per op) when the cache simulation was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_misses: Option<CacheMissCounts>,
}

/// Cache-miss totals of one repetition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CacheMissCounts {
    pub l1: u64,
    pub ll: u64,
}

/// The request an HTTP workload sent on every op (never a secret: see the fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestInfo {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`.
    pub method: String,
    /// Path and query (secret-named query values masked).
    pub path: String,
    /// `NAME: VALUE` as written: `${VAR}` references kept, never their values; a secret-named header given
    /// literally shows `***`.
    #[serde(default)]
    pub headers: Vec<String>,
    /// Size of the body sent, when there is one (the body itself is not recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_bytes: Option<u64>,
    /// `inline` or `@FILE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_source: Option<String>,
    /// Statuses counted as success: `2xx` or a list like `201,409`.
    pub expect_status: String,
}

/// One measured repetition: one sample for the statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RepetitionSample {
    pub index: u32,
    pub ops: u64,
    pub errors: u64,
    pub wall_s: f64,
    /// CPU time of the measured process(es) over the repetition.
    pub cpu_s: f64,
    /// Gross energy attributed to the measured process, by component (`cpu_package`, `dram`, `gpu`, `ram_model`,
    /// `cpu_model`...), joules.
    pub energy_j: BTreeMap<String, f64>,
    /// Sum of `energy_j`.
    pub energy_j_total: f64,
    /// Net of idle: the same share of (machine energy − idle power × wall time), never below zero.
    pub energy_j_net: f64,
    pub energy_j_per_op: f64,
    pub energy_j_per_op_net: f64,
    pub emissions_g_per_op: f64,
    pub throughput_ops_per_s: f64,
    pub latency_s: LatencySummary,
    /// The energy the workload itself causes plus its CPU-time share of the static power: what a neighbour cannot
    /// move (bench-results/README.md). Absent in files written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributable: Option<AttributableEnergy>,
    /// What else the machine was doing during the repetition. Absent in files written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// `harness ab`: the pair this repetition ran in; the base and head repetitions with the same `pair` ran back to
    /// back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<u32>,
    /// When the repetition ran, its intensity, SCI per op and embodied part.
    #[serde(flatten)]
    pub sci: RepetitionSci,
    /// `--meter instructions`: instructions per successful op in this repetition (see the workload's field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions_per_op: Option<f64>,
    /// `--meter instructions`: the raw counts of this repetition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<InstructionCounts>,
}

/// Attributable energy of one repetition (never part of the CodeCarbon totals, which use `energy_j`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AttributableEnergy {
    /// `dynamic_j + static_j`.
    pub energy_j: f64,
    /// Load-driven energy charged by the workload's CPU time.
    pub dynamic_j: f64,
    /// Static power × the workload's CPU time ÷ logical CPUs.
    pub static_j: f64,
    /// The machine's static power the rule used (model floor and RAM, or the idle baseline).
    pub static_power_w: f64,
    pub energy_j_per_op: f64,
    pub emissions_g_per_op: f64,
}

/// What else ran on the machine during one repetition (see `harness::runner::environment`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    /// CPU time other processes used, in cores (CPU-seconds per second; 1.0 = one core busy throughout).
    pub other_cpu_cores: Option<f64>,
    /// CPU time the measured process used, in cores.
    pub own_cpu_cores: f64,
    /// Share of the machine's CPU time stolen by the hypervisor (0..1).
    pub steal_fraction: Option<f64>,
    /// 1-minute load average at the end of the repetition.
    pub load_avg_1m: Option<f64>,
    /// Mean CPU frequency at the end of the repetition, where cpufreq is readable.
    pub cpu_freq_mhz: Option<f64>,
    /// Share of the repetition during which some task stalled on memory (PSI `some`), where PSI is available.
    pub memory_pressure: Option<f64>,
    /// Share of the repetition during which some runnable task waited for a CPU (PSI `some`), where PSI is
    /// available. Absent in files written before it was recorded.
    #[serde(default)]
    pub cpu_pressure: Option<f64>,
    /// Share of the time the measured process's threads were runnable that they actually ran (0..1; 1.0 = never
    /// waited for a CPU), from the scheduler's per-thread statistics (`/proc/<pid>/task/*/schedstat`: run time and
    /// run-queue wait). Unlike the machine-wide figures it does not saturate on a busy machine: a neighbour that
    /// takes CPU from the workload lowers it, whatever else runs. Absent where schedstat is not readable and in files
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_run_share: Option<f64>,
}

/// The SCI inputs of a run (bench-results/README.md, "SCI per operation"): SCI = (E × I + M) per R with
/// M = TE × (TiR / EL) × RS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SciInputs {
    /// The functional unit R: one successful operation of the workload.
    pub functional_unit: String,
    /// The `--machine` archetype the defaults came from (`generic-server`, `laptop`, `github-runner`).
    pub machine: String,
    /// TE: total embodied emissions of the machine, kg CO2eq.
    pub embodied_total_kg: f64,
    /// EL: expected lifetime, years of 365 days.
    pub lifetime_years: f64,
    /// RS: share of the machine in use, (0, 1].
    pub resource_share: f64,
    /// Where TE, EL and RS came from (a flag, the archetype, the threads rule), one line each.
    pub input_sources: Vec<String>,
    /// The archetype's published sources and their licences.
    pub references: Vec<String>,
    /// Which energy E is: `attributable` (else `gross` for repetitions without it).
    pub energy_basis: String,
    /// How the intensity I was applied: `single reading` or `history` (per repetition, over its time).
    pub intensity_basis: String,
}

/// A workload's SCI per op and its parts (ratios of totals over repetitions), and the `{min, max}` band of estimated
/// energy. Every field is absent in files written before it existed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadSci {
    /// SCI per op: `operational_g_per_op + embodied_g_per_op`, g CO2eq.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sci_g_per_op: Option<f64>,
    /// M per op: Σ TE × (wall / EL) × RS over repetitions ÷ ops, g CO2eq.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embodied_g_per_op: Option<f64>,
    /// E × I per op: the attributable energy (else gross) at each repetition's intensity, g CO2eq.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operational_g_per_op: Option<f64>,
    /// Model-meter (estimated) energy: the `{min, max}` band of `energy_j_per_op`, J. Absent for measured meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_j_per_op_bounds: Option<Bounds>,
    /// Model-meter energy: the band of `emissions_g_per_op`, g CO2eq.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emissions_g_per_op_bounds: Option<Bounds>,
    /// Model-meter energy: the band of `sci_g_per_op` (its operational part banded), g CO2eq.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sci_g_per_op_bounds: Option<Bounds>,
}

/// A `{min, max}` range, as EcoLogits carries estimated impacts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Bounds {
    pub min: f64,
    pub max: f64,
}

/// A repetition's time, intensity and SCI. Every field is absent in files written before it existed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RepetitionSci {
    /// RFC 3339 UTC time the repetition started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// The intensity applied to this repetition when it differs per repetition (the zone's history, weighted by
    /// time over the repetition); absent: the run's `intensity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensity_g_per_kwh: Option<f64>,
    /// SCI per op of this repetition, g CO2eq.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sci_g_per_op: Option<f64>,
    /// Embodied part per op of this repetition, g CO2eq.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embodied_g_per_op: Option<f64>,
}

/// The JSON Schema of [`RunResult`], pretty-printed (what `bench-results/schema/run.schema.json` holds).
pub fn json_schema_string() -> serde_json::Result<String> {
    let schema = schemars::schema_for!(RunResult);
    serde_json::to_string_pretty(&schema).map(|s| s + "\n")
}
