//! The model meter: CodeCarbon 3.3.2's estimate for machines without energy counters (methodology part A.2, A.3).
//!
//! * CPU, machine mode (CodeCarbon's default): P = TDP × (0.1 + 0.9 × load³), load = the machine's busy fraction
//!   from `/proc/stat` since the previous read.
//! * CPU, process mode: P = TDP × (process CPU seconds ÷ wall seconds ÷ logical CPUs), linear, no floor. Process
//!   CPU time is exact ([`crate::cputime`]), not 10 ms ticks. CodeCarbon also counts the process's children; we
//!   count the process itself (all its threads, including exited ones).
//! * RAM: CodeCarbon v3's DIMM rule on total RAM (machine mode) or on the process's resident set (process mode).
//!   The resident set is re-read at most once every [`RSS_REFRESH`] (CodeCarbon reads it once per measurement):
//!   the DIMM rule is a step function of whole GiB, and re-reading `statm` on every tick of a 10 Hz sampler cost
//!   ≈ 0.015 % of a core on the project's VM (`cargo bench -p harness --bench meter_overhead`).
//!
//! TDP comes from [`super::tdp`]. Energy is power × time, integrated at every [`EnergyMeter::read`] over the time
//! since the previous read: read at ≥ 1 Hz for CodeCarbon parity (it samples every second); one read at the end of
//! a long window applies the cubic curve to the window's average load.

use super::attribution::PowerProfile;
use super::tdp::{CpuInfo, Tdp, TdpOrigin};
use super::{Component, EnergyMeter, MeterError, Reading, Source};
use crate::clock::{self, Clock};
use crate::cputime::{self, MachineCpuTimes, ProcFile, ProcessRef};
use crate::units::{Joules, Seconds, Watts};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod procfs;
use procfs::{kb_field, page_size};

/// CodeCarbon's `RAM_SLOT_POWER_X86`.
pub const DIMM_POWER_X86: Watts = Watts(5.0);
/// CodeCarbon's ARM DIMM power.
pub const DIMM_POWER_ARM: Watts = Watts(1.5);
/// CodeCarbon's `CONSUMPTION_PERCENTAGE_CONSTANT` (constant mode, when CPU load is unknowable).
pub const CONSTANT_MODE_FRACTION: f64 = 0.5;

/// Machine-mode CPU power at `load` (busy fraction 0..=1): TDP × (0.1 + 0.9 × load³).
pub fn machine_power(tdp: Watts, load: f64) -> Watts {
    Watts(tdp.0 * (0.1 + 0.9 * load.powf(3.0)))
}

/// Process-mode CPU power: TDP × ((cpu ÷ wall × 100) ÷ cpu_count) ÷ 100. Zero when no time passed.
pub fn process_power(tdp: Watts, cpu: Seconds, wall: Seconds, cpu_count: u32) -> Watts {
    if wall.0 <= 0.0 || cpu_count == 0 {
        return Watts(0.0);
    }
    Watts(tdp.0 * ((cpu.0 / wall.0 * 100.0) / f64::from(cpu_count)) / 100.0)
}

/// Constant-mode CPU power: TDP × 0.5.
pub fn constant_power(tdp: Watts) -> Watts {
    Watts(tdp.0 * CONSTANT_MODE_FRACTION)
}

/// CodeCarbon v3's DIMM count estimate for `gb` GiB of RAM.
pub fn ram_dimms(gb: f64) -> u32 {
    match gb {
        g if g <= 2.0 => 1,
        g if g <= 16.0 => 2,
        g if g <= 64.0 => 4,
        g if g <= 128.0 => 8,
        g => {
            let size = [128.0, 64.0, 32.0, 16.0, 8.0, 4.0]
                .into_iter()
                .find(|s| *s <= g / 8.0)
                .unwrap_or(4.0);
            ((g / size).ceil() as u32).min(32)
        }
    }
}

/// How long a process's resident-set reading (and the RAM power derived from it) is reused before `statm` is read
/// again. The first read of a window always reads it.
pub const RSS_REFRESH: Seconds = Seconds(1.0);

/// Processor architecture, for the DIMM power.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86,
    Arm,
}

impl Arch {
    /// The architecture this binary runs on.
    pub fn current() -> Self {
        if cfg!(any(target_arch = "aarch64", target_arch = "arm")) {
            Self::Arm
        } else {
            Self::X86
        }
    }
}

/// CodeCarbon v3's RAM power for `gb` GiB: full power for DIMMs 1–4, ×0.9 for 5–8, ×0.8 for 9–16, ×0.7 above;
/// at least two DIMMs' worth.
pub fn ram_power(gb: f64, arch: Arch) -> Watts {
    let slot = match arch {
        Arch::X86 => DIMM_POWER_X86.0,
        Arch::Arm => DIMM_POWER_ARM.0,
    };
    let n = f64::from(ram_dimms(gb));
    let p = if n <= 4.0 {
        n * slot
    } else if n <= 8.0 {
        4.0 * slot + (n - 4.0) * slot * 0.9
    } else if n <= 16.0 {
        4.0 * slot + 4.0 * slot * 0.9 + (n - 8.0) * slot * 0.8
    } else {
        4.0 * slot + 4.0 * slot * 0.9 + 8.0 * slot * 0.8 + (n - 16.0) * slot * 0.7
    };
    Watts(p.max(2.0 * slot))
}

/// Whose power the model estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingMode {
    /// The whole machine (load curve, total RAM).
    Machine,
    /// One process (its CPU share, its resident memory).
    Process(ProcessRef),
}

impl TrackingMode {
    /// CodeCarbon's `tracking_mode` value: `machine` or `process`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Machine => "machine",
            Self::Process(_) => "process",
        }
    }
}

/// Model meter settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    /// Where `stat`, `cpuinfo` and `meminfo` are read (default `/proc`).
    pub proc_root: PathBuf,
    pub mode: TrackingMode,
    /// Per-socket TDP to use instead of the table (`--tdp`).
    pub tdp: Option<Watts>,
    /// RAM power to use instead of the DIMM rule.
    pub ram_power: Option<Watts>,
    /// Estimate CPU power (off when RAPL measures the CPU).
    pub cpu: bool,
    /// Estimate RAM power (off when RAPL measures DRAM).
    pub ram: bool,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            proc_root: PathBuf::from(cputime::DEFAULT_PROC_ROOT),
            mode: TrackingMode::Machine,
            tdp: None,
            ram_power: None,
            cpu: true,
            ram: true,
        }
    }
}

#[derive(Debug, Clone)]
struct Window {
    start: Seconds,
    last: Seconds,
    machine: MachineCpuTimes,
    process_cpu: Seconds,
    cpu: Joules,
    ram: Joules,
    last_cpu_power: Watts,
}

/// CodeCarbon-compatible estimating meter.
#[derive(Debug)]
pub struct ModelMeter {
    config: ModelConfig,
    cpu: CpuInfo,
    tdp: Tdp,
    ram_total_gb: f64,
    clock: Arc<dyn Clock>,
    window: Option<Window>,
    /// `<proc_root>/stat` and the tracked process's `statm`, kept open: a sampler reads them every tick.
    stat: ProcFile,
    statm: Option<ProcFile>,
    /// The reading's note, formatted once (a sampler reads 10 times a second).
    note: String,
    /// Process mode: the RAM power from the last `statm` read and when it was read (see [`RSS_REFRESH`]).
    rss_power: Option<(Seconds, Watts)>,
}

impl ModelMeter {
    /// Detects the CPU and RAM under `config.proc_root`. Never unavailable: an undetected CPU gets 85 W.
    pub fn open(config: ModelConfig) -> Result<Self, MeterError> {
        Self::open_with_clock(config, clock::monotonic())
    }

    pub fn open_with_clock(config: ModelConfig, clock: Arc<dyn Clock>) -> Result<Self, MeterError> {
        let cpu = CpuInfo::detect(&config.proc_root);
        let mut tdp = Tdp::resolve(&cpu);
        if let Some(w) = config.tdp {
            tdp.per_socket = w;
            tdp.origin = TdpOrigin::Override;
        }
        let ram_total_gb = mem_total_bytes(&config.proc_root)? as f64 / 1024f64.powi(3);
        let note = format!("model estimate ({} mode, {tdp})", config.mode.as_str());
        Ok(Self {
            note,
            cpu,
            tdp,
            ram_total_gb,
            stat: ProcFile::new(config.proc_root.join("stat")),
            statm: match config.mode {
                TrackingMode::Process(p) => Some(ProcFile::new(statm_path(&config.proc_root, p))),
                TrackingMode::Machine => None,
            },
            config,
            clock,
            window: None,
            rss_power: None,
        })
    }

    pub fn tdp(&self) -> &Tdp {
        &self.tdp
    }

    pub fn cpu_info(&self) -> &CpuInfo {
        &self.cpu
    }

    pub fn mode(&self) -> TrackingMode {
        self.config.mode
    }

    /// Total RAM in GiB, as CodeCarbon's `ram_total_size`.
    pub fn ram_total_gb(&self) -> f64 {
        self.ram_total_gb
    }

    /// The RAM power the model applies now.
    pub fn ram_power_now(&self) -> Result<Watts, MeterError> {
        if let Some(w) = self.config.ram_power {
            return Ok(w);
        }
        let gb = match self.config.mode {
            TrackingMode::Machine => self.ram_total_gb,
            TrackingMode::Process(p) => {
                rss_bytes(&mut ProcFile::new(statm_path(&self.config.proc_root, p)))? as f64
                    / 1024f64.powi(3)
            }
        };
        Ok(ram_power(gb, Arch::current()))
    }

    /// [`ModelMeter::ram_power_now`] through the kept-open `statm` file (the sampler's path), reusing a reading
    /// younger than [`RSS_REFRESH`] at `now`.
    fn ram_power_sampled(&mut self, now: Seconds) -> Result<Watts, MeterError> {
        if self.config.ram_power.is_none()
            && let Some(statm) = self.statm.as_mut()
        {
            if let Some((at, w)) = self.rss_power
                && now - at < RSS_REFRESH
            {
                return Ok(w);
            }
            let w = ram_power(rss_bytes(statm)? as f64 / 1024f64.powi(3), Arch::current());
            self.rss_power = Some((now, w));
            return Ok(w);
        }
        self.ram_power_now()
    }

    /// One line for `harness meters`.
    pub fn describe(&self) -> String {
        let ram = self
            .ram_power_now()
            .map(|w| format!("{} W", w.0))
            .unwrap_or_else(|e| e.to_string());
        format!(
            "estimate, not a measurement: {}; {} mode; RAM {ram} for {:.1} GiB (CodeCarbon v3 DIMM rule)",
            self.tdp,
            self.config.mode.as_str(),
            self.ram_total_gb
        )
    }

    /// Integrates power from the previous read (or the start) to now.
    fn advance(&mut self) -> Result<(), MeterError> {
        if self.window.is_none() {
            return Err(MeterError::NotStarted(Source::Model));
        }
        let (machine, process_cpu) = self.cpu_times()?;
        let now = self.clock.now();
        let ram_w = if self.config.ram {
            self.ram_power_sampled(now)?
        } else {
            Watts(0.0)
        };
        let max = self.tdp.max_power();
        let threads = self.cpu.threads;
        let mode = self.config.mode;
        let w = self
            .window
            .as_mut()
            .ok_or(MeterError::NotStarted(Source::Model))?;
        let dt = now - w.last;
        if dt.0 > 0.0 {
            let cpu_w = match mode {
                TrackingMode::Machine => machine_power(max, machine.load_since(&w.machine)),
                TrackingMode::Process(_) => {
                    process_power(max, process_cpu - w.process_cpu, dt, threads)
                }
            };
            w.cpu += cpu_w.over(dt);
            w.ram += ram_w.over(dt);
            w.last_cpu_power = cpu_w;
            w.last = now;
            w.machine = machine;
            w.process_cpu = process_cpu;
        }
        Ok(())
    }

    fn cpu_times(&mut self) -> Result<(MachineCpuTimes, Seconds), MeterError> {
        let machine = match self.config.mode {
            TrackingMode::Machine => {
                cputime::machine_cpu_times_from(&mut self.stat).map_err(|err| MeterError::Io {
                    meter: Source::Model,
                    path: self.stat.path().to_path_buf(),
                    err,
                })?
            }
            TrackingMode::Process(_) => MachineCpuTimes::default(),
        };
        let process = match self.config.mode {
            TrackingMode::Process(p) => p.cpu_time().map_err(|e| MeterError::Device {
                meter: Source::Model,
                message: format!("cannot read the CPU time of {p:?} (has it exited?): {e}"),
            })?,
            TrackingMode::Machine => Seconds(0.0),
        };
        Ok((machine, process))
    }
}

impl EnergyMeter for ModelMeter {
    fn source(&self) -> Source {
        Source::Model
    }

    fn components(&self) -> Vec<Component> {
        let mut c = Vec::new();
        if self.config.cpu {
            c.push(Component::CpuModel);
        }
        if self.config.ram {
            c.push(Component::RamModel);
        }
        c
    }

    fn start(&mut self) -> Result<(), MeterError> {
        let (machine, process_cpu) = self.cpu_times()?;
        let now = self.clock.now();
        self.rss_power = None;
        self.window = Some(Window {
            start: now,
            last: now,
            machine,
            process_cpu,
            cpu: Joules(0.0),
            ram: Joules(0.0),
            last_cpu_power: Watts(0.0),
        });
        Ok(())
    }

    fn sample(&mut self) -> Result<(), MeterError> {
        self.advance()
    }

    /// CPU: static 10 % of TDP (the curve's floor), and the curve's chord from idle to full load, 0.9 × TDP per
    /// machine, as the load-driven cost of one busy CPU-second (0.9 × TDP ÷ logical CPUs: CodeCarbon's process-mode
    /// slope). RAM: the DIMM power, all static (the model's RAM power does not depend on load).
    fn power_profile(&self) -> BTreeMap<Component, PowerProfile> {
        let max = self.tdp.max_power();
        let mut out = BTreeMap::new();
        if self.config.cpu {
            let threads = f64::from(self.cpu.threads.max(1));
            out.insert(
                Component::CpuModel,
                PowerProfile {
                    static_power: Watts(max.0 * 0.1),
                    dynamic_j_per_cpu_s: Some(Joules(max.0 * 0.9 / threads)),
                },
            );
        }
        if self.config.ram
            && let Ok(ram) = self.ram_power_now()
        {
            out.insert(
                Component::RamModel,
                PowerProfile {
                    static_power: ram,
                    dynamic_j_per_cpu_s: Some(Joules(0.0)),
                },
            );
        }
        out
    }

    fn read(&mut self) -> Result<Reading, MeterError> {
        self.advance()?;
        let w = self
            .window
            .as_ref()
            .ok_or(MeterError::NotStarted(Source::Model))?;
        let mut energy = BTreeMap::new();
        if self.config.cpu {
            energy.insert(Component::CpuModel, w.cpu);
        }
        if self.config.ram {
            energy.insert(Component::RamModel, w.ram);
        }
        Ok(Reading {
            source: Source::Model,
            duration: w.last - w.start,
            energy,
            resolution: None,
            notes: vec![self.note.clone()],
        })
    }
}

/// Total RAM in GiB from `<proc_root>/meminfo` (CodeCarbon's `ram_total_size`).
pub fn mem_total_gb(proc_root: &Path) -> Result<f64, MeterError> {
    Ok(mem_total_bytes(proc_root)? as f64 / 1024f64.powi(3))
}

fn mem_total_bytes(proc_root: &Path) -> Result<u64, MeterError> {
    let path = proc_root.join("meminfo");
    let text = fs::read_to_string(&path).map_err(|err| MeterError::Io {
        meter: Source::Model,
        path: path.clone(),
        err,
    })?;
    kb_field(&text, "MemTotal:")
        .map(|kb| kb * 1024)
        .ok_or(MeterError::Parse {
            meter: Source::Model,
            path,
            content: "no `MemTotal:` line".into(),
        })
}

fn statm_path(proc_root: &Path, p: ProcessRef) -> PathBuf {
    let dir = match p {
        // The children are short-lived: the model's RAM share follows this process, which spawns them.
        ProcessRef::Current | ProcessRef::Children => "self".to_string(),
        ProcessRef::Pid(pid) => pid.to_string(),
    };
    proc_root.join(dir).join("statm")
}

/// The process's resident set from `statm` (second field, in pages): the same number as `status`'s `VmRSS` (both
/// are the kernel's file + anonymous + shared-memory resident pages), at a fraction of the cost — `status` formats
/// some 50 lines, which at 10 Hz was a third of the sampler's reads (`benches/meter_overhead.rs` in harness).
fn rss_bytes(statm: &mut ProcFile) -> Result<u64, MeterError> {
    let path = statm.path().to_path_buf();
    let text = statm.read().map_err(|err| MeterError::Io {
        meter: Source::Model,
        path: path.clone(),
        err,
    })?;
    let pages = text
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse::<u64>().ok());
    pages
        .map(|p| p * page_size())
        .ok_or_else(|| MeterError::Parse {
            meter: Source::Model,
            path,
            content: format!(
                "expected `size resident shared text lib data dt` pages, got {text:?}"
            ),
        })
}

#[cfg(test)]
mod tests;
