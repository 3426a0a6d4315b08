//! Turns a [`RunResult`] (and optionally a compare's verdicts) into a Prometheus [`Registry`] of the run's metrics.
//!
//! Everything is built with the `prometheus` crate's typed metrics; the exposition text comes from its
//! [`TextEncoder`], never from `format!`. One registry feeds both sinks: the Pushgateway gets the text format, remote
//! write gets the same samples as protobuf. Metric names, units and labels are documented in `harness/README.md`
//! ("Metrics pushed by `harness push`").
//!
//! The `codecarbon_*` gauges mirror CodeCarbon's Pushgateway exporter (methodology.md A.8): same names, units (kg, kWh,
//! W, s) and the same 14 labels, filled where the run knows them, plus our `workload` label. Unlike CodeCarbon they hold
//! the run's totals per workload, not a delta since a previous push.

use super::verdicts::Verdicts;
use crate::record::schema::{LatencySummary, RunResult, WorkloadResult};
use energy::meter::Family;
use energy::units::JOULES_PER_KWH;
use prometheus::core::{Collector, Desc};
use prometheus::proto::{LabelPair, Metric, MetricFamily, MetricType, Quantile, Summary};
use prometheus::{Encoder, GaugeVec, IntCounterVec, Opts, Registry, TextEncoder};
use std::collections::HashMap;

/// Labels that the metrics themselves carry; grouping labels (`--label`) must not reuse them.
pub const RESERVED_LABELS: &[&str] = &[
    "job",
    "workload",
    "quantile",
    "metric",
    "commit",
    "run_id",
    "energy_source",
    "project_name",
    "country_name",
    "country_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "os",
    "codecarbon_version",
    "cpu_model",
    "cpu_count",
    "gpu_model",
    "gpu_count",
    "tracking_mode",
    "ram_total_size",
];

/// CodeCarbon's label names, in its order (methodology.md A.8), followed by ours.
const CODECARBON_LABELS: &[&str] = &[
    "project_name",
    "country_name",
    "country_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "os",
    "codecarbon_version",
    "cpu_model",
    "cpu_count",
    "gpu_model",
    "gpu_count",
    "tracking_mode",
    "ram_total_size",
    "workload",
];

/// Reads one quantile out of a run's latency summary.
type QuantileOf = fn(&LatencySummary) -> f64;

/// Latency quantiles exported, as (quantile, accessor); 1 is the maximum.
const QUANTILES: &[(f64, QuantileOf)] = &[
    (0.5, |l| l.p50),
    (0.9, |l| l.p90),
    (0.95, |l| l.p95),
    (0.99, |l| l.p99),
    (1.0, |l| l.max),
];

/// The gauges and counters of one run, registered in their own registry.
#[derive(Debug)]
pub struct RunMetrics {
    registry: Registry,
}

impl RunMetrics {
    /// Builds every metric of `run`; `project_name` fills CodeCarbon's label of that name.
    pub fn build(
        run: &RunResult,
        verdicts: Option<&Verdicts>,
        project_name: &str,
    ) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let b = Builder {
            registry: &registry,
        };
        b.harness_metrics(run)?;
        b.codecarbon_metrics(run, project_name)?;
        if let Some(v) = verdicts {
            b.verdict_metrics(v)?;
        }
        Ok(Self { registry })
    }

    /// The metric families, sorted by name.
    pub fn gather(&self) -> Vec<MetricFamily> {
        self.registry.gather()
    }

    /// Prometheus text exposition format (version 0.0.4).
    pub fn to_text(&self) -> prometheus::Result<String> {
        TextEncoder::new().encode_to_string(&self.gather())
    }

    /// The `Content-Type` of [`Self::to_text`].
    pub fn text_content_type() -> String {
        TextEncoder::new().format_type().to_string()
    }
}

struct Builder<'a> {
    registry: &'a Registry,
}

impl Builder<'_> {
    fn gauge(&self, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<GaugeVec> {
        let g = GaugeVec::new(Opts::new(name, help), labels)?;
        self.registry.register(Box::new(g.clone()))?;
        Ok(g)
    }

    fn counter(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> prometheus::Result<IntCounterVec> {
        let c = IntCounterVec::new(Opts::new(name, help), labels)?;
        self.registry.register(Box::new(c.clone()))?;
        Ok(c)
    }

    fn harness_metrics(&self, run: &RunResult) -> prometheus::Result<()> {
        let w = &["workload"];
        let energy = self.gauge(
            "carbon_harness_operation_energy_joules",
            "Gross energy per successful operation (idle included), joules.",
            w,
        )?;
        let energy_net = self.gauge(
            "carbon_harness_operation_energy_net_joules",
            "Net energy per successful operation (idle power subtracted), joules.",
            w,
        )?;
        let emissions = self.gauge(
            "carbon_harness_operation_emissions_grams",
            "Gross emissions per successful operation, grams CO2eq.",
            w,
        )?;
        let emissions_net = self.gauge(
            "carbon_harness_operation_emissions_net_grams",
            "Net emissions per successful operation (idle subtracted), grams CO2eq.",
            w,
        )?;
        let sci = self.gauge(
            "carbon_harness_operation_sci_grams",
            "SCI per operation (ISO/IEC 21031): (E x I + M) per R, R = one successful operation, grams CO2eq.",
            w,
        )?;
        let embodied = self.gauge(
            "carbon_harness_operation_embodied_grams",
            "Embodied part M of the SCI per operation (hardware manufacturing, shared by time and resource share), grams CO2eq.",
            w,
        )?;
        let energy_attributable = self.gauge(
            "carbon_harness_operation_energy_attributable_joules",
            "Attributable energy per successful operation: what the workload causes plus its CPU-time share of the \
             static power, which a neighbour cannot move (what harness compare gates on), joules.",
            w,
        )?;
        let emissions_attributable = self.gauge(
            "carbon_harness_operation_emissions_attributable_grams",
            "Attributable emissions per successful operation (attributable energy x grid intensity), grams CO2eq.",
            w,
        )?;
        let instructions = self.gauge(
            "carbon_harness_operation_instructions",
            "Instructions executed per successful operation, counted under Valgrind Callgrind (--meter instructions).",
            w,
        )?;
        let throughput = self.gauge(
            "carbon_harness_throughput_ops_per_second",
            "Successful operations per second over the measured repetitions.",
            w,
        )?;
        let ops = self.counter(
            "carbon_harness_operations_total",
            "Successful operations over all measured repetitions of the run.",
            w,
        )?;
        let errors = self.counter(
            "carbon_harness_errors_total",
            "Failed operations over all measured repetitions of the run.",
            w,
        )?;
        let intensity = self.gauge(
            "carbon_harness_grid_intensity_grams_per_kwh",
            "Carbon intensity applied to the run's energy, grams CO2eq per kWh.",
            &["source"],
        )?;
        let started = self.gauge(
            "carbon_harness_run_timestamp_seconds",
            "Unix time the run started; the commit label names the measured code.",
            &["commit"],
        )?;
        for wl in &run.workloads {
            let l = &[wl.name.as_str()];
            energy.with_label_values(l).set(wl.energy_j_per_op);
            energy_net.with_label_values(l).set(wl.energy_j_per_op_net);
            emissions.with_label_values(l).set(wl.emissions_g_per_op);
            emissions_net
                .with_label_values(l)
                .set(wl.emissions_g_per_op_net);
            throughput.with_label_values(l).set(wl.throughput_ops_per_s);
            if let Some(j) = wl.energy_j_per_op_attributable {
                energy_attributable.with_label_values(l).set(j);
            }
            if let Some(g) = wl.emissions_g_per_op_attributable {
                emissions_attributable.with_label_values(l).set(g);
            }
            if let Some(n) = wl.instructions_per_op {
                instructions.with_label_values(l).set(n);
            }
            if let Some(g) = wl.sci.sci_g_per_op {
                sci.with_label_values(l).set(g);
            }
            if let Some(g) = wl.sci.embodied_g_per_op {
                embodied.with_label_values(l).set(g);
            }
            ops.with_label_values(l).inc_by(wl.ops);
            errors.with_label_values(l).inc_by(wl.errors);
        }
        self.registry
            .register(Box::new(LatencySummaries::of(&run.workloads)?))?;
        intensity
            .with_label_values(&[run.intensity.source.as_str()])
            .set(run.intensity.intensity_g_per_kwh);
        let commit = run.git.commit.as_deref().unwrap_or("unknown");
        started
            .with_label_values(&[commit])
            .set(unix_seconds(&run.started_at).unwrap_or(0.0));
        Ok(())
    }

    fn codecarbon_metrics(&self, run: &RunResult, project_name: &str) -> prometheus::Result<()> {
        let g = |name: &str, help: &str| self.gauge(name, help, CODECARBON_LABELS);
        let duration = g(
            "codecarbon_duration",
            "Duration of the workload's measured repetitions (s)",
        )?;
        let emissions = g(
            "codecarbon_emissions",
            "Emissions as CO2-equivalents [CO2eq] (kg)",
        )?;
        let rate = g(
            "codecarbon_emissions_rate",
            "Emissions divided per duration (Kg/s)",
        )?;
        let cpu_power = g("codecarbon_cpu_power", "CPU power (W)")?;
        let gpu_power = g("codecarbon_gpu_power", "GPU power (W)")?;
        let ram_power = g("codecarbon_ram_power", "RAM power (W)")?;
        let cpu_energy = g(
            "codecarbon_cpu_energy",
            "Energy used by the CPU during the run (kWh)",
        )?;
        let gpu_energy = g(
            "codecarbon_gpu_energy",
            "Energy used by the GPU during the run (kWh)",
        )?;
        let ram_energy = g(
            "codecarbon_ram_energy",
            "Energy used by the RAM during the run (kWh)",
        )?;
        let consumed = g(
            "codecarbon_energy_consumed",
            "Sum of cpu_energy, gpu_energy and ram_energy (kWh)",
        )?;
        for wl in &run.workloads {
            let t = WorkloadTotals::of(wl, run.intensity.intensity_g_per_kwh);
            let labels = codecarbon_label_values(run, wl, project_name);
            let l: Vec<&str> = labels.iter().map(String::as_str).collect();
            duration.with_label_values(&l).set(t.duration_s);
            emissions.with_label_values(&l).set(t.emissions_kg);
            rate.with_label_values(&l).set(t.per_second(t.emissions_kg));
            cpu_power.with_label_values(&l).set(t.per_second(t.cpu_j));
            gpu_power.with_label_values(&l).set(t.per_second(t.gpu_j));
            ram_power.with_label_values(&l).set(t.per_second(t.ram_j));
            cpu_energy
                .with_label_values(&l)
                .set(t.cpu_j / JOULES_PER_KWH);
            gpu_energy
                .with_label_values(&l)
                .set(t.gpu_j / JOULES_PER_KWH);
            ram_energy
                .with_label_values(&l)
                .set(t.ram_j / JOULES_PER_KWH);
            consumed
                .with_label_values(&l)
                .set(t.total_j() / JOULES_PER_KWH);
        }
        Ok(())
    }

    fn verdict_metrics(&self, verdicts: &Verdicts) -> prometheus::Result<()> {
        let labels = &["workload", "metric"];
        let ratio = self.gauge(
            "carbon_harness_change_ratio",
            "Relative change candidate vs baseline (0.05 = 5 % higher) from the compare report.",
            labels,
        )?;
        let regression = self.gauge(
            "carbon_harness_regression",
            "1 when the compare verdict for this workload and metric is Regressed, else 0.",
            labels,
        )?;
        for v in &verdicts.metrics {
            let l = &[v.workload.as_str(), v.metric.as_str()];
            if let Some(r) = v.change_ratio {
                ratio.with_label_values(l).set(r);
            }
            regression
                .with_label_values(l)
                .set(if v.is_regression() { 1.0 } else { 0.0 });
        }
        Ok(())
    }
}

const LATENCY_NAME: &str = "carbon_harness_operation_latency_seconds";
const LATENCY_HELP: &str = "Operation latency over all repetitions: quantiles (quantile=\"1\" is the maximum), sum and count, seconds.";

/// `carbon_harness_operation_latency_seconds` as a summary per workload: the run already holds the quantiles, so the
/// family is built directly (the crate's `Histogram` would need the raw observations).
#[derive(Debug)]
struct LatencySummaries {
    desc: Desc,
    family: MetricFamily,
}

impl LatencySummaries {
    fn of(workloads: &[WorkloadResult]) -> prometheus::Result<Self> {
        let desc = Desc::new(
            LATENCY_NAME.into(),
            LATENCY_HELP.into(),
            vec!["workload".into()],
            HashMap::new(),
        )?;
        let mut family = MetricFamily::default();
        family.set_name(LATENCY_NAME.into());
        family.set_help(LATENCY_HELP.into());
        family.set_field_type(MetricType::SUMMARY);
        family.set_metric(workloads.iter().map(summary_metric).collect());
        Ok(Self { desc, family })
    }
}

fn summary_metric(wl: &WorkloadResult) -> Metric {
    let mut summary = Summary::default();
    summary.set_sample_count(wl.ops);
    summary.set_sample_sum(wl.latency_s.mean * wl.ops as f64);
    summary.set_quantile(
        QUANTILES
            .iter()
            .map(|(q, get)| {
                let mut quantile = Quantile::default();
                quantile.set_quantile(*q);
                quantile.set_value(get(&wl.latency_s));
                quantile
            })
            .collect(),
    );
    let mut label = LabelPair::default();
    label.set_name("workload".into());
    label.set_value(wl.name.clone());
    let mut metric = Metric::default();
    metric.set_label(vec![label]);
    metric.set_summary(summary);
    metric
}

impl Collector for LatencySummaries {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        vec![self.family.clone()]
    }
}

/// Energy of one workload over all its repetitions, split the way CodeCarbon splits it.
#[derive(Debug, Default)]
struct WorkloadTotals {
    duration_s: f64,
    cpu_j: f64,
    gpu_j: f64,
    ram_j: f64,
    emissions_kg: f64,
}

impl WorkloadTotals {
    fn of(wl: &WorkloadResult, intensity_g_per_kwh: f64) -> Self {
        let mut t = Self::default();
        for rep in &wl.repetitions {
            t.duration_s += rep.wall_s;
            for (component, joules) in &rep.energy_j {
                match Family::of_name(component) {
                    Family::Gpu => t.gpu_j += joules,
                    Family::Ram => t.ram_j += joules,
                    Family::Cpu => t.cpu_j += joules,
                }
            }
        }
        t.emissions_kg = t.total_j() / JOULES_PER_KWH * intensity_g_per_kwh / 1000.0;
        t
    }

    fn total_j(&self) -> f64 {
        self.cpu_j + self.gpu_j + self.ram_j
    }

    /// `amount / duration`, 0 for an empty duration (never NaN or infinity).
    fn per_second(&self, amount: f64) -> f64 {
        if self.duration_s > 0.0 {
            amount / self.duration_s
        } else {
            0.0
        }
    }
}

fn codecarbon_label_values(
    run: &RunResult,
    wl: &WorkloadResult,
    project_name: &str,
) -> Vec<String> {
    let zone = run.intensity.zone.clone().unwrap_or_default();
    let gpu_count = run
        .meters
        .iter()
        .filter(|m| m.used && m.components.iter().any(|c| c.starts_with("gpu")))
        .count();
    let tracking_mode = if run.config.attribution == "machine-minus-idle" {
        "machine"
    } else {
        "process"
    };
    vec![
        project_name.to_string(),
        String::new(),
        zone,
        String::new(),
        String::new(),
        String::new(),
        run.machine.os.clone(),
        String::new(),
        run.machine.cpu_model.clone(),
        run.machine.logical_cpus.to_string(),
        String::new(),
        gpu_count.to_string(),
        tracking_mode.to_string(),
        format!("{:.3}", run.machine.ram_bytes as f64 / 1e9),
        wl.name.clone(),
    ]
}

/// Parses an RFC 3339 time into Unix seconds.
pub fn unix_seconds(rfc3339: &str) -> Option<f64> {
    let ts: jiff::Timestamp = rfc3339.parse().ok()?;
    Some(ts.as_millisecond() as f64 / 1000.0)
}

/// Encodes families to text with the crate's encoder (for callers holding families, e.g. tests).
pub fn encode_text(families: &[MetricFamily]) -> prometheus::Result<String> {
    let mut buf = Vec::new();
    TextEncoder::new().encode(families, &mut buf)?;
    String::from_utf8(buf).map_err(|e| prometheus::Error::Msg(e.to_string()))
}
