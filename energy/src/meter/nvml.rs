//! NVIDIA GPUs through NVML, behind our own [`GpuBackend`] trait so tests run without a GPU.
//!
//! Per GPU: the total-energy counter (`nvmlDeviceGetTotalEnergyConsumption`, mJ since driver load) is the primary
//! source; when a GPU lacks it, its power (`nvmlDeviceGetPowerUsage`, mW) is sampled at every read and integrated
//! (trapezoid). A counter decrease is a driver reset: that step is discarded and noted, never "corrected"
//! ([`ResettingCounter`]). The driver library (`libnvidia-ml.so.1`) is loaded at run time by nvml-wrapper: no driver
//! or no GPU gives [`MeterError::Unavailable`] and the run goes on with the other meters.

use super::counter::{ResettingCounter, Step};
use super::{Component, EnergyMeter, MeterError, Reading, Source};
use crate::clock::{self, Clock};
use crate::units::{Joules, Seconds, Watts};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// What the meter needs from a GPU driver. `index` runs over `0..device_count()`.
pub trait GpuBackend: Send + fmt::Debug {
    /// Number of GPUs.
    fn device_count(&self) -> Result<u32, String>;
    /// Marketing name of a GPU (`NVIDIA H200`).
    fn name(&self, index: u32) -> Result<String, String>;
    /// Total energy since driver load in mJ; `Ok(None)` when this GPU does not support the counter.
    fn total_energy_mj(&self, index: u32) -> Result<Option<u64>, String>;
    /// Current board power.
    fn power(&self, index: u32) -> Result<Watts, String>;
}

/// The real driver, loaded at run time.
#[derive(Debug)]
pub struct NvmlBackend {
    nvml: nvml_wrapper::Nvml,
}

impl NvmlBackend {
    /// Loads `libnvidia-ml.so.1` (or `library` when given) and initialises NVML.
    pub fn load(library: Option<&Path>) -> Result<Self, MeterError> {
        let mut builder = nvml_wrapper::Nvml::builder();
        if let Some(lib) = library {
            builder.lib_path(OsStr::new(lib.as_os_str()));
        }
        let nvml = builder.init().map_err(|e| MeterError::Unavailable {
            meter: Source::Nvml,
            reason: format!(
                "NVIDIA driver library not loaded ({e}); no NVIDIA GPU or driver on this machine"
            ),
        })?;
        Ok(Self { nvml })
    }
}

impl GpuBackend for NvmlBackend {
    fn device_count(&self) -> Result<u32, String> {
        self.nvml.device_count().map_err(|e| e.to_string())
    }

    fn name(&self, index: u32) -> Result<String, String> {
        self.nvml
            .device_by_index(index)
            .and_then(|d| d.name())
            .map_err(|e| e.to_string())
    }

    fn total_energy_mj(&self, index: u32) -> Result<Option<u64>, String> {
        let device = self
            .nvml
            .device_by_index(index)
            .map_err(|e| e.to_string())?;
        match device.total_energy_consumption() {
            Ok(mj) => Ok(Some(mj)),
            Err(nvml_wrapper::error::NvmlError::NotSupported) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn power(&self, index: u32) -> Result<Watts, String> {
        let device = self
            .nvml
            .device_by_index(index)
            .map_err(|e| e.to_string())?;
        device
            .power_usage()
            .map(|mw| Watts(f64::from(mw) / 1000.0))
            .map_err(|e| e.to_string())
    }
}

/// How one GPU is metered.
#[derive(Debug, Clone)]
enum GpuState {
    Counter(ResettingCounter),
    Sampling {
        last_power: Watts,
        last_at: Seconds,
        energy: Joules,
    },
}

/// GPU energy meter over every GPU the backend reports.
#[derive(Debug)]
pub struct NvmlMeter {
    backend: Box<dyn GpuBackend>,
    names: Vec<String>,
    clock: Arc<dyn Clock>,
    window: Option<(Seconds, Vec<GpuState>)>,
}

impl NvmlMeter {
    /// Loads the driver and lists the GPUs; zero GPUs is `Unavailable`.
    pub fn open(library: Option<&Path>) -> Result<Self, MeterError> {
        Self::with_backend(Box::new(NvmlBackend::load(library)?), clock::monotonic())
    }

    /// A meter over any backend (tests pass a fake GPU).
    pub fn with_backend(
        backend: Box<dyn GpuBackend>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, MeterError> {
        let device = |message: String| MeterError::Device {
            meter: Source::Nvml,
            message,
        };
        let count = backend.device_count().map_err(device)?;
        if count == 0 {
            return Err(MeterError::Unavailable {
                meter: Source::Nvml,
                reason: "driver loaded but no GPU found".into(),
            });
        }
        let names = (0..count)
            .map(|i| backend.name(i).map_err(device))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            backend,
            names,
            clock,
            window: None,
        })
    }

    /// GPU names, by index.
    pub fn gpu_names(&self) -> &[String] {
        &self.names
    }

    /// One line for `harness meters`.
    pub fn describe(&self) -> String {
        let modes: Vec<String> = (0..self.names.len())
            .map(|i| {
                let how = match self.backend.total_energy_mj(i as u32) {
                    Ok(Some(_)) => "energy counter",
                    Ok(None) => "power sampling (no energy counter)",
                    Err(_) => "unreadable",
                };
                format!("GPU {i} {} ({how})", self.names[i])
            })
            .collect();
        modes.join(", ")
    }

    fn device_err(&self, message: String) -> MeterError {
        MeterError::Device {
            meter: Source::Nvml,
            message,
        }
    }
}

impl EnergyMeter for NvmlMeter {
    fn source(&self) -> Source {
        Source::Nvml
    }

    fn components(&self) -> Vec<Component> {
        vec![Component::Gpu]
    }

    fn start(&mut self) -> Result<(), MeterError> {
        let now = self.clock.now();
        let mut states = Vec::with_capacity(self.names.len());
        for i in 0..self.names.len() as u32 {
            let state = match self
                .backend
                .total_energy_mj(i)
                .map_err(|e| self.device_err(e))?
            {
                Some(mj) => GpuState::Counter(ResettingCounter::new(mj)),
                None => GpuState::Sampling {
                    last_power: self.backend.power(i).map_err(|e| self.device_err(e))?,
                    last_at: now,
                    energy: Joules(0.0),
                },
            };
            states.push(state);
        }
        self.window = Some((now, states));
        Ok(())
    }

    fn read(&mut self) -> Result<Reading, MeterError> {
        let now = self.clock.now();
        let (started, states) = self
            .window
            .as_mut()
            .ok_or(MeterError::NotStarted(Source::Nvml))?;
        let mut total = Joules(0.0);
        let mut notes = Vec::new();
        let mut sampled = false;
        for (i, state) in states.iter_mut().enumerate() {
            let index = i as u32;
            match state {
                GpuState::Counter(c) => {
                    let mj = self.backend.total_energy_mj(index).map_err(|message| {
                        MeterError::Device {
                            meter: Source::Nvml,
                            message,
                        }
                    })?;
                    match mj {
                        Some(v) if c.update(v) == Step::Discarded => notes.push(format!(
                            "GPU {i}: energy counter went backwards (driver reset); step discarded"
                        )),
                        Some(_) => {}
                        None => notes.push(format!(
                            "GPU {i}: energy counter stopped answering; last value kept"
                        )),
                    }
                    total += Joules(c.total() as f64 / 1000.0);
                }
                GpuState::Sampling {
                    last_power,
                    last_at,
                    energy,
                } => {
                    let p = self
                        .backend
                        .power(index)
                        .map_err(|message| MeterError::Device {
                            meter: Source::Nvml,
                            message,
                        })?;
                    *energy += Watts((last_power.0 + p.0) / 2.0).over(now - *last_at);
                    *last_power = p;
                    *last_at = now;
                    total += *energy;
                    sampled = true;
                }
            }
        }
        if sampled {
            notes.push(
                "some GPUs have no energy counter: their energy is integrated from power samples"
                    .into(),
            );
        }
        Ok(Reading {
            source: Source::Nvml,
            duration: now - *started,
            energy: BTreeMap::from([(Component::Gpu, total)]),
            resolution: Some(Joules(1e-3)),
            notes,
        })
    }
}

/// A scripted GPU for tests: a queue of counter values (or none) and a constant power.
#[derive(Debug, Clone)]
pub struct FakeGpu {
    pub name: String,
    /// Counter values returned in turn (the last one repeats); `None` = no counter support.
    pub energy_mj: Option<Arc<std::sync::Mutex<std::collections::VecDeque<u64>>>>,
    pub power: Watts,
}

impl FakeGpu {
    /// A GPU whose counter returns `values` in turn.
    pub fn with_counter(name: &str, values: &[u64]) -> Self {
        Self {
            name: name.into(),
            energy_mj: Some(Arc::new(std::sync::Mutex::new(
                values.iter().copied().collect(),
            ))),
            power: Watts(0.0),
        }
    }

    /// A GPU without an energy counter drawing a constant `power`.
    pub fn without_counter(name: &str, power: Watts) -> Self {
        Self {
            name: name.into(),
            energy_mj: None,
            power,
        }
    }
}

/// A [`GpuBackend`] over [`FakeGpu`]s.
#[derive(Debug, Clone, Default)]
pub struct FakeGpuBackend {
    pub gpus: Vec<FakeGpu>,
}

impl GpuBackend for FakeGpuBackend {
    fn device_count(&self) -> Result<u32, String> {
        Ok(self.gpus.len() as u32)
    }

    fn name(&self, index: u32) -> Result<String, String> {
        self.gpus
            .get(index as usize)
            .map(|g| g.name.clone())
            .ok_or_else(|| format!("no GPU {index}"))
    }

    fn total_energy_mj(&self, index: u32) -> Result<Option<u64>, String> {
        let gpu = self
            .gpus
            .get(index as usize)
            .ok_or_else(|| format!("no GPU {index}"))?;
        let Some(queue) = &gpu.energy_mj else {
            return Ok(None);
        };
        let mut q = queue.lock().map_err(|_| "fake GPU poisoned".to_string())?;
        let v = if q.len() > 1 {
            q.pop_front()
        } else {
            q.front().copied()
        };
        v.map(Some)
            .ok_or_else(|| "fake GPU has no counter values".into())
    }

    fn power(&self, index: u32) -> Result<Watts, String> {
        self.gpus
            .get(index as usize)
            .map(|g| g.power)
            .ok_or_else(|| format!("no GPU {index}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn meter(gpus: Vec<FakeGpu>, clock: &ManualClock) -> NvmlMeter {
        NvmlMeter::with_backend(Box::new(FakeGpuBackend { gpus }), Arc::new(clock.clone()))
            .expect("fake GPUs")
    }

    #[test]
    fn counter_delta_in_joules_and_reset_discarded() {
        let clock = ManualClock::new();
        // start 1000 mJ; +5000; reset to 200 (discarded); +800.
        let mut m = meter(
            vec![FakeGpu::with_counter(
                "Fake H200",
                &[1_000, 6_000, 200, 1_000],
            )],
            &clock,
        );
        m.start().expect("start");
        clock.advance(Seconds(1.0));
        assert_eq!(m.read().expect("read").get(Component::Gpu), Joules(5.0));
        let r = m.read().expect("read");
        assert_eq!(r.get(Component::Gpu), Joules(5.0));
        assert!(
            r.notes.iter().any(|n| n.contains("discarded")),
            "{:?}",
            r.notes
        );
        assert_eq!(m.read().expect("read").get(Component::Gpu), Joules(5.8));
    }

    #[test]
    fn power_sampling_fallback_integrates() {
        let clock = ManualClock::new();
        let mut m = meter(
            vec![
                FakeGpu::without_counter("old", Watts(50.0)),
                FakeGpu::with_counter("new", &[0, 2_000]),
            ],
            &clock,
        );
        m.start().expect("start");
        clock.advance(Seconds(2.0));
        let r = m.read().expect("read");
        assert_eq!(r.get(Component::Gpu), Joules(102.0));
        assert!(r.notes.iter().any(|n| n.contains("power samples")));
        assert_eq!(
            m.describe(),
            "GPU 0 old (power sampling (no energy counter)), GPU 1 new (energy counter)"
        );
    }

    #[test]
    fn no_gpu_is_unavailable_and_missing_driver_too() {
        let none = NvmlMeter::with_backend(Box::new(FakeGpuBackend::default()), clock::monotonic());
        assert!(matches!(none, Err(MeterError::Unavailable { .. })));
        let missing = NvmlMeter::open(Some(Path::new("/nonexistent/libnvidia-ml.so.1")));
        match missing {
            Err(MeterError::Unavailable { reason, .. }) => {
                assert!(reason.contains("driver"), "{reason}")
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
}
