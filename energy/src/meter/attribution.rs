//! Attributing machine energy to one process, gross and net of idle.
//!
//! A meter reports machine energy (RAPL, NVML, the model in machine mode). A process's share is its CPU time over
//! the machine's busy CPU time in the same window (`process-cpu-share`): exact process CPU time from
//! [`crate::cputime`], machine busy time from `/proc/stat`. Net energy subtracts idle power × duration (measured
//! before the run) from the machine energy first, never going below zero. Both are kept.

use crate::cputime::{self, MachineCpuTimes, ProcessRef};
use crate::units::{Joules, Seconds, Watts};
use serde::Serialize;
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
