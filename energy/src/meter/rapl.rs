//! RAPL through the Linux powercap sysfs (`/sys/class/powercap`, root injectable).
//!
//! Domain discovery follows CodeCarbon 3.3.2 (`core/cpu.py::IntelRAPL`):
//! * every directory named `intel-rapl*:…` with an `energy_uj`, found up to three levels below the root (the real
//!   tree links the same zone from several places; zones are de-duplicated by canonical path, then by name with the
//!   MMIO interface preferred over MSR);
//! * a zone is top-level when its directory name has exactly one `:` (`intel-rapl:0`), else a sub-domain;
//! * `package*` zones are summed into `cpu_package`; `psys` is used instead only when asked (`prefer_psys`) or when
//!   there is no package zone; `core`/`uncore` sub-domains are never used (they are inside the package).
//! * DRAM is reported separately as `dram` (never added to `cpu_package`, exactly as CodeCarbon never adds it to CPU
//!   energy). Unlike CodeCarbon, a DRAM *sub-domain* (`intel-rapl:0:2`, where Intel servers put it) is reported too,
//!   since the package counter does not include DRAM; `include_dram = false` drops DRAM entirely.
//!
//! `energy_uj` is root-only since CVE-2020-8694; an unreadable counter gives [`MeterError::PermissionDenied`] with
//! the fix ([`PERMISSION_FIX`]) and the caller falls back to the next meter. Wrap-around at `max_energy_range_uj` is
//! handled by [`WrappingCounter`]. Resolution: the sysfs unit, 1 µJ.

use super::counter::WrappingCounter;
use super::{Component, EnergyMeter, MeterError, Reading, Source};
use crate::clock::{self, Clock};
use crate::units::{Joules, Seconds};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where Linux exposes powercap zones.
pub const DEFAULT_POWERCAP_ROOT: &str = "/sys/class/powercap";

/// How to make `energy_uj` readable without running everything as root.
pub const PERMISSION_FIX: &str = "run as root, or grant read access: `sudo chmod -R a+r /sys/class/powercap/*` \
(until reboot), or permanently with a udev rule, e.g. /etc/udev/rules.d/70-powercap.rules: \
`SUBSYSTEM==\"powercap\", ACTION==\"add\", RUN+=\"/bin/chmod g+r /sys%p/energy_uj\", RUN+=\"/bin/chgrp power /sys%p/energy_uj\"` \
and add yourself to group `power`";

/// Which domains to use.
#[derive(Debug, Clone, PartialEq)]
pub struct RaplConfig {
    /// The powercap root (`--powercap-root`).
    pub root: PathBuf,
    /// Report DRAM domains as `dram`.
    pub include_dram: bool,
    /// Use `psys` instead of the package domains when both exist.
    pub prefer_psys: bool,
}

impl Default for RaplConfig {
    fn default() -> Self {
        Self {
            root: PathBuf::from(DEFAULT_POWERCAP_ROOT),
            include_dram: true,
            prefer_psys: false,
        }
    }
}

/// What a zone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    Package,
    Psys,
    Dram,
    /// `core`, `uncore` or anything else: never used.
    Other,
}

/// One powercap zone found under the root.
#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    /// The zone's `name` file (`package-0`), or its directory name when it has none.
    pub name: String,
    pub kind: DomainKind,
    pub dir: PathBuf,
    pub top_level: bool,
    pub mmio: bool,
    /// `max_energy_range_uj`, 0 when unreadable (wraps are then discarded).
    pub max_range_uj: u64,
}

impl Domain {
    fn energy_path(&self) -> PathBuf {
        self.dir.join("energy_uj")
    }

    fn component(&self) -> Component {
        if self.kind == DomainKind::Dram {
            Component::Dram
        } else {
            Component::CpuPackage
        }
    }
}

/// RAPL meter over the selected domains.
#[derive(Debug)]
pub struct RaplMeter {
    domains: Vec<Domain>,
    skipped: Vec<String>,
    clock: Arc<dyn Clock>,
    window: Option<(Seconds, Vec<WrappingCounter>)>,
}

impl RaplMeter {
    /// Discovers the zones under `config.root` and checks the chosen counters can be read.
    pub fn open(config: &RaplConfig) -> Result<Self, MeterError> {
        Self::open_with_clock(config, clock::monotonic())
    }

    pub fn open_with_clock(config: &RaplConfig, clock: Arc<dyn Clock>) -> Result<Self, MeterError> {
        let found = discover(&config.root)?;
        let (domains, skipped) = choose(found, config)?;
        for d in &domains {
            read_uj(&d.energy_path())?;
        }
        Ok(Self {
            domains,
            skipped,
            clock,
            window: None,
        })
    }

    /// The domains this meter reads.
    pub fn domains(&self) -> &[Domain] {
        &self.domains
    }

    /// One line for `harness meters`: which zones are summed, which were left out and why.
    pub fn describe(&self) -> String {
        let used: Vec<String> = self
            .domains
            .iter()
            .map(|d| format!("{} ({})", d.name, d.component()))
            .collect();
        let mut s = format!("reading {}", used.join(", "));
        if !self.skipped.is_empty() {
            s.push_str(&format!("; not used: {}", self.skipped.join(", ")));
        }
        s
    }
}

impl EnergyMeter for RaplMeter {
    fn source(&self) -> Source {
        Source::Rapl
    }

    fn components(&self) -> Vec<Component> {
        let set: std::collections::BTreeSet<Component> =
            self.domains.iter().map(Domain::component).collect();
        set.into_iter().collect()
    }

    fn start(&mut self) -> Result<(), MeterError> {
        let counters = self
            .domains
            .iter()
            .map(|d| {
                Ok(WrappingCounter::new(
                    read_uj(&d.energy_path())?,
                    d.max_range_uj,
                ))
            })
            .collect::<Result<Vec<_>, MeterError>>()?;
        self.window = Some((self.clock.now(), counters));
        Ok(())
    }

    fn read(&mut self) -> Result<Reading, MeterError> {
        let (started, counters) = self
            .window
            .as_mut()
            .ok_or(MeterError::NotStarted(Source::Rapl))?;
        let mut energy = BTreeMap::new();
        let mut notes = Vec::new();
        for (d, c) in self.domains.iter().zip(counters.iter_mut()) {
            if c.update(read_uj(&d.energy_path())?) == super::counter::Step::Discarded {
                notes.push(format!(
                    "{}: counter went backwards without a known wrap range; step discarded",
                    d.name
                ));
            }
            *energy.entry(d.component()).or_insert(Joules(0.0)) += Joules(c.total() as f64 * 1e-6);
        }
        Ok(Reading {
            source: Source::Rapl,
            duration: self.clock.now() - *started,
            energy,
            resolution: Some(Joules(1e-6)),
            notes,
        })
    }
}

fn classify(name: &str) -> DomainKind {
    let lower = name.to_ascii_lowercase();
    if lower.contains("package") {
        DomainKind::Package
    } else if lower == "psys" {
        DomainKind::Psys
    } else if lower.contains("dram") {
        DomainKind::Dram
    } else {
        DomainKind::Other
    }
}

/// Every zone with an `energy_uj` under `root`, de-duplicated by canonical path, in a stable order.
pub fn discover(root: &Path) -> Result<Vec<Domain>, MeterError> {
    if !root.is_dir() {
        return Err(MeterError::Unavailable {
            meter: Source::Rapl,
            reason: format!(
                "{} does not exist (no powercap support, or not Linux)",
                root.display()
            ),
        });
    }
    let mut dirs = Vec::new();
    walk(root, 0, &mut dirs);
    dirs.sort();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for dir in dirs {
        let canon = fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if seen.insert(canon) {
            out.push(domain_at(dir));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !name.starts_with("intel-rapl") || !path.is_dir() {
            continue;
        }
        if name.contains(':') && path.join("energy_uj").exists() {
            out.push(path.clone());
        }
        if depth < 3 {
            walk(&path, depth + 1, out);
        }
    }
}

fn domain_at(dir: PathBuf) -> Domain {
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = fs::read_to_string(dir.join("name"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| base.clone());
    let max_range_uj = fs::read_to_string(dir.join("max_energy_range_uj"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    Domain {
        kind: classify(&name),
        top_level: base.matches(':').count() == 1,
        mmio: base.starts_with("intel-rapl-mmio"),
        name,
        dir,
        max_range_uj,
    }
}

/// De-duplication key: the name for top-level zones, parent zone + name for sub-domains (two sockets both have a
/// `dram` sub-domain).
fn dedup_key(d: &Domain) -> String {
    if d.top_level {
        d.name.clone()
    } else {
        let parent = d
            .dir
            .parent()
            .map(|p| domain_at(p.to_path_buf()).name)
            .unwrap_or_default();
        format!("{parent}/{}", d.name)
    }
}

/// Applies the selection rules; returns the domains to read and a description of those left out.
fn choose(
    found: Vec<Domain>,
    config: &RaplConfig,
) -> Result<(Vec<Domain>, Vec<String>), MeterError> {
    let mut readable = Vec::new();
    let mut denied = None;
    let mut skipped = Vec::new();
    for d in found {
        match fs::read_to_string(d.energy_path()) {
            Ok(_) => readable.push(d),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                skipped.push(format!("{} (permission denied)", d.name));
                denied.get_or_insert(d.energy_path());
            }
            Err(e) => skipped.push(format!("{} (unreadable: {e})", d.name)),
        }
    }
    let has = |k| readable.iter().any(|d: &Domain| d.kind == k);
    let cpu_kind = if (config.prefer_psys && has(DomainKind::Psys))
        || (!has(DomainKind::Package) && has(DomainKind::Psys))
    {
        DomainKind::Psys
    } else {
        DomainKind::Package
    };
    let mut chosen: Vec<Domain> = Vec::new();
    for d in readable {
        let wanted = d.kind == cpu_kind || (d.kind == DomainKind::Dram && config.include_dram);
        if !wanted {
            skipped.push(format!("{} ({})", d.name, why_not(&d, cpu_kind, config)));
            continue;
        }
        let key = dedup_key(&d);
        match chosen.iter().position(|c| dedup_key(c) == key) {
            Some(i) if d.mmio && !chosen[i].mmio => chosen[i] = d,
            Some(_) => {}
            None => chosen.push(d),
        }
    }
    if !chosen.iter().any(|d| d.kind == cpu_kind) {
        return Err(match denied {
            Some(path) => MeterError::PermissionDenied {
                meter: Source::Rapl,
                path,
                fix: PERMISSION_FIX.to_string(),
            },
            None => MeterError::Unavailable {
                meter: Source::Rapl,
                reason: format!(
                    "no readable RAPL package or psys zone under {}",
                    config.root.display()
                ),
            },
        });
    }
    Ok((chosen, skipped))
}

fn why_not(d: &Domain, cpu_kind: DomainKind, config: &RaplConfig) -> &'static str {
    match d.kind {
        DomainKind::Package if cpu_kind == DomainKind::Psys => "psys preferred",
        DomainKind::Psys => {
            "package zones used; psys only when asked or when no package zone exists"
        }
        DomainKind::Dram if !config.include_dram => "DRAM not requested",
        _ => "part of the package",
    }
}

fn read_uj(path: &Path) -> Result<u64, MeterError> {
    let text = fs::read_to_string(path).map_err(|err| {
        if err.kind() == ErrorKind::PermissionDenied {
            MeterError::PermissionDenied {
                meter: Source::Rapl,
                path: path.to_path_buf(),
                fix: PERMISSION_FIX.to_string(),
            }
        } else {
            MeterError::Io {
                meter: Source::Rapl,
                path: path.to_path_buf(),
                err,
            }
        }
    })?;
    text.trim().parse().map_err(|_| MeterError::Parse {
        meter: Source::Rapl,
        path: path.to_path_buf(),
        content: text.trim().chars().take(40).collect(),
    })
}
