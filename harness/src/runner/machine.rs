//! The machine a run was measured on, and its fingerprint: energy is only comparable between runs with equal
//! fingerprints (same CPU model, logical CPUs, RAM and meter sources).

use crate::record::schema::MachineInfo;
use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

/// Describe this machine. `meter_sources` are the sources whose numbers the run uses (part of the fingerprint).
pub fn machine_info(meter_sources: &[&str]) -> MachineInfo {
    let kind = RefreshKind::nothing()
        .with_cpu(CpuRefreshKind::nothing())
        .with_memory(MemoryRefreshKind::nothing().with_ram());
    let (cpu_model, logical_cpus, ram_bytes) = match System::new_with_specifics(kind) {
        Ok(sys) => {
            let model = sys
                .cpus()
                .first()
                .map(|c| c.brand().trim().to_string())
                .unwrap_or_default();
            (
                model,
                u32::try_from(sys.cpus().len()).unwrap_or(u32::MAX),
                sys.total_memory(),
            )
        }
        Err(_) => (String::new(), 0, 0),
    };
    let cpu_model = if cpu_model.is_empty() {
        "unknown".to_string()
    } else {
        cpu_model
    };
    let fingerprint = fingerprint(&cpu_model, logical_cpus, ram_bytes, meter_sources);
    MachineInfo {
        fingerprint,
        hostname: System::host_name().unwrap_or_default(),
        cpu_model,
        logical_cpus,
        ram_bytes,
        os: System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_string()),
        kernel: System::kernel_version().unwrap_or_default(),
    }
}

/// FNV-1a 64 over the comparable facts, hex. Stable across Rust versions (unlike `DefaultHasher`).
/// RAM is rounded to whole GiB so that a kernel reserving a few MB more does not change it.
pub fn fingerprint(
    cpu_model: &str,
    logical_cpus: u32,
    ram_bytes: u64,
    meter_sources: &[&str],
) -> String {
    let ram_gib = (ram_bytes as f64 / (1u64 << 30) as f64).round() as u64;
    let mut sources: Vec<&str> = meter_sources.to_vec();
    sources.sort_unstable();
    let text = format!("{cpu_model}|{logical_cpus}|{ram_gib}|{}", sources.join(","));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `release` or `debug`: how this binary was compiled (debug assertions on = a debug build).
pub fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_sensitive() {
        let a = fingerprint("AMD EPYC 7B12", 2, 24 << 30, &["model"]);
        assert_eq!(
            a,
            fingerprint("AMD EPYC 7B12", 2, (24 << 30) + 4096, &["model"])
        );
        assert_eq!(a.len(), 16);
        assert_ne!(a, fingerprint("AMD EPYC 7B12", 4, 24 << 30, &["model"]));
        assert_ne!(a, fingerprint("AMD EPYC 7B12", 2, 24 << 30, &["rapl"]));
        assert_eq!(
            fingerprint("x", 1, 0, &["rapl", "nvml"]),
            fingerprint("x", 1, 0, &["nvml", "rapl"])
        );
        // Pinned: a change here silently makes every stored baseline incomparable.
        assert_eq!(fingerprint("x", 1, 0, &[]), "549a84e896445860");
    }

    #[test]
    fn describes_this_machine() {
        let m = machine_info(&["fake"]);
        assert!(m.logical_cpus >= 1);
        assert!(m.ram_bytes > 0);
        assert!(!m.os.is_empty());
    }
}
