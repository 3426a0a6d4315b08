//! `fake` meter for tests and offline runs: a deterministic synthetic power of [`FakeMeter::BASE_W`] plus
//! [`FakeMeter::J_PER_CPU_S`] per CPU-second of this process. Always labelled `fake` in results and warnings.

use super::cpu::process_cpu_time;
use super::meter::WindowMeter;
use crate::record::schema::MeterInfo;
use energy::units::Joules;
use std::collections::BTreeMap;
use std::time::Instant;

/// Synthetic meter: energy = base power × wall + a fixed cost per process CPU-second.
#[derive(Debug, Default)]
pub struct FakeMeter {
    started: Option<(Instant, f64)>,
}

impl FakeMeter {
    pub const BASE_W: f64 = 10.0;
    pub const J_PER_CPU_S: f64 = 15.0;
}

impl WindowMeter for FakeMeter {
    fn source(&self) -> &str {
        "fake"
    }

    fn begin(&mut self) -> anyhow::Result<()> {
        self.started = Some((Instant::now(), process_cpu_time().map_or(0.0, |s| s.0)));
        Ok(())
    }

    fn end(&mut self) -> anyhow::Result<BTreeMap<String, Joules>> {
        let (t0, cpu0) = self
            .started
            .take()
            .ok_or_else(|| anyhow::anyhow!("fake meter: end() without begin()"))?;
        let cpu = process_cpu_time().map_or(0.0, |s| s.0) - cpu0;
        let joules = Self::BASE_W * t0.elapsed().as_secs_f64() + Self::J_PER_CPU_S * cpu.max(0.0);
        Ok(BTreeMap::from([("fake".to_string(), Joules(joules))]))
    }

    fn info(&self) -> MeterInfo {
        MeterInfo {
            source: "fake".to_string(),
            available: true,
            used: true,
            components: vec!["fake".to_string()],
            detail: format!(
                "synthetic: {} W + {} J per process CPU-second; not a measurement",
                Self::BASE_W,
                Self::J_PER_CPU_S
            ),
            resolution_j: None,
        }
    }
}
