//! Attributing machine energy to one process, gross and net of idle.
//!
//! A meter reports machine energy (RAPL, NVML, the model in machine mode). A process's share is its CPU time over
//! the machine's busy CPU time in the same window (`process-cpu-share`): exact process CPU time from
//! [`crate::cputime`], machine busy time from `/proc/stat`. Net energy subtracts idle power × duration (measured
//! before the run) from the machine energy first, never going below zero. Both are kept: they are what CodeCarbon-style
//! totals are built from.
//!
//! ## Attributable energy: what a neighbour cannot move ([`attributable`])
//! The gross share above charges the process part of the *static* power too (idle CPU power, RAM's constant power),
//! and does so in proportion to wall time: when a neighbour slows the workload down, every op takes longer and its
//! share of the static power grows. On a machine without counters most of the per-op energy is that static part (the
//! model's RAM estimate is constant power), so a neighbour's compile job became a "regression". [`attributable`]
//! splits each window's energy in two and attributes each part by the process's own CPU time only:
//!
//! | part | machine energy of the window | charged to the process |
//! |---|---|---|
//! | static | `S × T`: `S` from the meter's [`PowerProfile`] (model: 10 % of TDP + the RAM power) plus, for measured components, the idle baseline's power not already covered | `S × u ÷ N`: the process's share of the machine's capacity (`u` process CPU seconds out of `N × T` available) |
//! | dynamic, modelled (model CPU) | `0.9 × TDP × load³ × T` | `r × u`, `r` = the profile's cost of a busy CPU-second (0.9 × TDP ÷ `N`, CodeCarbon's process-mode slope) |
//! | dynamic, measured (RAPL, NVML, fake) | `max(E − S × T, 0)` | times `u ÷ B` (share of the machine's busy CPU time, as Kepler and Scaphandre attribute) |
//!
//! With `u` the process CPU time, `B` the machine's busy CPU time, `N` logical CPUs and `T` the window. Nothing on the
//! right depends on `T` or on other processes' CPU time except the measured dynamic part, whose per-CPU-second cost a
//! neighbour can only change physically (frequency, shared caches). Static power by CPU time is how Scaphandre and
//! Kepler share power between processes (both attribute by the process's CPU-time ratio); dividing by capacity
//! (`N × T`) rather than by busy time is what keeps a neighbour's load out of it (the "allocation by vCPU-hour" of cloud
//! carbon tools such as Cloud Carbon Footprint). The sum over processes of the static part is `S × T × B ÷ (N × T)`: the
//! static power of the idle capacity is charged to nobody, which is the point (it is not caused by the workload).

use super::Component;
use crate::cputime::{self, MachineCpuTimes, ProcessRef};
use crate::units::{Joules, Seconds, Watts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// How the process's energy was derived, recorded in results (`process-cpu-share`, `whole-machine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttributionMethod {
    /// machine energy × process CPU time ÷ machine busy CPU time.
    ProcessCpuShare,
    /// The process is charged the whole machine's energy (no share known).
    WholeMachine,
}

impl AttributionMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProcessCpuShare => "process-cpu-share",
            Self::WholeMachine => "whole-machine",
        }
    }
}

/// Machine and process energy over one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Attribution {
    pub method: AttributionMethod,
    /// Machine energy, idle included.
    pub machine: Joules,
    /// Idle power × duration (zero when no idle baseline).
    pub idle: Joules,
    /// Fraction of the machine charged to the process (0..=1).
    pub share: f64,
    /// machine × share.
    pub process_gross: Joules,
    /// max(machine − idle, 0) × share.
    pub process_net: Joules,
}

/// Splits `machine` energy over `duration` by CPU share. `machine_busy` of zero means no share is known and the
/// whole machine is charged.
pub fn attribute(
    machine: Joules,
    duration: Seconds,
    process_cpu: Seconds,
    machine_busy: Seconds,
    idle_power: Option<Watts>,
) -> Attribution {
    let (method, share) = if machine_busy.0 > 0.0 {
        (
            AttributionMethod::ProcessCpuShare,
            (process_cpu.0 / machine_busy.0).clamp(0.0, 1.0),
        )
    } else {
        (AttributionMethod::WholeMachine, 1.0)
    };
    let idle = idle_power.map_or(Joules(0.0), |p| p.over(duration));
    let net = Joules((machine.0 - idle.0).max(0.0));
    Attribution {
        method,
        machine,
        idle,
        share,
        process_gross: Joules(machine.0 * share),
        process_net: Joules(net.0 * share),
    }
}

/// How one component's energy splits into a static part and a load-driven part (from the meter that models it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PowerProfile {
    /// Power drawn whatever runs (model CPU: 10 % of TDP; model RAM: the DIMM power).
    pub static_power: Watts,
    /// Load-driven energy of one busy CPU-second, when the component is a model of CPU time; `None` for a measured
    /// component (its dynamic part is measured and shared by busy CPU time).
    pub dynamic_j_per_cpu_s: Option<Joules>,
}

/// What [`attributable`] needs to know about one window.
#[derive(Debug, Clone, Copy)]
pub struct WindowUse<'a> {
    /// Machine energy of the window by component (gross).
    pub energy: &'a BTreeMap<Component, Joules>,
    /// The meters' profiles, for the components that have one.
    pub profiles: &'a BTreeMap<Component, PowerProfile>,
    pub duration: Seconds,
    /// CPU time of the charged process(es).
    pub process_cpu: Seconds,
    /// Busy CPU time of the whole machine.
    pub machine_busy: Seconds,
    /// Logical CPUs of the machine (the capacity is `logical_cpus × duration` CPU-seconds).
    pub logical_cpus: u32,
    /// Idle machine power measured before the run, if any.
    pub idle_power: Option<Watts>,
}

/// The process's attributable energy over one window (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Attributable {
    /// Load-driven part charged to the process.
    pub dynamic: Joules,
    /// Static part charged to the process (static power × process CPU time ÷ logical CPUs).
    pub static_part: Joules,
    /// The machine's static power used (profiled components plus the idle baseline's rest for measured ones).
    pub static_power: Watts,
}

impl Attributable {
    pub fn total(&self) -> Joules {
        self.dynamic + self.static_part
    }
}

/// Split one window's energy into the part the process causes and its share of the static power, each attributed by
/// the process's own CPU time (module doc).
pub fn attributable(w: &WindowUse<'_>) -> Attributable {
    let mut profiled_static = 0.0;
    let mut modelled_dynamic = 0.0;
    let mut measured = 0.0;
    let mut any_measured = false;
    for (component, joules) in w.energy {
        match w.profiles.get(component) {
            Some(p) => {
                profiled_static += p.static_power.0;
                modelled_dynamic += p.dynamic_j_per_cpu_s.map_or(0.0, |r| r.0 * w.process_cpu.0);
                if p.dynamic_j_per_cpu_s.is_none() {
                    measured += (joules.0 - p.static_power.0 * w.duration.0).max(0.0);
                    any_measured = true;
                }
            }
            None => {
                measured += joules.0;
                any_measured = true;
            }
        }
    }
    let measured_static = match (any_measured, w.idle_power) {
        (true, Some(idle)) => (idle.0 - profiled_static).max(0.0),
        _ => 0.0,
    };
    let measured_dynamic = (measured - measured_static * w.duration.0).max(0.0);
    let busy_share = if w.machine_busy.0 > 0.0 {
        (w.process_cpu.0 / w.machine_busy.0).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let static_power = profiled_static + measured_static;
    let cpu_s = w.process_cpu.0.max(0.0);
    Attributable {
        dynamic: Joules(modelled_dynamic + measured_dynamic * busy_share),
        static_part: Joules(static_power * cpu_s / f64::from(w.logical_cpus.max(1))),
        static_power: Watts(static_power),
    }
}

/// Records process and machine CPU time at the start of a window.
#[derive(Debug, Clone)]
pub struct ShareProbe {
    proc_root: PathBuf,
    process: ProcessRef,
    process_start: Seconds,
    machine_start: MachineCpuTimes,
}

/// CPU time used over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    pub process: Seconds,
    pub machine_busy: Seconds,
}

impl ShareProbe {
    pub fn start(proc_root: &Path, process: ProcessRef) -> io::Result<Self> {
        Ok(Self {
            proc_root: proc_root.to_path_buf(),
            process,
            process_start: process.cpu_time()?,
            machine_start: cputime::machine_cpu_times(proc_root)?,
        })
    }

    /// CPU time since [`start`](Self::start). Machine busy time is never reported below the process's own (the
    /// two clocks differ in resolution: ns vs 10 ms ticks).
    pub fn finish(&self) -> io::Result<CpuUse> {
        let process = self.process.cpu_time()? - self.process_start;
        let machine = cputime::machine_cpu_times(&self.proc_root)?;
        let busy = machine.busy - self.machine_start.busy;
        Ok(CpuUse {
            process,
            machine_busy: Seconds(busy.0.max(process.0)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_gross_and_net() {
        let a = attribute(
            Joules(100.0),
            Seconds(10.0),
            Seconds(3.0),
            Seconds(4.0),
            Some(Watts(4.0)),
        );
        assert_eq!(a.method, AttributionMethod::ProcessCpuShare);
        assert_eq!(a.share, 0.75);
        assert_eq!(a.process_gross, Joules(75.0));
        assert_eq!(a.idle, Joules(40.0));
        assert_eq!(a.process_net, Joules(45.0));
    }

    #[test]
    fn net_never_negative_and_unknown_share_charges_all() {
        let a = attribute(
            Joules(10.0),
            Seconds(10.0),
            Seconds(1.0),
            Seconds(0.0),
            Some(Watts(5.0)),
        );
        assert_eq!(a.method, AttributionMethod::WholeMachine);
        assert_eq!(
            (a.process_gross, a.process_net),
            (Joules(10.0), Joules(0.0))
        );
    }

    fn model_profiles() -> BTreeMap<Component, PowerProfile> {
        // A 2-CPU machine, TDP 8 W, RAM 20 W, as the model meter describes itself.
        BTreeMap::from([
            (
                Component::CpuModel,
                PowerProfile {
                    static_power: Watts(0.8),
                    dynamic_j_per_cpu_s: Some(Joules(3.6)),
                },
            ),
            (
                Component::RamModel,
                PowerProfile {
                    static_power: Watts(20.0),
                    dynamic_j_per_cpu_s: Some(Joules(0.0)),
                },
            ),
        ])
    }

    /// The model meter's machine-mode energy of a window where the machine is busy `busy` CPU-seconds.
    fn model_energy(busy: f64, duration: f64) -> BTreeMap<Component, Joules> {
        let load = busy / (2.0 * duration);
        BTreeMap::from([
            (
                Component::CpuModel,
                Joules(8.0 * (0.1 + 0.9 * load.powi(3)) * duration),
            ),
            (Component::RamModel, Joules(20.0 * duration)),
        ])
    }

    #[test]
    fn a_neighbours_cpu_use_does_not_change_the_attributable_energy() {
        let profiles = model_profiles();
        // The workload uses 3 CPU-seconds in a 10 s window. Alone the machine is busy 3.2 s; with a neighbour that
        // keeps one core busy it is busy 13.2 s, and the same work stretched over 20 s is busy 23.2 s.
        let quiet_energy = model_energy(3.2, 10.0);
        let busy_energy = model_energy(13.2, 10.0);
        let slow_energy = model_energy(23.2, 20.0);
        let window = |energy, busy, duration| {
            attributable(&WindowUse {
                energy,
                profiles: &profiles,
                duration: Seconds(duration),
                process_cpu: Seconds(3.0),
                machine_busy: Seconds(busy),
                logical_cpus: 2,
                idle_power: Some(Watts(21.0)),
            })
        };
        let quiet = window(&quiet_energy, 3.2, 10.0);
        let busy = window(&busy_energy, 13.2, 10.0);
        let slow = window(&slow_energy, 23.2, 20.0);
        // static (0.8 + 20) W × 3 s ÷ 2 CPUs = 31.2 J; dynamic 3.6 J × 3 s = 10.8 J.
        for a in [quiet, busy, slow] {
            assert!((a.static_part.0 - 31.2).abs() < 1e-9, "{a:?}");
            assert!((a.dynamic.0 - 10.8).abs() < 1e-9, "{a:?}");
        }
        // The gross share, by contrast, moves with the neighbour and with wall time.
        let gross = |e: &BTreeMap<Component, Joules>, busy: f64, d: f64| {
            let total = e.values().map(|j| j.0).sum::<f64>();
            attribute(Joules(total), Seconds(d), Seconds(3.0), Seconds(busy), None)
                .process_gross
                .0
        };
        let (g_quiet, g_slow) = (
            gross(&quiet_energy, 3.2, 10.0),
            gross(&slow_energy, 23.2, 20.0),
        );
        assert!(
            (g_quiet - g_slow).abs() / g_quiet > 0.5,
            "{g_quiet} vs {g_slow}"
        );
    }

    #[test]
    fn measured_components_use_the_idle_baseline_as_static_power() {
        // RAPL-like: 10 W idle, the window 100 J over 5 s; process 2 of 4 busy CPU-seconds on 4 CPUs.
        let energy = BTreeMap::from([(Component::CpuPackage, Joules(100.0))]);
        let none = BTreeMap::new();
        let a = attributable(&WindowUse {
            energy: &energy,
            profiles: &none,
            duration: Seconds(5.0),
            process_cpu: Seconds(2.0),
            machine_busy: Seconds(4.0),
            logical_cpus: 4,
            idle_power: Some(Watts(10.0)),
        });
        // dynamic (100 − 50) × 2/4 = 25 J; static 10 W × 2 s ÷ 4 = 5 J.
        assert_eq!(
            (a.dynamic, a.static_part, a.static_power),
            (Joules(25.0), Joules(5.0), Watts(10.0))
        );
        // A neighbour doubling the busy time and adding 40 J of real dynamic energy leaves the static part alone and
        // shares the measured dynamic energy by busy time.
        let energy = BTreeMap::from([(Component::CpuPackage, Joules(140.0))]);
        let b = attributable(&WindowUse {
            energy: &energy,
            profiles: &none,
            duration: Seconds(5.0),
            process_cpu: Seconds(2.0),
            machine_busy: Seconds(8.0),
            logical_cpus: 4,
            idle_power: Some(Watts(10.0)),
        });
        assert_eq!((b.dynamic, b.static_part), (Joules(22.5), Joules(5.0)));
        assert_eq!(b.total(), Joules(27.5));
    }

    #[test]
    fn probe_measures_own_process() {
        let p = ShareProbe::start(Path::new(cputime::DEFAULT_PROC_ROOT), ProcessRef::Current)
            .expect("probe");
        let mut x = 1u64;
        for i in 0..3_000_000u64 {
            x = x.wrapping_mul(7).wrapping_add(i);
        }
        std::hint::black_box(x);
        let u = p.finish().expect("finish");
        assert!(u.process.0 > 0.0 && u.machine_busy >= u.process);
    }
}
