//! `harness::criterion::Energy`: a criterion [`Measurement`] in joules, so `cargo bench` reports energy per
//! iteration next to time.
//!
//! Source, best first: RAPL (machine energy from the package counters, noisy on a busy machine but measured), else
//! the CodeCarbon process-mode model: this process's exact CPU time × TDP ÷ logical CPUs (deterministic, an
//! estimate). The source is printed once on stderr and available as [`Energy::source`]; criterion itself still
//! labels its output `time:` (a criterion limitation), the unit is J.

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};
use energy::cputime;
use energy::meter::model::{ModelConfig, ModelMeter};
use energy::meter::rapl::{RaplConfig, RaplMeter};
use energy::meter::{EnergyMeter, Source};
use std::sync::Mutex;

/// Where the joules come from.
#[derive(Debug)]
enum Backend {
    Rapl(Mutex<RaplMeter>),
    /// Joules per CPU-second of this process.
    ProcessModel(f64),
}

/// Energy per iteration, in joules.
#[derive(Debug)]
pub struct Energy {
    backend: Backend,
}

impl Energy {
    /// The best source on this machine: RAPL, else the process-mode model.
    pub fn best() -> anyhow::Result<Self> {
        if let Ok(mut m) = RaplMeter::open(&RaplConfig {
            include_dram: false,
            ..RaplConfig::default()
        }) && m.start().is_ok()
        {
            eprintln!("harness::criterion::Energy: RAPL ({})", m.describe());
            return Ok(Self {
                backend: Backend::Rapl(Mutex::new(m)),
            });
        }
        Self::model()
    }

    /// The CodeCarbon process-mode model only: CPU time × TDP ÷ logical CPUs.
    pub fn model() -> anyhow::Result<Self> {
        let m = ModelMeter::open(ModelConfig {
            ram: false,
            ..ModelConfig::default()
        })?;
        let per_cpu_second = m.tdp().max_power().0 / f64::from(m.cpu_info().threads.max(1));
        eprintln!(
            "harness::criterion::Energy: model estimate, {per_cpu_second} J per CPU-second ({})",
            m.tdp()
        );
        Ok(Self {
            backend: Backend::ProcessModel(per_cpu_second),
        })
    }

    /// `rapl` or `model`.
    pub fn source(&self) -> Source {
        match self.backend {
            Backend::Rapl(_) => Source::Rapl,
            Backend::ProcessModel(_) => Source::Model,
        }
    }

    /// Joules since an arbitrary origin; never decreases.
    fn now(&self) -> f64 {
        match &self.backend {
            Backend::Rapl(m) => {
                let mut m = m.lock().unwrap_or_else(|p| p.into_inner());
                m.read().map(|r| r.total().0).unwrap_or(f64::NAN)
            }
            Backend::ProcessModel(w) => cputime::process_cpu_time()
                .map(|s| s.0 * w)
                .unwrap_or(f64::NAN),
        }
    }
}

impl Measurement for Energy {
    type Intermediate = f64;
    type Value = f64;

    fn start(&self) -> f64 {
        self.now()
    }

    fn end(&self, start: f64) -> f64 {
        (self.now() - start).max(0.0)
    }

    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }

    fn zero(&self) -> f64 {
        0.0
    }

    fn to_f64(&self, value: &f64) -> f64 {
        *value
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &JoulesFormatter
    }
}

/// Scales joules to J, mJ, µJ or nJ.
#[derive(Debug)]
pub struct JoulesFormatter;

fn scale(typical: f64) -> (f64, &'static str) {
    match typical.abs() {
        t if t >= 1.0 => (1.0, "J"),
        t if t >= 1e-3 => (1e3, "mJ"),
        t if t >= 1e-6 => (1e6, "µJ"),
        _ => (1e9, "nJ"),
    }
}

impl ValueFormatter for JoulesFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (f, unit) = scale(typical);
        values.iter_mut().for_each(|v| *v *= f);
        unit
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (n, unit) = match throughput {
            Throughput::Elements(n) => (*n as f64, "elem/J"),
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => (*n as f64, "B/J"),
            Throughput::Bits(n) => (*n as f64, "bit/J"),
            _ => (1.0, "per J"),
        };
        values
            .iter_mut()
            .for_each(|v| *v = if *v > 0.0 { n / *v } else { 0.0 });
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "J"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatter_scales_to_readable_units() {
        let mut v = [0.0025, 0.003];
        assert_eq!(JoulesFormatter.scale_values(0.0025, &mut v), "mJ");
        assert!((v[0] - 2.5).abs() < 1e-12);
        let mut v = [2e-7];
        assert_eq!(JoulesFormatter.scale_values(2e-7, &mut v), "nJ");
        let mut t = [0.5];
        assert_eq!(
            JoulesFormatter.scale_throughputs(0.5, &Throughput::Elements(10), &mut t),
            "elem/J"
        );
        assert_eq!(t[0], 20.0);
    }

    #[test]
    fn model_energy_grows_with_cpu_work() {
        let e = Energy::model().expect("model meter");
        assert_eq!(e.source(), Source::Model);
        let s = e.start();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(13).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(e.end(s) > 0.0);
    }
}
