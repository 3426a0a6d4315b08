//! Live energy of the app process on `/metrics`: an embedded sampler reads an [`EnergyMeter`] every few seconds and
//! turns each interval's energy into counters and gauges.
//!
//! The default meter is the energy crate's model meter in process mode ([`process_model_meter`]): CodeCarbon's
//! estimate of this process's CPU power (TDP × its CPU share, exact process CPU time) and RAM power (its resident set),
//! so it works on any machine, costs one `/proc` read per interval, and is labelled `meter="model"` because it is an
//! estimate. Any other meter (RAPL with attribution, the fake meter in tests) can be passed to [`spawn_sampler`].
//!
//! Two sets of names, documented in `workloads/README.md`:
//! * ours: `process_power_watts`, `process_energy_joules_total`, `process_emissions_grams_total`, each with
//!   `project_name="workloads"` and `meter`;
//! * CodeCarbon-compatible gauges with `project_name="workloads"` and `tracking_mode="process"`:
//!   `codecarbon_{cpu,gpu,ram}_power` (W), `codecarbon_{cpu,gpu,ram}_energy` and `codecarbon_energy_consumed` (kWh
//!   since start), `codecarbon_emissions` (kg since start), `codecarbon_emissions_rate` (kg/s over the last interval),
//!   `codecarbon_duration` (s since start). Cumulative values make the workshop's
//!   `avg(rate(codecarbon_emissions[$__range])) by (project_name)` the process's emissions per second.

use energy::cputime::ProcessRef;
pub use energy::meter::FamilyEnergy;
use energy::meter::model::{ModelConfig, ModelMeter, TrackingMode};
use energy::meter::sampler::Sampler;
use energy::meter::{EnergyMeter, MeterError};
use energy::units::{GramsPerKwh, JOULES_PER_KWH, Joules, Seconds};
use prometheus::{CounterVec, GaugeVec, Opts, Registry};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `project_name` label value of every metric here.
pub const PROJECT_NAME: &str = "workloads";
/// Default sampling period: the model meter wants at least one read a second for CodeCarbon parity.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(1);
/// Intensity used until the app sets one: the world average CodeCarbon falls back to (gCO2eq/kWh).
pub const DEFAULT_INTENSITY: GramsPerKwh = GramsPerKwh(475.0);

/// The metrics, registered once; the sampler updates them.
#[derive(Debug, Clone)]
pub struct EnergyMetrics {
    meter: String,
    intensity_bits: Arc<AtomicU64>,
    power: GaugeVec,
    energy: CounterVec,
    emissions: CounterVec,
    cc_power: [GaugeVec; 3],
    cc_energy: [GaugeVec; 3],
    cc_consumed: GaugeVec,
    cc_emissions: GaugeVec,
    cc_rate: GaugeVec,
    cc_duration: GaugeVec,
}

const OURS: &[&str] = &["project_name", "meter"];
const CODECARBON: &[&str] = &["project_name", "tracking_mode"];
const CC_VALUES: &[&str] = &[PROJECT_NAME, "process"];

fn gauge(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> prometheus::Result<GaugeVec> {
    let g = GaugeVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(g.clone()))?;
    Ok(g)
}

fn counter(registry: &Registry, name: &str, help: &str) -> prometheus::Result<CounterVec> {
    let c = CounterVec::new(Opts::new(name, help), OURS)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

impl EnergyMetrics {
    /// Registers every metric in `registry`; `meter` is the source name shown in the `meter` label.
    pub fn register(registry: &Registry, meter: &str) -> prometheus::Result<Self> {
        let cc = |name: &str, help: &str| gauge(registry, name, help, CODECARBON);
        let m = Self {
            meter: meter.to_string(),
            intensity_bits: Arc::new(AtomicU64::new(DEFAULT_INTENSITY.0.to_bits())),
            power: gauge(
                registry,
                "process_power_watts",
                "Power of the app process over the last sampling interval, watts.",
                OURS,
            )?,
            energy: counter(
                registry,
                "process_energy_joules_total",
                "Energy of the app process since it started, joules.",
            )?,
            emissions: counter(
                registry,
                "process_emissions_grams_total",
                "Emissions of the app process since it started at the current grid intensity, grams CO2eq.",
            )?,
            cc_power: [
                cc("codecarbon_cpu_power", "CPU power (W)")?,
                cc("codecarbon_gpu_power", "GPU power (W)")?,
                cc("codecarbon_ram_power", "RAM power (W)")?,
            ],
            cc_energy: [
                cc(
                    "codecarbon_cpu_energy",
                    "Energy used by the CPU since start (kWh)",
                )?,
                cc(
                    "codecarbon_gpu_energy",
                    "Energy used by the GPU since start (kWh)",
                )?,
                cc(
                    "codecarbon_ram_energy",
                    "Energy used by the RAM since start (kWh)",
                )?,
            ],
            cc_consumed: cc(
                "codecarbon_energy_consumed",
                "Sum of cpu, gpu and ram energy since start (kWh)",
            )?,
            cc_emissions: cc(
                "codecarbon_emissions",
                "Emissions as CO2-equivalents [CO2eq] since start (kg)",
            )?,
            cc_rate: cc(
                "codecarbon_emissions_rate",
                "Emissions over the last interval divided by its duration (Kg/s)",
            )?,
            cc_duration: cc(
                "codecarbon_duration",
                "Duration since the sampler started (s)",
            )?,
        };
        m.ensure_series();
        Ok(m)
    }

    /// Creates every series at zero so `/metrics` shows them before the first sample.
    fn ensure_series(&self) {
        let ours = [PROJECT_NAME, self.meter.as_str()];
        self.power.with_label_values(&ours);
        self.energy.with_label_values(&ours);
        self.emissions.with_label_values(&ours);
        for g in self.cc_power.iter().chain(&self.cc_energy) {
            g.with_label_values(CC_VALUES);
        }
        for g in [
            &self.cc_consumed,
            &self.cc_emissions,
            &self.cc_rate,
            &self.cc_duration,
        ] {
            g.with_label_values(CC_VALUES);
        }
    }

    /// Sets the grid intensity applied from now on (the app calls it when it fetches a fresh value).
    pub fn set_intensity(&self, intensity: GramsPerKwh) {
        if intensity.0.is_finite() && intensity.0 >= 0.0 {
            self.intensity_bits
                .store(intensity.0.to_bits(), Ordering::Relaxed);
        }
    }

    pub fn intensity(&self) -> GramsPerKwh {
        GramsPerKwh(f64::from_bits(self.intensity_bits.load(Ordering::Relaxed)))
    }

    /// Accounts one interval: `delta` energy over `interval`, with `total` energy and `elapsed` time since start.
    pub fn observe(
        &self,
        delta: FamilyEnergy,
        interval: Seconds,
        total: FamilyEnergy,
        elapsed: Seconds,
    ) {
        let ours = [PROJECT_NAME, self.meter.as_str()];
        let grams = delta.total().0 / JOULES_PER_KWH * self.intensity().0;
        let per_s = |j: Joules| {
            if interval.0 > 0.0 {
                j.0 / interval.0
            } else {
                0.0
            }
        };
        self.power
            .with_label_values(&ours)
            .set(per_s(delta.total()));
        self.energy.with_label_values(&ours).inc_by(delta.total().0);
        self.emissions.with_label_values(&ours).inc_by(grams);
        for (g, j) in self.cc_power.iter().zip([delta.cpu, delta.gpu, delta.ram]) {
            g.with_label_values(CC_VALUES).set(per_s(j));
        }
        for (g, j) in self.cc_energy.iter().zip([total.cpu, total.gpu, total.ram]) {
            g.with_label_values(CC_VALUES).set(j.0 / JOULES_PER_KWH);
        }
        self.cc_consumed
            .with_label_values(CC_VALUES)
            .set(total.total().0 / JOULES_PER_KWH);
        let emissions_kg = self.emissions.with_label_values(&ours).get() / 1000.0;
        self.cc_emissions
            .with_label_values(CC_VALUES)
            .set(emissions_kg);
        self.cc_rate
            .with_label_values(CC_VALUES)
            .set(if interval.0 > 0.0 {
                grams / 1000.0 / interval.0
            } else {
                0.0
            });
        self.cc_duration.with_label_values(CC_VALUES).set(elapsed.0);
    }
}

/// The model meter estimating this process (CodeCarbon process mode).
pub fn process_model_meter() -> Result<ModelMeter, MeterError> {
    ModelMeter::open(ModelConfig {
        mode: TrackingMode::Process(ProcessRef::Current),
        ..ModelConfig::default()
    })
}

/// The running sampler thread; stops when [`SamplerHandle::stop`] is called or the handle is dropped.
#[derive(Debug)]
pub struct SamplerHandle {
    sampler: Sampler,
}

impl SamplerHandle {
    /// Stops sampling and waits for the thread to end (at most the end of a read in progress).
    pub fn stop(self) {
        self.sampler.stop();
    }
}

/// Starts the meter and samples it every `period` on its own thread ([`Sampler`]: one futex wake-up per period, not
/// an async runtime's). A failed read is logged once and skipped (the counters keep their last value, never a
/// made-up one); a failed start is returned.
pub fn spawn_sampler(
    metrics: EnergyMetrics,
    mut meter: Box<dyn EnergyMeter>,
    period: Duration,
) -> Result<SamplerHandle, MeterError> {
    meter.start()?;
    let source = meter.source();
    let mut previous = (FamilyEnergy::default(), Seconds(0.0));
    let mut warned = false;
    let tick = move || match meter.read() {
        Ok(reading) => {
            let total = FamilyEnergy::of(&reading.energy);
            let interval = reading.duration - previous.1;
            metrics.observe(total.since(&previous.0), interval, total, reading.duration);
            previous = (total, reading.duration);
        }
        Err(e) if !warned => {
            tracing::warn!("live energy sampler: {e}; skipping samples until it reads again");
            warned = true;
        }
        Err(_) => {}
    };
    let sampler =
        Sampler::spawn("energy-sampler", period, tick).map_err(|e| MeterError::Device {
            meter: source,
            message: format!("starting the sampler thread: {e}"),
        })?;
    Ok(SamplerHandle { sampler })
}

#[cfg(test)]
mod tests {
    use super::*;
    use energy::meter::fake::FakeMeter;
    use energy::units::Watts;
    use prometheus::{Encoder, TextEncoder};

    fn text(registry: &Registry) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&registry.gather(), &mut buf)
            .expect("encode");
        String::from_utf8(buf).expect("utf-8")
    }

    fn value(text: &str, prefix: &str) -> f64 {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{prefix} missing in\n{text}"))
    }

    #[test]
    fn observe_accumulates_energy_emissions_and_power() {
        let registry = Registry::new();
        let m = EnergyMetrics::register(&registry, "fake").expect("register");
        m.set_intensity(GramsPerKwh(360.0));
        let step = FamilyEnergy {
            cpu: Joules(18.0),
            gpu: Joules(0.0),
            ram: Joules(2.0),
        };
        m.observe(step, Seconds(2.0), step, Seconds(2.0));
        let total = FamilyEnergy {
            cpu: Joules(36.0),
            gpu: Joules(0.0),
            ram: Joules(4.0),
        };
        m.observe(step, Seconds(2.0), total, Seconds(4.0));
        let t = text(&registry);
        assert_eq!(
            value(
                &t,
                r#"process_energy_joules_total{meter="fake",project_name="workloads"}"#
            ),
            40.0
        );
        assert_eq!(
            value(
                &t,
                r#"process_power_watts{meter="fake",project_name="workloads"}"#
            ),
            10.0
        );
        // 40 J = 40/3.6e6 kWh at 360 g/kWh = 0.004 g.
        let grams = value(
            &t,
            r#"process_emissions_grams_total{meter="fake",project_name="workloads"}"#,
        );
        assert!((grams - 0.004).abs() < 1e-12, "{grams}");
        let cc = r#"{project_name="workloads",tracking_mode="process"}"#;
        assert_eq!(value(&t, &format!("codecarbon_cpu_power{cc}")), 9.0);
        assert_eq!(value(&t, &format!("codecarbon_ram_power{cc}")), 1.0);
        assert!(
            (value(&t, &format!("codecarbon_energy_consumed{cc}")) - 40.0 / 3.6e6).abs() < 1e-15
        );
        assert!((value(&t, &format!("codecarbon_emissions{cc}")) - 0.004e-3).abs() < 1e-15);
        assert_eq!(value(&t, &format!("codecarbon_duration{cc}")), 4.0);
    }

    #[test]
    fn series_exist_before_the_first_sample_and_bad_intensity_is_ignored() {
        let registry = Registry::new();
        let m = EnergyMetrics::register(&registry, "model").expect("register");
        m.set_intensity(GramsPerKwh(f64::NAN));
        assert_eq!(m.intensity(), DEFAULT_INTENSITY);
        let t = text(&registry);
        assert!(
            t.contains(r#"process_energy_joules_total{meter="model",project_name="workloads"} 0"#),
            "{t}"
        );
        assert!(t.contains("# TYPE codecarbon_emissions gauge"), "{t}");
    }

    #[test]
    fn a_meter_reset_never_counts_negative_energy() {
        let later = FamilyEnergy {
            cpu: Joules(1.0),
            gpu: Joules(0.0),
            ram: Joules(0.0),
        };
        let earlier = FamilyEnergy {
            cpu: Joules(5.0),
            gpu: Joules(0.0),
            ram: Joules(0.0),
        };
        assert_eq!(later.since(&earlier).total(), Joules(0.0));
    }

    #[tokio::test]
    async fn sampler_reads_the_meter_every_period() {
        let registry = Registry::new();
        let metrics = EnergyMetrics::register(&registry, "fake").expect("register");
        let meter = FakeMeter::new(Watts(5.0));
        let handle =
            spawn_sampler(metrics, Box::new(meter), Duration::from_millis(20)).expect("start");
        tokio::time::sleep(Duration::from_millis(300)).await;
        handle.stop();
        let t = text(&registry);
        let cc = r#"{project_name="workloads",tracking_mode="process"}"#;
        let elapsed = value(&t, &format!("codecarbon_duration{cc}"));
        let joules = value(
            &t,
            r#"process_energy_joules_total{meter="fake",project_name="workloads"}"#,
        );
        assert!(
            elapsed > 0.1,
            "the sampler read the meter over time: {elapsed} s\n{t}"
        );
        // Counters sum the intervals; the fake meter's total is 5 W × its elapsed time.
        assert!(
            (joules - 5.0 * elapsed).abs() < 1e-6,
            "{joules} J after {elapsed} s at 5 W"
        );
        let watts = value(
            &t,
            r#"process_power_watts{meter="fake",project_name="workloads"}"#,
        );
        assert!((watts - 5.0).abs() < 1e-6, "{watts}");
    }

    #[test]
    fn process_model_meter_opens_on_linux() {
        let mut meter = process_model_meter().expect("model meter in process mode");
        meter.start().expect("start");
        let reading = meter.read().expect("read");
        assert_eq!(reading.source.as_str(), "model");
    }
}
