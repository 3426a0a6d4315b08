//! The run's meter: the `energy` crate's selected meters ([`energy::meter::select`]) read as one set, plus the
//! attribution of machine energy to the measured process.
//!
//! Whose energy: [`Charge::Process`] attributes the machine energy to one process (this one in-process, or the server
//! given by `--server-pid`) by its share of busy CPU time; [`Charge::Machine`] charges the whole machine (used with
//! `--target` and no `--server-pid`), so net = machine energy − idle.
//!
//! During a window a sampler thread ([`Sampler`]) reads the set every [`SAMPLE_INTERVAL`] (the model meter integrates load between
//! reads, as CodeCarbon samples once a second); [`RunMeter::end`] reads once more and attributes the machine energy
//! to the process by its share of busy CPU time (`process-cpu-share`, [`energy::meter::attribution`]), gross and net
//! of idle power, and splits it into the process's attributable energy ([`energy::meter::attribution::attributable`]:
//! static power by the process's CPU time over the machine's capacity, load-driven energy by its CPU time), which a
//! neighbour cannot move.

use super::environment::{EnvProbe, EnvRoots};
use crate::record::schema::Environment;
use crate::record::schema::MeterInfo;
use energy::cputime::{
    DEFAULT_PROC_ROOT, MachineCpuTimes, ProcessRef, logical_cpus, machine_cpu_times,
};
use energy::meter::attribution::{
    Attributable, Attribution, PowerProfile, ShareProbe, WindowUse, attributable, attribute,
};
use energy::meter::sampler::Sampler;
use energy::meter::{Component, MeterChoice, MeterConfig, MeterSet, select};
use energy::units::{Joules, Seconds, Watts};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the meters are read during a window.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(500);

/// Energy of one window, attributed to the measured process.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowEnergy {
    /// Process share of each component's gross energy (`cpu_model`, `ram_model`, `cpu_package`...).
    pub components: BTreeMap<String, Joules>,
    pub attribution: Attribution,
    /// The process's attributable energy: what it causes plus its CPU-time share of the static power.
    pub attributable: Attributable,
    /// What else ran on the machine during the window.
    pub environment: Environment,
    /// CPU time of the charged process over the window (machine busy CPU time with [`Charge::Machine`]).
    pub process_cpu: Seconds,
    /// Machine energy (unattributed) and the window length, for the idle baseline.
    pub machine: Joules,
    pub duration: Seconds,
}

/// Who the measured energy is charged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// A process's share of the machine by CPU time.
    Process(ProcessRef),
    /// The whole machine (net of idle).
    Machine,
}

impl Charge {
    /// The `config.attribution` name.
    pub fn method_name(self) -> &'static str {
        match self {
            Charge::Process(ProcessRef::Current) => "process-cpu-share",
            Charge::Process(ProcessRef::Pid(_)) => "server-pid-cpu-share",
            Charge::Process(ProcessRef::Children) => "children-cpu-share",
            Charge::Machine => "machine-minus-idle",
        }
    }
}

/// CPU-time state at the start of a window.
#[derive(Debug)]
enum Probe {
    Share(ShareProbe),
    Machine(MachineCpuTimes),
}

/// The selected meters, their report, and the attribution probe.
#[derive(Debug)]
pub struct RunMeter {
    set: Arc<Mutex<MeterSet>>,
    sources: String,
    charge: Charge,
    /// The meters' static/dynamic split, read once at selection.
    profiles: BTreeMap<Component, PowerProfile>,
    /// Logical CPUs in `/proc/stat` (the capacity the static power is shared over).
    logical_cpus: u32,
    env_roots: EnvRoots,
    window: Option<(Probe, Instant, Sampler, EnvProbe)>,
}

/// What selecting the meters reported: every meter considered and the warnings (estimates, fakes, fallbacks).
#[derive(Debug, Clone)]
pub struct MeterReport {
    pub meters: Vec<MeterInfo>,
    pub warnings: Vec<String>,
}

impl RunMeter {
    /// Select meters for `choice` (configured by `config`: the powercap root, the fake power, ...) and charge their
    /// energy as `charge` says.
    pub fn select(
        choice: MeterChoice,
        config: &MeterConfig,
        charge: Charge,
    ) -> anyhow::Result<(Self, MeterReport)> {
        let selection = select(choice, config).map_err(|e| {
            anyhow::anyhow!("--meter {choice}: {e}; `harness meters` lists what this machine has")
        })?;
        let sources = selection.used_sources();
        let (set, considered, warnings) = selection.into_parts();
        if set.is_empty() {
            anyhow::bail!(
                "--meter {choice}: no meter is usable on this machine; try --meter model or --meter fake"
            );
        }
        let report = MeterReport {
            meters: considered.iter().map(crate::metering::meter_info).collect(),
            warnings,
        };
        let root = Path::new(DEFAULT_PROC_ROOT);
        let logical_cpus = logical_cpus(root).map_err(|e| {
            anyhow::anyhow!("counting logical CPUs in {}/stat: {e}", root.display())
        })?;
        Ok((
            Self {
                profiles: set.power_profile(),
                set: Arc::new(Mutex::new(set)),
                sources,
                charge,
                logical_cpus,
                env_roots: EnvRoots::default(),
                window: None,
            },
            report,
        ))
    }

    /// Sources in use, comma-joined (`model`, `rapl,nvml`).
    pub fn sources(&self) -> &str {
        &self.sources
    }

    /// Open a window on every meter and start sampling.
    pub fn begin(&mut self) -> anyhow::Result<()> {
        if let Some((_, _, sampler, _)) = self.window.take() {
            sampler.stop();
        }
        lock(&self.set)?.start()?;
        let root = Path::new(DEFAULT_PROC_ROOT);
        let probe = match self.charge {
            Charge::Process(p) => ShareProbe::start(root, p).map(Probe::Share),
            Charge::Machine => machine_cpu_times(root).map(Probe::Machine),
        }
        .map_err(|e| anyhow::anyhow!("reading CPU times for attribution: {e}"))?;
        let set = Arc::clone(&self.set);
        // The ticks only keep the model's integration fine-grained (and wrap-around tracked): `end` reads. A failed
        // sample is retried by the next tick and by `end`, which reports errors.
        let sampler = Sampler::spawn("meter-sampler", SAMPLE_INTERVAL, move || {
            if let Ok(mut s) = set.lock() {
                let _ = s.sample();
            }
        })
        .map_err(|e| anyhow::anyhow!("starting the meter sampler thread: {e}"))?;
        let measured_pid = match self.charge {
            Charge::Process(ProcessRef::Pid(p)) => Some(p),
            _ => None,
        };
        let env = EnvProbe::start(&self.env_roots, self.own_cpu()?, measured_pid);
        self.window = Some((probe, Instant::now(), sampler, env));
        Ok(())
    }

    /// Close the window: read the meters, attribute to the process with `idle_power` (machine watts) subtracted
    /// for the net figure.
    pub fn end(&mut self, idle_power: Option<Watts>) -> anyhow::Result<WindowEnergy> {
        let (probe, started, sampler, env) = self
            .window
            .take()
            .ok_or_else(|| anyhow::anyhow!("meter window closed before it was opened"))?;
        sampler.stop();
        let reading = lock(&self.set)?.read()?;
        let duration = Seconds(started.elapsed().as_secs_f64());
        let cpu_err = |e: std::io::Error| anyhow::anyhow!("reading CPU times for attribution: {e}");
        let machine = reading.total();
        let (attribution, process_cpu, machine_busy) = match probe {
            Probe::Share(p) => {
                let cpu = p.finish().map_err(cpu_err)?;
                let a = attribute(machine, duration, cpu.process, cpu.machine_busy, idle_power);
                (a, cpu.process, cpu.machine_busy)
            }
            Probe::Machine(start) => {
                let now = machine_cpu_times(Path::new(DEFAULT_PROC_ROOT)).map_err(cpu_err)?;
                let zero = Seconds(0.0);
                let a = attribute(machine, duration, zero, zero, idle_power);
                let busy = now.busy - start.busy;
                (a, busy, busy)
            }
        };
        let attributable = attributable(&WindowUse {
            energy: &reading.energy,
            profiles: &self.profiles,
            duration,
            process_cpu,
            machine_busy,
            logical_cpus: self.logical_cpus,
            idle_power,
        });
        let environment = env.finish(&self.env_roots, self.own_cpu()?);
        let components = reading
            .energy
            .iter()
            .map(|(c, j)| (c.as_str().to_string(), Joules(j.0 * attribution.share)))
            .collect();
        Ok(WindowEnergy {
            components,
            attribution,
            attributable,
            environment,
            process_cpu,
            machine,
            duration,
        })
    }
}

impl RunMeter {
    /// CPU time of what this run measures, for the environment record: the charged process, or this harness
    /// process when the whole machine is charged (then the server counts as "other processes").
    fn own_cpu(&self) -> anyhow::Result<Seconds> {
        let process = match self.charge {
            Charge::Process(p) => p,
            Charge::Machine => ProcessRef::Current,
        };
        process
            .cpu_time()
            .map_err(|e| anyhow::anyhow!("reading the CPU time of {process:?}: {e}"))
    }
}

/// The name of process `pid` from `/proc/<pid>/comm` (`?` when it cannot be read).
pub fn process_name(pid: u32) -> String {
    std::fs::read_to_string(
        Path::new(DEFAULT_PROC_ROOT)
            .join(pid.to_string())
            .join("comm"),
    )
    .map(|s| s.trim().to_string())
    .unwrap_or_else(|_| "?".to_string())
}

/// A warning when energy is charged to `--server-pid` but that process used no CPU time in some of a workload's
/// repetitions (`cpu_s` per repetition): then it is not the server doing the work (a wrapper shell's or `cargo run`'s
/// pid, say) and its J/op is 0. `name` is the process name shown.
pub fn idle_server_warning(
    charge: Charge,
    workload: &str,
    cpu_s: &[f64],
    name: impl FnOnce(u32) -> String,
) -> Option<String> {
    let Charge::Process(ProcessRef::Pid(pid)) = charge else {
        return None;
    };
    let still = cpu_s.iter().filter(|&&c| c <= 0.0).count();
    (still > 0).then(|| {
        format!(
            "--server-pid {pid} ({}): its CPU time did not move during {still} of {} repetition(s) of {workload}, \
             so the energy charged to it is 0; is it the server itself and not a wrapper (a shell, `cargo run`)? \
             `ss -ltnp` shows the pid listening on the port",
            name(pid),
            cpu_s.len()
        )
    })
}

fn lock(set: &Mutex<MeterSet>) -> anyhow::Result<std::sync::MutexGuard<'_, MeterSet>> {
    set.lock()
        .map_err(|_| anyhow::anyhow!("the meter sampler panicked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_pid_that_used_no_cpu_is_named_in_a_warning() {
        let charge = Charge::Process(ProcessRef::Pid(4242));
        let w = idle_server_warning(charge, "get:/ok", &[0.0, 0.2], |_| "sh".to_string())
            .expect("a warning");
        assert!(
            w.contains("--server-pid 4242 (sh)") && w.contains("1 of 2") && w.contains("get:/ok"),
            "{w}"
        );
        assert_eq!(
            idle_server_warning(charge, "get:/ok", &[0.1, 0.2], |_| "sh".to_string()),
            None
        );
        let own = Charge::Process(ProcessRef::Current);
        assert_eq!(
            idle_server_warning(own, "x", &[0.0], |_| "sh".to_string()),
            None
        );
        assert_eq!(
            idle_server_warning(Charge::Machine, "x", &[0.0], |_| "sh".to_string()),
            None
        );
    }

    #[test]
    fn the_process_name_comes_from_proc_comm() {
        let name = process_name(std::process::id());
        assert!(!name.is_empty() && name != "?", "{name}");
        assert_eq!(process_name(u32::MAX), "?");
    }
}
